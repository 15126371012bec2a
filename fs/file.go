package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/gosmb/gosmb/cache"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
)

// handle is one FUSE open: one SMB handle of its own (SMB byte-range locks
// belong to a handle), opened under the inode's lease key so that the
// inode's opens share one lease and never break each other.
type handle struct {
	n      *node
	f      *smb.File
	write  bool // opened for writing
	dac    bool // opened with WRITE_DAC: chmod on a POSIX mount
	append bool
	locked bool // took a byte-range lock: never kept for reuse
	idle   *time.Timer
	ra     *cache.Readahead // nil with cache=none
}

const leaseRWH = wire.LeaseRead | wire.LeaseWrite | wire.LeaseHandle

// caching reports whether opens request leases and cache under them.
func (m *Mount) caching() bool { return m.cfg.Cache != "none" }

// leaseKey returns the inode's lease key, making one on first use.
func (n *node) leaseKey() smb.LeaseKey {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.hasKey {
		n.key = smb.NewLeaseKey()
		n.hasKey = true
	}
	return n.key
}

// createReq completes req with the inode's lease request and the contexts
// whose answers make a stat unnecessary.
// dir is the directory the file is in.
func (n *node) createReq(req *wire.CreateRequest, dir *node) {
	req.Contexts = append(req.Contexts, wire.CreateContext{Name: wire.CtxQueryOnDiskID})
	if n.m.caching() {
		n.tree().RequestLease(req, smb.Lease{Key: n.leaseKey(), State: leaseRWH, Parent: dir.dirKey()})
	}
}

// opened records a new SMB handle of the inode: the lease it holds, and
// whether the kernel may keep the pages it cached before (FOPEN_KEEP_CACHE).
func (n *node) opened(f *smb.File, write, appendMode bool) (*handle, uint32) {
	granted, _ := f.Granted()
	fi := f.Info()
	n.mu.Lock()
	// Pages cached before stay valid if a read lease was held all along
	// (a break would have dropped them), or if the file is as we last
	// saw it under one.
	keep := granted&wire.LeaseRead != 0 &&
		((n.lease&wire.LeaseRead != 0 && (n.opens > 0 || len(n.idle) > 0)) || (n.known.valid && n.known.mtime.Equal(fi.Mtime) && n.known.size == fi.Size))
	n.lease = granted
	n.opens++
	n.known.valid = granted&wire.LeaseRead != 0
	n.known.mtime, n.known.size = fi.Mtime, fi.Size
	n.mu.Unlock()
	if granted != 0 {
		n.m.trackLease(n)
	}
	n.mu.Lock()
	n.lastFile = f
	n.attr, n.attrOK = *fi, fi.FileID != 0
	n.mu.Unlock()
	h := &handle{n: n, f: f, write: write, append: appendMode}
	n.mu.Lock()
	n.active = append(n.active, h)
	n.mu.Unlock()
	if n.m.caching() {
		h.ra = cache.NewReadahead(func(ctx context.Context, off int64, size int) ([]byte, error) {
			return f.ReadBuf(ctx, off, size)
		}, n.m.rchunk, readWindow)
	}
	return h, n.fopenFlags(keep)
}

func (n *node) fopenFlags(keep bool) uint32 {
	switch n.m.cfg.Cache {
	case "none":
		return fuse.FOPEN_DIRECT_IO
	case "loose":
		return fuse.FOPEN_KEEP_CACHE
	}
	if keep {
		return fuse.FOPEN_KEEP_CACHE
	}
	return 0
}

// reuse takes an idle handle of the inode (deferred close) that has at
// least the access wanted.
func (n *node) reuse(write bool) *handle {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, h := range n.idle {
		if h.write || !write {
			if !h.idle.Stop() {
				continue // its close is under way
			}
			n.idle = append(n.idle[:i], n.idle[i+1:]...)
			n.opens++
			n.active = append(n.active, h)
			return h
		}
	}
	return nil
}

// activeDAC returns an open handle that may set the mode.
func (n *node) activeDAC() *handle {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range n.active {
		if h.dac {
			return h
		}
	}
	return nil
}

