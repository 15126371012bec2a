package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
)

// node is one inode; its SMB path is its place in the go-fuse tree, which
// go-fuse keeps current across renames.
type node struct {
	gofs.Inode
	m *Mount
}

var (
	_ gofs.NodeLookuper  = (*node)(nil)
	_ gofs.NodeGetattrer = (*node)(nil)
	_ gofs.NodeSetattrer = (*node)(nil)
	_ gofs.NodeReaddirer = (*node)(nil)
	_ gofs.NodeOpener    = (*node)(nil)
	_ gofs.NodeCreater   = (*node)(nil)
	_ gofs.NodeMkdirer   = (*node)(nil)
	_ gofs.NodeUnlinker  = (*node)(nil)
	_ gofs.NodeRmdirer   = (*node)(nil)
	_ gofs.NodeRenamer   = (*node)(nil)
	_ gofs.NodeLinker    = (*node)(nil)
	_ gofs.NodeStatfser  = (*node)(nil)
	_ gofs.NodeReader    = (*node)(nil)
	_ gofs.NodeWriter    = (*node)(nil)
	_ gofs.NodeFsyncer   = (*node)(nil)
	_ gofs.NodeReleaser  = (*node)(nil)
	_ gofs.NodeFlusher   = (*node)(nil)
)

func (n *node) rel() string { return n.Path(nil) }

func (n *node) smbPath(name string) string {
	if name == "" {
		return n.m.smbPath(n.rel())
	}
	return n.m.smbPath(path.Join(n.rel(), name))
}

func (n *node) tree() *smb.Tree { return n.m.share.Tree }

func (n *node) stat(ctx context.Context, p string) (*smb.FileInfo, error) {
	if fi, ok := n.m.attrs.get(p); ok {
		return &fi, nil
	}
	return n.tree().Stat(ctx, p)
}

func (n *node) newChild(ctx context.Context, fi *smb.FileInfo, out *fuse.EntryOut) *gofs.Inode {
	n.m.fillAttr(fi, &out.Attr)
	ttl := n.m.AttrTimeout()
	out.SetEntryTimeout(ttl)
	out.SetAttrTimeout(ttl)
	mode := uint32(syscall.S_IFREG)
	if fi.IsDir() {
		mode = syscall.S_IFDIR
	}
	return n.NewInode(ctx, &node{m: n.m}, gofs.StableAttr{Mode: mode, Ino: fi.FileID})
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	fi, err := n.stat(ctx, n.smbPath(name))
	if err != nil {
		return nil, toErrno(err)
	}
	return n.newChild(ctx, fi, out), 0
}

func (n *node) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	var fi *smb.FileInfo
	var err error
	if h, ok := f.(*handle); ok && h != nil {
		fi, err = h.f.Stat(ctx)
	} else {
		fi, err = n.tree().Stat(ctx, n.smbPath(""))
	}
	if err != nil {
		return toErrno(err)
	}
	n.m.fillAttr(fi, &out.Attr)
	out.SetTimeout(n.m.AttrTimeout())
	return 0
}

func (n *node) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	dir := n.smbPath("")
	ents, err := n.tree().ReadDir(ctx, dir)
	if err != nil {
		return nil, toErrno(err)
	}
	out := make([]fuse.DirEntry, 0, len(ents)+2)
	out = append(out, fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR}, fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR})
	for i := range ents {
		e := &ents[i]
		mode := uint32(syscall.S_IFREG)
		if e.IsDir() {
			mode = syscall.S_IFDIR
		}
		n.m.attrs.put(path.Join(dir, e.Name), *e, n.m.AttrTimeout())
		out = append(out, fuse.DirEntry{Name: e.Name, Mode: mode, Ino: e.FileID})
	}
	return gofs.NewListDirStream(out), 0
}

func (n *node) invalidate(p string) { n.m.attrs.forget(p) }

// handle is an open SMB file.
type handle struct {
	f      *smb.File
	append bool
	mu     sync.Mutex
}

func accessFor(flags uint32) uint32 {
	switch flags & syscall.O_ACCMODE {
	case syscall.O_WRONLY:
		return wire.GenericWrite | wire.FileReadAttributes
	case syscall.O_RDWR:
		return wire.GenericRead | wire.GenericWrite
	}
	return wire.GenericRead
}

func (n *node) fuseFlags() uint32 {
	switch n.m.cfg.Cache {
	case "none":
		return fuse.FOPEN_DIRECT_IO
	case "loose":
		return fuse.FOPEN_KEEP_CACHE
	}
	return 0
}

