package fs

import (
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// noOpendir lets the kernel open directories without asking the daemon
// (FUSE_NO_OPENDIR_SUPPORT): the first OPENDIR is answered ENOSYS, and
// from then on the kernel opens and closes directories by itself and keeps
// every listing it reads (FOPEN_CACHE_DIR), dropping it when the
// directory's mtime changes, when it changes the directory itself, or when
// the daemon invalidates the inode (a lease break). A tree walk such as
// git status then costs no request per directory: OPENDIR and RELEASEDIR
// were 2,654 of its 3,200 FUSE requests on Go's source tree.
//
// go-fuse's node layer serves READDIR only on a handle it opened, so a
// READDIR without one opens a handle in the layer below, and keeps it for
// the next READDIR that continues from where this one stopped.
type noOpendir struct {
	fuse.RawFileSystem
	srv *fuse.Server // set before it serves: what the kernel offered

	mu      sync.Mutex
	streams map[dirPos]uint64 // where a listing stopped -> its handle below
}

// dirPos is a directory and the offset its next READDIR will ask for.
type dirPos struct{ node, off uint64 }

// maxDirStreams bounds the handles of listings that were not read to the
// end (a program that stops early); past it, one is closed, and should
// its listing continue, it is reopened and sought.
const maxDirStreams = 64

func newNoOpendir(fs fuse.RawFileSystem) *noOpendir {
	return &noOpendir{RawFileSystem: fs, streams: map[dirPos]uint64{}}
}

func (s *noOpendir) OpenDir(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if s.srv.KernelSettings().Flags64()&fuse.CAP_NO_OPENDIR_SUPPORT == 0 {
		return s.RawFileSystem.OpenDir(cancel, in, out) // a kernel before 5.1
	}
	return fuse.ENOSYS
}

func (s *noOpendir) ReadDir(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	return s.readdir(cancel, in, out, s.RawFileSystem.ReadDir)
}

func (s *noOpendir) ReadDirPlus(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	return s.readdir(cancel, in, out, s.RawFileSystem.ReadDirPlus)
}

type readdirFunc func(<-chan struct{}, *fuse.ReadIn, *fuse.DirEntryList) fuse.Status

func (s *noOpendir) readdir(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList, read readdirFunc) fuse.Status {
	if in.Fh != 0 {
		return read(cancel, in, out)
	}
	fh, ok := s.take(dirPos{in.NodeId, in.Offset})
	if !ok {
		var open fuse.OpenOut
		st := s.RawFileSystem.OpenDir(cancel, &fuse.OpenIn{InHeader: in.InHeader, Flags: syscall.O_RDONLY}, &open)
		if !st.Ok() {
			return st
		}
		fh = open.Fh // the layer below seeks to in.Offset itself
	}
	below := *in
	below.Fh = fh
	st := read(cancel, &below, out)
	if st.Ok() && out.Offset != in.Offset {
		s.keep(dirPos{in.NodeId, out.Offset}, fh)
	} else { // the end of the listing, or an error
		s.release(in.InHeader, fh)
	}
	return st
}

func (s *noOpendir) take(p dirPos) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fh, ok := s.streams[p]
	delete(s.streams, p)
	return fh, ok
}

func (s *noOpendir) keep(p dirPos, fh uint64) {
	s.mu.Lock()
	type stream struct{ node, fh uint64 }
	var evict []stream
	if old, ok := s.streams[p]; ok {
		evict = append(evict, stream{p.node, old})
	}
	s.streams[p] = fh
	for q, h := range s.streams {
		if len(s.streams) <= maxDirStreams {
			break
		}
		if q != p {
			delete(s.streams, q)
			evict = append(evict, stream{q.node, h})
		}
	}
	s.mu.Unlock()
	for _, e := range evict {
		s.release(fuse.InHeader{NodeId: e.node}, e.fh)
	}
}

func (s *noOpendir) release(h fuse.InHeader, fh uint64) {
	s.RawFileSystem.ReleaseDir(&fuse.ReleaseIn{InHeader: h, Fh: fh})
}
