package fs

import (
	"context"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
)

var (
	_ gofs.NodeGetxattrer     = (*node)(nil)
	_ gofs.NodeSetxattrer     = (*node)(nil)
	_ gofs.NodeListxattrer    = (*node)(nil)
	_ gofs.NodeRemovexattrer  = (*node)(nil)
	_ gofs.NodeLseeker        = (*node)(nil)
	_ gofs.NodeAllocater      = (*node)(nil)
	_ gofs.NodeCopyFileRanger = (*node)(nil)
	_ gofs.NodeGetlker        = (*node)(nil)
	_ gofs.NodeSetlker        = (*node)(nil)
	_ gofs.NodeSetlkwer       = (*node)(nil)
)

// User xattrs map onto SMB extended attributes (MS-FSCC 2.4.15), as cifs.ko
// maps them: "user.NAME" is the EA "NAME". Other namespaces are not
// supported.
const userPrefix = "user."

// withOpen runs f on a short-lived handle of the node.
func (n *node) withOpen(ctx context.Context, access uint32, f func(*smb.File) error) error {
	req := wire.CreateRequest{
		DesiredAccess:     access | wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
	}
	_, dir := n.parentDir()
	if l := dir.childLease(n, n.IsDir()); l != nil {
		n.tree().RequestLease(&req, *l) // no break of our own leases
	}
	if access&(wire.FileWriteEA|wire.WriteDAC|wire.FileWriteAttributes) != 0 {
		n.childChanged()
	}
	h, err := n.tree().Create(ctx, n.smbPath(""), req)
	if err != nil {
		return err
	}
	defer h.Close(context.Background())
	return f(h)
}

func (n *node) eas(ctx context.Context) ([]fscc.EA, error) {
	var eas []fscc.EA
	err := n.withOpen(ctx, wire.FileReadEA, func(f *smb.File) error {
		buf, err := f.QueryInfo(ctx, wire.InfoFile, uint8(fscc.FileFullEaInformationClass), 0, 64<<10)
		if err != nil {
			if smb.IsStatus(err, wire.StatusNoEAsOnFile) {
				return nil
			}
			return err
		}
		eas, err = fscc.ParseFullEAList(buf)
		return err
	})
	return eas, err
}

func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if !strings.HasPrefix(attr, userPrefix) {
		// security.*, system.posix_acl_*, trusted.*: not kept. Saying so
		// (rather than "no such attribute") lets ls -l and cp stop
		// asking for every file of the mount.
		return 0, syscall.EOPNOTSUPP
	}
	eas, err := n.eas(ctx)
	if err != nil {
		return 0, toErrno(err)
	}
	name := attr[len(userPrefix):]
	for _, e := range eas {
		if strings.EqualFold(e.Name, name) {
			if len(dest) < len(e.Value) {
				return uint32(len(e.Value)), syscall.ERANGE
			}
			return uint32(copy(dest, e.Value)), 0
		}
	}
	return 0, syscall.ENODATA
}

func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	eas, err := n.eas(ctx)
	if err != nil {
		return 0, toErrno(err)
	}
	var b []byte
	for _, e := range eas {
		b = append(b, userPrefix+e.Name...)
		b = append(b, 0)
	}
	if len(dest) < len(b) {
		return uint32(len(b)), syscall.ERANGE
	}
	return uint32(copy(dest, b)), 0
}

func (n *node) setEA(ctx context.Context, name string, value []byte) error {
	buf := fscc.AppendFullEAList(nil, []fscc.EA{{Name: name, Value: value}})
	return n.withOpen(ctx, wire.FileWriteEA, func(f *smb.File) error {
		return f.SetInfo(ctx, wire.InfoFile, uint8(fscc.FileFullEaInformationClass), 0, buf)
	})
}

func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	ctx = uninterruptible(ctx)
	if !strings.HasPrefix(attr, userPrefix) {
		return syscall.EOPNOTSUPP
	}
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	if len(data) == 0 {
		return syscall.EINVAL // an empty EA value means "delete" in SMB
	}
	if flags&(0x1|0x2) != 0 { // XATTR_CREATE, XATTR_REPLACE
		_, errno := n.Getxattr(ctx, attr, make([]byte, 64<<10))
		exists := errno == 0 || errno == syscall.ERANGE
		if flags&0x1 != 0 && exists {
			return syscall.EEXIST
		}
		if flags&0x2 != 0 && !exists {
			return syscall.ENODATA
		}
	}
	return toErrno(n.setEA(ctx, attr[len(userPrefix):], data))
}