// activeWriter returns an open handle with write access, if any.
func (n *node) activeWriter() *handle {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range n.active {
		if h.write {
			return h
		}
	}
	return nil
}

// writer returns the inode's write-back buffer.
func (n *node) writer() *cache.Writer {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.wb == nil {
		n.wb = cache.NewWriter(n.m.budget, n.m.wchunk, writeDepth)
	}
	return n.wb
}

// flushData writes back the inode's buffered writes.
//
// Attribute changes held back behind the data (see deferAttrs) follow it.
func (n *node) flushData() error {
	n.mu.Lock()
	wb := n.wb
	n.mu.Unlock()
	if wb != nil {
		if err := wb.Flush(); err != nil {
			return err
		}
	}
	return n.applyPending(context.Background(), nil)
}

// pendingSets takes the held-back attribute changes as SET_INFOs.
func (n *node) pendingSets() []smb.SetInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	var sets []smb.SetInfo
	if n.pend.times != nil {
		sets = append(sets, smb.SetInfo{Class: fscc.FileBasicInformationClass, Buffer: n.pend.times.Append(nil)})
	}
	if n.pend.mode != nil {
		sets = append(sets, modeSetInfo(*n.pend.mode))
	}
	n.pend.times, n.pend.mode = nil, nil
	return sets
}

// applyPending sends held-back attribute changes on a writable handle,
// with data (a small buffer) in the same compound.
func (n *node) applyPending(ctx context.Context, e *cache.Extent) error {
	fi, err := n.sendPending(ctx, e)
	if fi != nil {
		n.remember(fi)
	}
	return err
}

// sendPending is applyPending without remembering the answer (the caller
// does, once the data it sent no longer counts as in flight).
func (n *node) sendPending(ctx context.Context, e *cache.Extent) (*smb.FileInfo, error) {
	sets := n.pendingSets()
	if len(sets) == 0 && e == nil {
		return nil, nil
	}
	h := n.activeWriter()
	if h == nil {
		h = n.idleWriter()
	}
	if h == nil {
		return nil, fmt.Errorf("%s: no open handle to apply attributes on", n.rel())
	}
	var off int64
	var data []byte
	if e != nil {
		off, data = e.Off, e.Data
	}
	return h.f.WriteSetInfoStat(ctx, off, data, sets...)
}

// deferAttrs holds back a change of times and mode on a file whose data is
// being written back under a write lease: it goes out with the data at
// close, in one compound (tar sets both on every file it writes). The
// kernel gets the attributes as they will be.
func (n *node) deferAttrs(in *fuse.SetAttrIn, h *handle) (*smb.FileInfo, bool) {
	if _, ok := in.GetSize(); ok || !n.writeBack() || h == nil || !h.write {
		return nil, false
	}
	mode, mok := in.GetMode()
	if mok && (!n.m.share.Conn.POSIX() || !h.dac) {
		return nil, false // without POSIX, a mode is an attribute change of its own
	}
	atime, aok := in.GetATime()
	mtime, tok := in.GetMTime()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.attr.FileID == 0 {
		return nil, false // nothing to answer from
	}
	if aok || tok {
		if n.pend.times == nil {
			n.pend.times = &fscc.FileBasicInfo{}
		}
		if aok {
			n.pend.times.LastAccessTime = fscc.TimeToFiletime(atime)
			n.attr.Atime = atime
		}
		if tok {
			n.pend.times.LastWriteTime = fscc.TimeToFiletime(mtime)
			n.attr.Mtime = mtime
		}
	}
	if mok {
		m := mode & 0o7777
		n.pend.mode = &m
		n.attr.Mode = n.attr.Mode&^0o7777 | m
	}
	fi := n.attr
	return &fi, true
}

// pendingView is the remembered attributes while changes are held back.
func (n *node) pendingView() (*smb.FileInfo, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pend.times == nil && n.pend.mode == nil {
		return nil, false
	}
	fi := n.attr
	return &fi, true
}

// idleWriter returns a kept handle with write access.
func (n *node) idleWriter() *handle {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range n.idle {
		if h.write {
			return h
		}
	}
	return nil
}

