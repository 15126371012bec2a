// Command loopback mounts a local directory through go-fuse's loopback file
// system: the FUSE ceiling of this machine, for `make bench`. File handles
// are wrapped so that FUSE passthrough (which go-fuse's loopback uses on a
// kernel that has it, as root) is off: a network file system cannot pass
// reads and writes to a local file, so a ceiling that does is no ceiling.
//
//	loopback ORIGINAL MOUNTPOINT
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// fileOps is the loopback file's methods without PassthroughFd.
type fileOps interface {
	fs.FileReader
	fs.FileWriter
	fs.FileFlusher
	fs.FileFsyncer
	fs.FileReleaser
	fs.FileGetattrer
	fs.FileSetattrer
	fs.FileLseeker
	fs.FileAllocater
}

type plainFile struct{ fileOps }

type node struct{ fs.LoopbackNode }

func wrap(fh fs.FileHandle) fs.FileHandle {
	if f, ok := fh.(fileOps); ok {
		return plainFile{f}
	}
	return fh
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fl, errno := n.LoopbackNode.Open(ctx, flags)
	return wrap(fh), fl &^ fuse.FOPEN_PASSTHROUGH, errno
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	in, fh, fl, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	return in, wrap(fh), fl &^ fuse.FOPEN_PASSTHROUGH, errno
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: loopback ORIGINAL MOUNTPOINT")
		os.Exit(2)
	}
	root := &fs.LoopbackRoot{Path: os.Args[1]}
	var st syscall.Stat_t
	if err := syscall.Stat(root.Path, &st); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root.Dev = uint64(st.Dev)
	root.NewNode = func(r *fs.LoopbackRoot, parent *fs.Inode, name string, st *syscall.Stat_t) fs.InodeEmbedder {
		return &node{fs.LoopbackNode{RootData: r}}
	}
	ttl := time.Second // as gosmb's default actimeo
	srv, err := fs.Mount(os.Args[2], root.NewNode(root, nil, "", &st), &fs.Options{
		EntryTimeout: &ttl, AttrTimeout: &ttl,
		MountOptions: fuse.MountOptions{FsName: "loopback", Name: "loopback", MaxWrite: 1 << 20, AllowOther: true},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; srv.Unmount() }()
	fmt.Println("ready")
	srv.Wait()
}