func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	ctx = uninterruptible(ctx)
	if !strings.HasPrefix(attr, userPrefix) {
		return syscall.EOPNOTSUPP
	}
	if _, errno := n.Getxattr(ctx, attr, make([]byte, 64<<10)); errno == syscall.ENODATA {
		return syscall.ENODATA
	}
	return toErrno(n.setEA(ctx, attr[len(userPrefix):], nil))
}

// Lseek answers SEEK_DATA and SEEK_HOLE from FSCTL_QUERY_ALLOCATED_RANGES.
func (n *node) Lseek(ctx context.Context, fh gofs.FileHandle, off uint64, whence uint32) (uint64, syscall.Errno) {
	h, ok := fh.(*handle)
	if !ok {
		return 0, syscall.EBADF
	}
	if err := n.flushData(); err != nil {
		return 0, toErrno(err)
	}
	fi, err := h.f.Stat(ctx)
	if err != nil {
		return 0, toErrno(err)
	}
	size := uint64(fi.Size)
	if off >= size {
		return 0, syscall.ENXIO
	}
	in := wire.EncodeAllocatedRange(wire.AllocatedRange{Offset: off, Length: size - off})
	out, err := h.f.Ioctl(ctx, wire.FsctlQueryAllocatedRanges, in, 64<<10)
	if err != nil {
		return 0, toErrno(err)
	}
	ranges, err := wire.ParseAllocatedRanges(out)
	if err != nil {
		return 0, syscall.EIO
	}
	const seekData, seekHole = 3, 4
	switch whence {
	case seekData:
		for _, r := range ranges {
			if r.Offset+r.Length > off {
				return max(r.Offset, off), 0
			}
		}
		return 0, syscall.ENXIO
	case seekHole:
		pos := off
		for _, r := range ranges {
			if r.Offset > pos {
				break
			}
			if r.Offset+r.Length > pos {
				pos = r.Offset + r.Length
			}
		}
		return min(pos, size), 0
	}
	return 0, syscall.EINVAL
}

// fallocate modes, linux/falloc.h.
const (
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
	fallocZeroRange = 0x10
)

func (n *node) Allocate(ctx context.Context, fh gofs.FileHandle, off, size uint64, mode uint32) syscall.Errno {
	ctx = uninterruptible(ctx)
	h, ok := fh.(*handle)
	if !ok {
		return syscall.EBADF
	}
	if err := n.flushData(); err != nil {
		return toErrno(err)
	}
	defer n.changed()
	switch {
	case mode&(fallocPunchHole|fallocZeroRange) != 0:
		if mode&fallocPunchHole != 0 {
			// Sparse first, so the zeroed range is deallocated.
			if _, err := h.f.Ioctl(ctx, wire.FsctlSetSparse, nil, 0); err != nil {
				return toErrno(err)
			}
		}
		if _, err := h.f.Ioctl(ctx, wire.FsctlSetZeroData, wire.FileZeroDataInformation(off, off+size), 0); err != nil {
			return toErrno(err)
		}
		if mode&fallocZeroRange != 0 && mode&fallocKeepSize == 0 {
			return n.growTo(ctx, h, off+size)
		}
		return 0
	case mode&^fallocKeepSize == 0:
		if mode&fallocKeepSize != 0 {
			return 0 // preallocation beyond EOF is a hint SMB cannot express per range
		}
		return n.growTo(ctx, h, off+size)
	}
	return syscall.EOPNOTSUPP
}

func (n *node) growTo(ctx context.Context, h *handle, end uint64) syscall.Errno {
	fi, err := h.f.Stat(ctx)
	if err != nil {
		return toErrno(err)
	}
	if uint64(fi.Size) >= end {
		return 0
	}
	n.invalidate(n.smbPath(""))
	return toErrno(h.f.SetInfo(ctx, wire.InfoFile, uint8(fscc.FileEndOfFileInformationClass), 0, (&fscc.FileEndOfFileInformation{EndOfFile: end}).Append(nil)))
}