// dirtySize is the size buffered writes imply, or -1 with none buffered.
func (n *node) dirtySize() int64 {
	n.mu.Lock()
	wb := n.wb
	n.mu.Unlock()
	if wb == nil || !wb.Dirty() {
		return -1
	}
	return wb.Size()
}

// writeBack reports whether writes may be buffered: under a write lease
// (strict), always (loose), never (none).
func (n *node) writeBack() bool {
	switch n.m.cfg.Cache {
	case "none":
		return false
	case "loose":
		return true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lease&wire.LeaseWrite != 0
}

// readWindow is how far readahead runs ahead of a sequential reader, in
// READs of rsize (capped at 2 MiB, so that several are in flight).
const readWindow = 16 << 20

// changed marks the inode's data as changed here or on the server:
// readahead buffers read before it are dropped.
func (n *node) changed() { n.gen.Add(1) }

// writeDepth is how many WRITEs of one file's write-back are in flight.
const writeDepth = 8

// release ends a FUSE open: the handle is kept for closetimeo under a
// handle lease (deferred close, as cifs.ko), else closed.
func (n *node) release(h *handle) error {
	err := n.flushData()
	n.mu.Lock()
	n.opens--
	for i, x := range n.active {
		if x == h {
			n.active = append(n.active[:i], n.active[i+1:]...)
			break
		}
	}
	keep := n.m.caching() && n.lease&wire.LeaseHandle != 0 && !h.locked && !n.unlinked && n.m.closeTimeo > 0
	if keep {
		h.idle = time.AfterFunc(n.m.closeTimeo, func() { n.closeIdle(h) })
		n.idle = append(n.idle, h)
	}
	n.mu.Unlock()
	if keep {
		return err
	}
	if cerr := n.closeHandle(h); err == nil {
		err = cerr
	}
	return err
}

// closeIdle closes a handle whose deferred close ran out.
func (n *node) closeIdle(h *handle) {
	n.mu.Lock()
	found := false
	for i, x := range n.idle {
		if x == h {
			n.idle = append(n.idle[:i], n.idle[i+1:]...)
			found = true
			break
		}
	}
	n.mu.Unlock()
	if found {
		if err := n.closeHandle(h); err != nil {
			n.m.log.Debug("deferred close", zap.String("path", h.f.Name), zap.Error(err))
		}
	}
}

// closeIdleAll closes every idle handle now: before an unlink or rename of
// the inode (an open handle would leave a non-POSIX server's name delete
// pending), on a handle lease break, and at unmount.
func (n *node) closeIdleAll() {
	for _, h := range n.takeIdle() {
		n.closeHandle(h)
	}
}

// takeIdle removes the idle handles (their timers stopped) for the caller
// to close.
func (n *node) takeIdle() []*handle {
	n.mu.Lock()
	defer n.mu.Unlock()
	var hs []*handle
	for _, h := range n.idle {
		if h.idle.Stop() {
			hs = append(hs, h)
		}
	}
	n.idle = nil
	return hs
}

// closeHandle closes the SMB handle; the inode's lease ends with its last
// one, and with it what the kernel may trust.
func (n *node) closeHandle(h *handle) error {
	cr, err := h.f.Close(context.Background())
	n.closed(cr)
	return err
}

// closed does the bookkeeping of a handle closed (here or in a compound).
func (n *node) closed(cr *wire.CloseResponse) {
	n.mu.Lock()
	last := n.opens == 0 && len(n.idle) == 0
	if cr != nil && n.known.valid && n.lease&wire.LeaseRead != 0 {
		n.known.mtime, n.known.size = fscc.FiletimeToTime(cr.LastWriteTime), int64(cr.EndOfFile)
	}
	if last {
		n.lease = 0
	}
	n.mu.Unlock()
	if last {
		n.m.untrackLease(n)
	}
}

// onBreak handles a lease or oplock break: write back before giving up
// write caching, drop the kernel's pages and attributes before giving up
// read caching, close idle handles before giving up handle caching, then
// acknowledge (MS-SMB2 3.2.5.19).
func (m *Mount) onBreak(b smb.Break) {
	m.stats.breaks.Add(1)
	n := m.leaseOwner(b)
	if n != nil && n.IsDir() {
		m.onDirBreak(n, b)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if n == nil {
		if b.Lease {
			m.noteUnclaimedBreak(b.Key)
		}
		if b.Lease && b.AckRequired {
			m.share.Tree.AckLeaseBreak(ctx, b.Key, 0)
		}
		return
	}
	n.mu.Lock()
	lost := n.lease &^ b.NewState
	n.lease = b.NewState
	if lost&wire.LeaseRead != 0 {
		n.known.valid = false
	}
	n.mu.Unlock()
	m.log.Debug("lease break", zap.String("path", n.rel()), zap.Uint32("lost", lost), zap.Uint32("kept", b.NewState))
	if lost&wire.LeaseWrite != 0 {
		if err := n.flushData(); err != nil {
			m.log.Warn("write-back on lease break failed", zap.String("path", n.rel()), zap.Error(err))
		}
	}
	if lost&wire.LeaseRead != 0 {
		n.changed()
		m.attrs.forget(n.smbPath(""))
		n.NotifyContent(0, 0) // pages and attributes, mmaps included
	}
	if lost&wire.LeaseHandle != 0 {
		n.closeIdleAll()
	}
	if !b.AckRequired {
		return
	}
	var err error
	if b.Lease {
		err = m.share.Tree.AckLeaseBreak(ctx, b.Key, b.NewState)
	} else if f := n.anyHandle(); f != nil {
		err = f.AckOplockBreak(ctx, b.NewState)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		m.log.Debug("break acknowledgment", zap.String("path", n.rel()), zap.Error(err))
	}
}

func (n *node) anyHandle() *smb.File {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range n.idle {
		return h.f
	}
	return n.lastFile
}

func (m *Mount) trackLease(n *node) {
	m.mu.Lock()
	m.leases[n.leaseKey()] = n
	m.mu.Unlock()
}

func (m *Mount) untrackLease(n *node) {
	k := n.leaseKey()
	m.mu.Lock()
	if m.leases[k] == n {
		delete(m.leases, k)
	}
	m.mu.Unlock()
}

func (m *Mount) leaseOwner(b smb.Break) *node {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b.Lease {
		return m.leases[b.Key]
	}
	for _, n := range m.leases {
		n.mu.Lock()
		match := n.lastFile != nil && n.lastFile.ID == b.FileID
		n.mu.Unlock()
		if match {
			return n
		}
	}
	return nil
}

// closeAllIdle closes every deferred handle (unmount).
func (m *Mount) closeAllIdle() {
	m.mu.Lock()
	ns := make([]*node, 0, len(m.leases))
	for _, n := range m.leases {
		ns = append(ns, n)
	}
	m.mu.Unlock()
	for _, n := range ns {
		n.closeIdleAll()
	}
}

// Read serves a read from the server, after writing back buffered data in
// its range. The kernel's page cache in front of it does the caching.
func (n *node) Read(ctx context.Context, fh fsHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	h := fh.(*handle)
	if wb := n.wbIfAny(); wb != nil && wb.Overlaps(off, int64(len(dest))) {
		if err := wb.Flush(); err != nil {
			return nil, toErrno(err)
		}
	}
	if h.ra != nil {
		b, err := h.ra.Read(ctx, off, len(dest), n.gen.Load())
		if err != nil {
			return nil, toErrno(err)
		}
		n.m.stats.readBytes.Add(uint64(len(b)))
		return fuse.ReadResultData(b), 0
	}
	got, err := h.f.ReadAtSize(ctx, dest, off, n.m.cfg.Rsize)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, toErrno(err)
	}
	n.m.stats.readBytes.Add(uint64(got))
	return fuse.ReadResultData(dest[:got]), 0
}

func (n *node) wbIfAny() *cache.Writer {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.wb
}

// Write buffers the data under a write lease (sent as large WRITEs in the
// background, written back at close, fsync or break) and writes it through
// otherwise.
func (n *node) Write(ctx context.Context, fh fsHandle, data []byte, off int64) (uint32, syscall.Errno) {
	ctx = uninterruptible(ctx)
	h := fh.(*handle)
	n.m.stats.writeBytes.Add(uint64(len(data)))
	// Size and times move with the write: forget them before and after
	// (a stat racing with it must not keep its answer).
	forget := func() {
		n.mu.Lock()
		n.attrOK = false
		n.mu.Unlock()
		n.changed()
		n.childChanged()
	}
	forget()
	defer forget()
	if h.append {
		// O_APPEND: write at the server's end of file, one writer at a time.
		n.appendMu.Lock()
		defer n.appendMu.Unlock()
		if err := n.flushData(); err != nil {
			return 0, toErrno(err)
		}
		st, err := h.f.Stat(ctx)
		if err != nil {
			return 0, toErrno(err)
		}
		off = st.Size
	}
	if !h.append && n.writeBack() {
		f := h.f
		wsize := n.m.cfg.Wsize
		err := n.writer().Write(off, data, func(ctx context.Context, off int64, p []byte) error {
			_, err := f.WriteAtSize(ctx, p, off, wsize)
			return err
		})
		if err != nil {
			return 0, toErrno(err)
		}
		n.m.attrs.drop(n.smbPath(""))
		return uint32(len(data)), 0
	}
	w, err := h.f.WriteAtSize(ctx, data, off, n.m.cfg.Wsize)
	n.m.attrs.drop(n.smbPath(""))
	if err != nil {
		return uint32(w), toErrno(err)
	}
	return uint32(w), 0
}

// Flush is close(2): buffered data reaches the server before close
// returns, and a failed write is reported there.
func (n *node) Flush(ctx context.Context, fh fsHandle) syscall.Errno {
	ctx = uninterruptible(ctx)
	if h, ok := fh.(*handle); ok && h.write {
		// A small buffer goes out with a QUERY_INFO in the same compound,
		// whose answer serves the stat that usually follows a close.
		if wb := n.wbIfAny(); wb != nil {
			if e, done, ok := wb.TakeSmall(min(n.m.wchunk, 1<<20)); ok {
				fi, err := n.sendPending(ctx, &e)
				done(err)
				if fi != nil {
					n.remember(fi) // the stat after close needs no request
				}
			}
		}
	}
	return toErrno(n.flushData())
}

func (n *node) Fsync(ctx context.Context, fh fsHandle, flags uint32) syscall.Errno {
	ctx = uninterruptible(ctx)
	if err := n.flushData(); err != nil {
		return toErrno(err)
	}
	if h, ok := fh.(*handle); ok {
		return toErrno(h.f.Flush(ctx))
	}
	return 0
}

func (n *node) Release(ctx context.Context, fh fsHandle) syscall.Errno {
	h := fh.(*handle)
	err := n.release(h)
	n.invalidate(n.smbPath(""))
	return toErrno(err)
}

type fsHandle = gofs.FileHandle

// uninterruptible detaches an operation that changes the server from the
// kernel's FUSE interrupts. Go programs get one at every goroutine
// preemption signal; an unlink abandoned after the server carried it out
// would return EINTR, be retried by the caller, and fail with ENOENT.
// (cifs.ko waits for such requests too, killable only by fatal signals.)
func uninterruptible(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// accessFor is the access an open asks for: writers ask for read too, so
// that one handle serves the page cache's reads.
func accessFor(write bool) uint32 {
	if write {
		return wire.GenericRead | wire.GenericWrite
	}
	return wire.GenericRead
}

func (n *node) Open(ctx context.Context, flags uint32) (fsHandle, uint32, syscall.Errno) {
	write := flags&syscall.O_ACCMODE != syscall.O_RDONLY
	if n.m.cfg.ReadOnly && write {
		return nil, 0, syscall.EROFS
	}
	appendMode := flags&syscall.O_APPEND != 0
	if n.m.caching() {
		if h := n.reuse(write); h != nil {
			n.m.stats.reusedOpens.Add(1)
			h.append = appendMode
			n.mu.Lock()
			keep := n.lease&wire.LeaseRead != 0
			n.mu.Unlock()
			return h, n.fopenFlags(keep), 0
		}
	}
	p := n.smbPath("")
	open := func(access uint32) (*smb.File, error) {
		req := wire.CreateRequest{
			DesiredAccess:     access,
			ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
			CreateDisposition: wire.FileOpen,
		}
		_, dir := n.parentDir()
		n.createReq(&req, dir)
		return n.tree().Create(ctx, p, req)
	}
	f, err := open(accessFor(write))
	if write && smb.IsStatus(err, wire.StatusAccessDenied) {
		f, err = open(wire.GenericWrite | wire.FileReadAttributes) // write-only permission
	}
	if err != nil {
		return nil, 0, toErrno(err)
	}
	n.m.stats.opens.Add(1)
	n.invalidate(p)
	h, fl := n.opened(f, write, appendMode)
	return h, fl, 0
}

// Create opens a new file and answers the kernel from the CREATE response
// itself (with its QFid and POSIX contexts): one round trip.
func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, fsHandle, uint32, syscall.Errno) {
	ctx = uninterruptible(ctx)
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
	n.m.noteOwn(p)
	req := wire.CreateRequest{
		DesiredAccess:     accessFor(true),
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: disp,
		CreateOptions:     wire.FileNonDirectoryFile,
	}
	posix := n.m.share.Conn.POSIX()
	if posix {
		// The creator owns the file and may set its mode: tar's fchmod
		// after create then needs no open of its own. (An existing file
		// of another owner refuses it: then the open goes without.)
		req.DesiredAccess |= wire.WriteDAC | wire.ReadControl
	}
	if posix {
		req.Contexts = []wire.CreateContext{{Name: wire.CtxPOSIXCreate, Data: wire.POSIXCreateRequest(mode & 0o7777)}}
	}
	child := &node{m: n.m}
	child.createReq(&req, n)
	f, err := n.tree().Create(ctx, p, req)
	if req.DesiredAccess&wire.WriteDAC != 0 && smb.IsStatus(err, wire.StatusAccessDenied) {
		req.DesiredAccess &^= wire.WriteDAC | wire.ReadControl
		f, err = n.tree().Create(ctx, p, req)
	}
	if err != nil {
		return nil, nil, 0, toErrno(err)
	}
	n.m.stats.opens.Add(1)
	n.invalidate(p)
	fi := f.Info()
	if fi.FileID == 0 { // no QFid answer: ask
		if fi, err = f.Stat(ctx); err != nil {
			f.Close(context.Background())
			return nil, nil, 0, toErrno(err)
		}
	}
	n.cacheSet(name, fi)
	inode := n.newChildNode(ctx, child, fi, out)
	real := inode.Operations().(*node)
	if real != child {
		// The server's inode number is one we know (a hard link, or a
		// number reused after an unlink): the open's lease key is the
		// child's, so the known node takes it over if it holds none.
		real.mu.Lock()
		if real.opens == 0 && len(real.idle) == 0 {
			real.key, real.hasKey, real.unlinked = child.key, true, false
		}
		real.mu.Unlock()
	}
	h, fl := real.opened(f, true, flags&syscall.O_APPEND != 0)
	h.dac = req.DesiredAccess&wire.WriteDAC != 0
	return inode, h, fl, 0
}

// unclaimedBreaks remembers lease breaks that found no owner: a directory
// listed under a new lease is not yet tracked while its listing is read,
// and a break then must still stop the listing from being cached.
type unclaimedBreaks struct {
	mu   sync.Mutex
	when map[smb.LeaseKey]time.Time
}

func (m *Mount) noteUnclaimedBreak(k smb.LeaseKey) {
	u := &m.unclaimed
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.when == nil {
		u.when = map[smb.LeaseKey]time.Time{}
	}
	now := time.Now()
	for key, t := range u.when { // a listing takes seconds at most
		if now.Sub(t) > time.Minute {
			delete(u.when, key)
		}
	}
	u.when[k] = now
}

// brokenSince reports an unclaimed break of k at or after since.
func (m *Mount) brokenSince(k smb.LeaseKey, since time.Time) bool {
	u := &m.unclaimed
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.when[k]
	return ok && !t.Before(since)
}