func (n *node) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if n.m.cfg.ReadOnly && flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		return nil, 0, syscall.EROFS
	}
	disp := wire.FileOpen
	if flags&syscall.O_TRUNC != 0 {
		disp = wire.FileOverwrite
	}
	p := n.smbPath("")
	f, err := n.tree().Create(ctx, p, wire.CreateRequest{
		DesiredAccess:     accessFor(flags),
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: disp,
	})
	if err != nil {
		return nil, 0, toErrno(err)
	}
	n.invalidate(p)
	return &handle{f: f, append: flags&syscall.O_APPEND != 0}, n.fuseFlags(), 0
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if n.m.cfg.ReadOnly {
		return nil, nil, 0, syscall.EROFS
	}
	disp := wire.FileOpenIf
	switch {
	case flags&syscall.O_EXCL != 0:
		disp = wire.FileCreate
	case flags&syscall.O_TRUNC != 0:
		disp = wire.FileOverwriteIf
	}
	p := n.smbPath(name)
	req := wire.CreateRequest{
		DesiredAccess:     accessFor(flags) | wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: disp,
		CreateOptions:     wire.FileNonDirectoryFile,
	}
	if n.m.share.Conn.POSIX() {
		req.Contexts = []wire.CreateContext{{Name: wire.CtxPOSIXCreate, Data: wire.POSIXCreateRequest(mode & 0o7777)}}
	}
	f, err := n.tree().Create(ctx, p, req)
	if err != nil {
		return nil, nil, 0, toErrno(err)
	}
	n.invalidate(p)
	fi, err := n.tree().Stat(ctx, p)
	if err != nil {
		f.Close(context.Background())
		return nil, nil, 0, toErrno(err)
	}
	return n.newChild(ctx, fi, out), &handle{f: f, append: flags&syscall.O_APPEND != 0}, n.fuseFlags(), 0
}

func (n *node) Read(ctx context.Context, fh gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	h := fh.(*handle)
	got, err := h.f.ReadAtSize(ctx, dest, off, n.m.cfg.Rsize)
	if err != nil && err != io.EOF {
		return nil, toErrno(err)
	}
	return fuse.ReadResultData(dest[:got]), 0
}

func (n *node) Write(ctx context.Context, fh gofs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	h := fh.(*handle)
	if h.append {
		// O_APPEND: write at the server's end of file, one writer at a time.
		h.mu.Lock()
		defer h.mu.Unlock()
		buf, err := h.f.QueryInfo(ctx, wire.InfoFile, uint8(fscc.FileStandardInformationClass), 0, 64)
		if err != nil {
			return 0, toErrno(err)
		}
		st, err := fscc.ParseFileStandardInformation(buf)
		if err != nil {
			return 0, syscall.EIO
		}
		off = int64(st.EndOfFile)
	}
	w, err := h.f.WriteAtSize(ctx, data, off, n.m.cfg.Wsize)
	n.invalidate(n.smbPath(""))
	if err != nil {
		return uint32(w), toErrno(err)
	}
	return uint32(w), 0
}

func (n *node) Flush(ctx context.Context, fh gofs.FileHandle) syscall.Errno { return 0 }

func (n *node) Fsync(ctx context.Context, fh gofs.FileHandle, flags uint32) syscall.Errno {
	if h, ok := fh.(*handle); ok {
		return toErrno(h.f.Flush(ctx))
	}
	return 0
}

func (n *node) Release(ctx context.Context, fh gofs.FileHandle) syscall.Errno {
	h := fh.(*handle)
	_, err := h.f.Close(context.Background())
	n.invalidate(n.smbPath(""))
	return toErrno(err)
}

func (n *node) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	p := n.smbPath("")
	set := func(class fscc.FileInfoClass, access uint32, buf []byte) error {
		if h, ok := fh.(*handle); ok && h != nil {
			return h.f.SetInfo(ctx, wire.InfoFile, uint8(class), 0, buf)
		}
		return n.tree().SetInfoPath(ctx, p, access, uint8(class), buf)
	}
	if sz, ok := in.GetSize(); ok {
		if err := set(fscc.FileEndOfFileInformationClass, wire.FileWriteData, (&fscc.FileEndOfFileInformation{EndOfFile: sz}).Append(nil)); err != nil {
			return toErrno(err)
		}
	}
	atime, aok := in.GetATime()
	mtime, mok := in.GetMTime()
	if aok || mok {
		bi := &fscc.FileBasicInfo{}
		if aok {
			bi.LastAccessTime = fscc.TimeToFiletime(atime)
		}
		if mok {
			bi.LastWriteTime = fscc.TimeToFiletime(mtime)
		}
		if err := set(fscc.FileBasicInformationClass, wire.FileWriteAttributes, bi.Append(nil)); err != nil {
			return toErrno(err)
		}
	}
	if mode, ok := in.GetMode(); ok {
		if err := n.chmod(ctx, p, mode&0o7777); err != nil {
			return toErrno(err)
		}
	}
	n.invalidate(p)
	return n.Getattr(ctx, fh, out)
}