// CopyFileRange copies on the server (FSCTL_SRV_COPYCHUNK_WRITE): the data
// never crosses the network.
func (n *node) CopyFileRange(ctx context.Context, fhIn gofs.FileHandle, offIn uint64, out *gofs.Inode, fhOut gofs.FileHandle, offOut uint64, length uint64, flags uint64) (uint32, syscall.Errno) {
	ctx = uninterruptible(ctx)
	src, ok1 := fhIn.(*handle)
	dst, ok2 := fhOut.(*handle)
	if !ok1 || !ok2 {
		return 0, syscall.EBADF
	}
	// The server copies what it has: buffered writes of both go first.
	if err := src.n.flushData(); err != nil {
		return 0, toErrno(err)
	}
	if err := dst.n.flushData(); err != nil {
		return 0, toErrno(err)
	}
	defer dst.n.changed()
	keyOut, err := src.f.Ioctl(ctx, wire.FsctlSrvRequestResumeKey, nil, 32)
	if err != nil {
		return 0, toErrno(err)
	}
	key, err := wire.ParseResumeKey(keyOut)
	if err != nil {
		return 0, syscall.EIO
	}
	// Stay within common server limits: 16 chunks of 1 MiB per request.
	const chunk, perCall = 1 << 20, 16
	var done uint64
	for done < length {
		req := wire.SrvCopychunkCopy{SourceKey: key}
		for len(req.Chunks) < perCall && done+uint64(len(req.Chunks))*chunk < length {
			o := done + uint64(len(req.Chunks))*chunk
			req.Chunks = append(req.Chunks, wire.Copychunk{SourceOffset: offIn + o, TargetOffset: offOut + o, Length: uint32(min(chunk, length-o))})
		}
		res, err := dst.f.Ioctl(ctx, wire.FsctlSrvCopychunkWrite, req.Encode(), 12)
		if err != nil {
			if done > 0 {
				break
			}
			return 0, toErrno(err)
		}
		r, err := wire.ParseSrvCopychunkResponse(res)
		if err != nil {
			return uint32(done), syscall.EIO
		}
		if r.TotalBytesWritten == 0 {
			break // source end of file
		}
		done += uint64(r.TotalBytesWritten)
	}
	if out != nil {
		if on, ok := out.Operations().(*node); ok {
			n.invalidate(on.smbPath(""))
		}
	}
	return uint32(done), 0
}

// Byte-range locks map to SMB2 LOCK (MS-SMB2 3.2.4.19). Locks belong to the
// handle on the server; the kernel tracks owners.

func (n *node) Getlk(ctx context.Context, fh gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	h, ok := fh.(*handle)
	if !ok {
		return syscall.EBADF
	}
	// SMB has no "test lock": try to take it and release it at once.
	start, length := lockRange(lk)
	fl := wire.LockFlagExclusive
	if lk.Typ == syscall.F_RDLCK {
		fl = wire.LockFlagShared
	}
	err := h.f.Lock(ctx, []wire.LockElement{{Offset: start, Length: length, Flags: fl | wire.LockFlagFailImmediately}})
	if err == nil {
		h.f.Lock(ctx, []wire.LockElement{{Offset: start, Length: length, Flags: wire.LockFlagUnlock}})
		*out = *lk
		out.Typ = syscall.F_UNLCK
		return 0
	}
	if e := toErrno(err); e != syscall.EAGAIN {
		return e
	}
	*out = *lk
	out.Pid = 0
	return 0
}

func lockRange(lk *fuse.FileLock) (uint64, uint64) {
	if lk.End == ^uint64(0) || lk.End < lk.Start {
		return lk.Start, ^uint64(0) - lk.Start
	}
	return lk.Start, lk.End - lk.Start + 1
}

func (n *node) setlk(ctx context.Context, fh gofs.FileHandle, lk *fuse.FileLock, wait bool) syscall.Errno {
	h, ok := fh.(*handle)
	if !ok {
		return syscall.EBADF
	}
	start, length := lockRange(lk)
	var fl uint32
	switch lk.Typ {
	case syscall.F_UNLCK:
		err := h.f.Lock(ctx, []wire.LockElement{{Offset: start, Length: length, Flags: wire.LockFlagUnlock}})
		if smb.IsStatus(err, wire.StatusRangeNotLocked) {
			return 0 // POSIX allows unlocking what is not locked
		}
		return toErrno(err)
	case syscall.F_RDLCK:
		fl = wire.LockFlagShared
	default:
		fl = wire.LockFlagExclusive
	}
	if !wait {
		fl |= wire.LockFlagFailImmediately
	}
	h.locked = true // its locks die with it: never kept open for reuse
	return toErrno(h.f.Lock(ctx, []wire.LockElement{{Offset: start, Length: length, Flags: fl}}))
}

func (n *node) Setlk(ctx context.Context, fh gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return n.setlk(ctx, fh, lk, false)
}

func (n *node) Setlkw(ctx context.Context, fh gofs.FileHandle, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return n.setlk(ctx, fh, lk, true)
}