// chmod sets a mode. With POSIX extensions, Samba takes the mode from an
// NFS-style ACE whose SID is S-1-5-88-3-MODE; without them, the only
// permission SMB has is the DOS read-only attribute, set when no write bit
// remains (as mount.cifs does).
func (n *node) chmod(ctx context.Context, p string, mode uint32) error {
	if n.m.share.Conn.POSIX() {
		sid, err := fscc.ParseSIDString(fmt.Sprintf("S-1-5-88-3-%d", mode))
		if err != nil {
			return err
		}
		sd := &fscc.SecurityDescriptor{DACL: &fscc.ACL{Revision: 2, ACEs: []fscc.ACE{{Type: 0, SID: *sid}}}}
		return n.withOpen(ctx, wire.WriteDAC|wire.ReadControl, func(f *smb.File) error {
			return f.SetInfo(ctx, wire.InfoSecurity, 0, wire.DACLSecurityInformation, sd.Append(nil))
		})
	}
	fi, err := n.tree().Stat(ctx, p)
	if err != nil {
		return err
	}
	attrs := fi.Attributes &^ fscc.AttrReadonly
	if mode&0o222 == 0 {
		attrs |= fscc.AttrReadonly
	}
	if attrs == fi.Attributes {
		return nil
	}
	if attrs == 0 {
		attrs = fscc.AttrNormal // 0 would mean "leave unchanged"
	}
	return n.tree().SetInfoPath(ctx, p, wire.FileWriteAttributes, uint8(fscc.FileBasicInformationClass), (&fscc.FileBasicInfo{FileAttributes: attrs}).Append(nil))
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if n.m.cfg.ReadOnly {
		return nil, syscall.EROFS
	}
	p := n.smbPath(name)
	if err := n.tree().Mkdir(ctx, p); err != nil {
		return nil, toErrno(err)
	}
	fi, err := n.tree().Stat(ctx, p)
	if err != nil {
		return nil, toErrno(err)
	}
	return n.newChild(ctx, fi, out), 0
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	p := n.smbPath(name)
	n.invalidate(p)
	return toErrno(n.tree().Remove(ctx, p, false))
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	p := n.smbPath(name)
	n.invalidate(p)
	return toErrno(n.tree().Remove(ctx, p, true))
}

const (
	renameNoReplace = 0x1 // RENAME_NOREPLACE
	renameExchange  = 0x2 // RENAME_EXCHANGE
)

func (n *node) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	if flags&renameExchange != 0 {
		return syscall.EINVAL // SMB has no atomic exchange
	}
	np := newParent.(*node)
	from, to := n.smbPath(name), np.smbPath(newName)
	n.invalidate(from)
	n.invalidate(to)
	replace := flags&renameNoReplace == 0
	err := n.tree().Rename(ctx, from, to, replace)
	if replace && errors.Is(err, wire.StatusAccessDenied) {
		// The target is open elsewhere: Windows semantics refuse to
		// replace it. Unlink it first (POSIX servers drop the name at once;
		// open handles keep the data), then rename, as cifs.ko does.
		if rerr := n.tree().Remove(ctx, to, false); rerr == nil {
			err = n.tree().Rename(ctx, from, to, false)
		}
	}
	return toErrno(err)
}

func (n *node) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if n.m.cfg.ReadOnly {
		return nil, syscall.EROFS
	}
	src := target.(*node).smbPath("")
	dst := n.smbPath(name)
	info := (&fscc.FileRenameInformation{FileName: n.tree().WirePath(dst)}).Append(nil) // FileLinkInformation has the same layout
	if err := n.tree().SetInfoPath(ctx, src, 0, uint8(fscc.FileLinkInformationClass), info); err != nil {
		return nil, toErrno(err)
	}
	fi, err := n.tree().Stat(ctx, dst)
	if err != nil {
		return nil, toErrno(err)
	}
	return n.newChild(ctx, fi, out), 0
}

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	fs, err := n.tree().StatFS(ctx)
	if err != nil {
		return toErrno(err)
	}
	bsize := uint64(fs.SectorsPerAllocationUnit) * uint64(fs.BytesPerSector)
	out.Bsize = uint32(bsize)
	out.Frsize = uint32(bsize)
	out.Blocks = fs.TotalAllocationUnits
	out.Bfree = fs.ActualAvailableAllocationUnits
	out.Bavail = fs.CallerAvailableAllocationUnits
	out.NameLen = 255
	return 0
}
