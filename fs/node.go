package fs

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"path"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"go.uber.org/zap"

	"github.com/gosmb/gosmb/cache"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
)

// node is one inode; its SMB path is its place in the go-fuse tree, which
// go-fuse keeps current across renames.
type node struct {
	gofs.Inode
	m *Mount

	mu        sync.Mutex
	key       smb.LeaseKey // shared by every open of the inode
	hasKey    bool
	lease     uint32    // lease state held by the open handles
	opens     int       // FUSE opens
	idle      []*handle // closed by the kernel, kept open for reuse (closetimeo)
	active    []*handle // open
	lastFile  *smb.File // for oplock breaks, on servers without leases
	rdev      uint32    // a device's number, once read (rdevKnown)
	rdevKnown bool
	wb        *cache.Writer
	dc        *dirCache // directories: the cache under a directory lease
	unlinked  bool
	ownMod    time.Time // our last write or setattr (notify tells echoes apart)
	// Directories: lookups since the last listing, the size of that
	// listing, and whether one is under way (see listForLookups).
	misses, listSize int
	listing          bool
	// known is the file as last seen under a read lease: if a new open
	// finds it unchanged, the kernel's cached pages are still good.
	known struct {
		valid bool
		mtime time.Time
		size  int64
	}
	// attr is the inode's attributes from the last server answer; while
	// the inode holds a read lease and nothing was written since, they
	// answer a setattr that changes nothing on the server (chown).
	attr   smb.FileInfo
	attrOK bool
	// pend holds attribute changes until the data they follow is written
	// back (see deferAttrs).
	pend struct {
		times *fscc.FileBasicInfo
		mode  *uint32
	}
	appendMu sync.Mutex    // O_APPEND writes: query end of file, then write
	gen      atomic.Uint64 // data generation, see changed
}

var (
	_ gofs.NodeLookuper  = (*node)(nil)
	_ gofs.NodeGetattrer = (*node)(nil)
	_ gofs.NodeSetattrer = (*node)(nil)
	_ gofs.NodeReaddirer = (*node)(nil)
	_ gofs.NodeOpener    = (*node)(nil)
	_ gofs.NodeCreater   = (*node)(nil)
	_ gofs.NodeMkdirer   = (*node)(nil)
	_ gofs.NodeMknoder   = (*node)(nil)
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

// stat returns p's attributes; from a listing's answer, also what is left
// of its timeout (else -1): the kernel may keep them no longer, so that a
// slowly read listing does not stretch actimeo.
func (n *node) stat(ctx context.Context, p string) (*smb.FileInfo, time.Duration, error) {
	if fi, left, ok := n.m.attrs.get(p); ok {
		return &fi, left, nil
	}
	fi, err := n.tree().Stat(ctx, p)
	return fi, -1, err
}

func (n *node) newChild(ctx context.Context, fi *smb.FileInfo, out *fuse.EntryOut) *gofs.Inode {
	return n.newChildNode(ctx, &node{m: n.m}, fi, out)
}

// newChildNode makes child the inode of fi, or finds the inode already
// known by that number, and fills the kernel's entry.
func (n *node) newChildNode(ctx context.Context, child *node, fi *smb.FileInfo, out *fuse.EntryOut) *gofs.Inode {
	typ := fileType(fi)
	inode := n.NewInode(ctx, child, gofs.StableAttr{Mode: typ, Ino: fi.FileID})
	cn := inode.Operations().(*node)
	cn.remember(fi)
	cn.withDirtySize(fi)
	n.m.fillAttr(fi, &out.Attr)
	if typ == syscall.S_IFCHR || typ == syscall.S_IFBLK {
		out.Attr.Rdev = cn.device(ctx, n.smbPath(fi.Name))
	}
	entry, attr := n.m.ttlIn(n, cn, fi.IsDir())
	out.SetEntryTimeout(entry)
	out.SetAttrTimeout(attr)
	return inode
}

// remember records the server's latest answer about the inode.
// While writes are buffered the server's size and times are about to move,
// so such an answer is not kept.
func (n *node) remember(fi *smb.FileInfo) {
	n.mu.Lock()
	wb := n.wb
	n.mu.Unlock()
	dirty := wb != nil && wb.Dirty()
	n.mu.Lock()
	n.attr, n.attrOK = *fi, !dirty
	n.mu.Unlock()
}

// leasedAttr returns the remembered attributes while a read lease vouches
// for them.
func (n *node) leasedAttr() (smb.FileInfo, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.attr, n.attrOK && n.lease&wire.LeaseRead != 0 && n.m.caching()
}

// withDirtySize corrects a size from the server for writes still buffered.
func (n *node) withDirtySize(fi *smb.FileInfo) {
	if ds := n.dirtySize(); ds > fi.Size {
		fi.Size = ds
	}
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	n.m.stats.lookups.Add(1)
	if n.m.replaying(ctx, n, name, replayAdd) != nil {
		return nil, syscall.ENOENT // so that the replay's mknod or mkdir follows
	}
	if n.m.replaying(ctx, n, name, replayRemove) != nil {
		// The name is gone on the server; the kernel is about to unlink
		// what it knew of it (or, if it forgot, a stand-in).
		if c := n.childNode(name); c != nil {
			c.mu.Lock()
			fi := c.attr
			c.mu.Unlock()
			n.m.fillAttr(&fi, &out.Attr)
			return c.EmbeddedInode(), 0
		}
		return n.newChild(ctx, &smb.FileInfo{Name: name}, out), 0
	}
	fi, known, exists := n.cached(name)
	if !known && n.listForLookups() {
		if _, err := n.openDirCache(ctx); err == nil {
			fi, known, exists = n.cached(name)
		}
		n.mu.Lock()
		n.listing = false
		n.mu.Unlock()
	}
	if known && !exists { // the directory lease vouches: no such name
		n.m.stats.cachedLookups.Add(1)
		return nil, syscall.ENOENT
	}
	left := time.Duration(-1)
	if !known {
		var err error
		if fi, left, err = n.stat(ctx, n.smbPath(name)); err != nil {
			return nil, toErrno(err)
		}
		if exists {
			n.cacheSet(name, fi)
		}
	}
	if known || left >= 0 {
		n.m.stats.cachedLookups.Add(1) // the directory's cache or a listing answered
	}
	inode := n.newChild(ctx, fi, out)
	if left >= 0 { // attributes from a listing: no longer than it holds
		out.SetEntryTimeout(min(out.EntryTimeout(), left))
		out.SetAttrTimeout(min(out.AttrTimeout(), left))
	}
	return inode, 0
}

func (n *node) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	var fi *smb.FileInfo
	var err error
	name, dir := n.parentDir()
	left := time.Duration(-1)
	if p, ok := n.pendingView(); ok {
		fi = p // changes held back: as they will be
	} else if a, ok := n.leasedAttr(); ok {
		fi = &a // nothing changed them: a read lease stands for that
	} else if c, _, exists := dir.cachedAttr(name); exists && c != nil {
		fi = c // nor the directory's lease
	} else if h, ok := f.(*handle); ok && h != nil {
		fi, err = h.f.Stat(ctx)
	} else {
		fi, left, err = n.stat(ctx, n.smbPath(""))
	}
	if err != nil {
		return toErrno(err)
	}
	n.remember(fi)
	n.withDirtySize(fi)
	n.m.fillAttr(fi, &out.Attr)
	if typ := fileType(fi); typ == syscall.S_IFCHR || typ == syscall.S_IFBLK {
		out.Attr.Rdev = n.device(ctx, n.smbPath(""))
	}
	_, ttl := n.m.ttlIn(dir, n, n.IsDir())
	if left >= 0 && left < ttl {
		ttl = left
	}
	out.SetTimeout(ttl)
	return 0
}

func (n *node) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	n.m.stats.listings.Add(1)
	n.m.watch(n)
	if ds, ok := n.readdirCached(); ok {
		return ds, 0
	}
	dir := n.smbPath("")
	var ents []smb.FileInfo
	var err error
	if n.m.dirCaching() {
		ents, err = n.openDirCache(ctx)
	} else {
		ents, err = n.tree().ReadDir(ctx, dir)
	}
	if err != nil {
		return nil, toErrno(err)
	}
	out := make([]fuse.DirEntry, 0, len(ents)+2)
	out = append(out, fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR}, fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR})
	for i := range ents {
		e := &ents[i]
		n.m.attrs.put(path.Join(dir, e.Name), *e, n.m.attrTTL(e.IsDir()))
		out = append(out, fuse.DirEntry{Name: e.Name, Mode: fileType(e), Ino: e.FileID})
	}
	return gofs.NewListDirStream(out), 0
}

func (n *node) invalidate(p string) { n.m.attrs.forget(p) }

// Setattr applies a truncate and time changes in one compound that also
// returns the new attributes; buffered writes go out first, so that none
// lands after the truncate or bumps the times set here.
func (n *node) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	ctx = uninterruptible(ctx)
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	if name, dir := n.parentDir(); dir != nil {
		if op := n.m.replaying(ctx, dir, name, replayModify); op != nil {
			n.m.fillAttr(op.fi, &out.Attr)
			out.SetTimeout(0) // it may be changing still: ask again next time
			return 0          // another client's rewrite, already on the server
		}
	}
	p := n.smbPath("")
	{
		h, _ := fh.(*handle)
		if h == nil {
			h = n.activeWriter()
		}
		if fi, ok := n.deferAttrs(in, h); ok {
			n.childChanged()
			n.withDirtySize(fi)
			n.m.fillAttr(fi, &out.Attr)
			out.SetTimeout(n.m.attrTTL(n.IsDir()))
			return 0
		}
	}
	var sets []smb.SetInfo
	access := uint32(0)
	sz, szok := in.GetSize()
	atime, aok := in.GetATime()
	mtime, mok := in.GetMTime()
	if szok {
		// Buffered bytes past the new size must not land after it.
		if err := n.flushData(); err != nil {
			return toErrno(err)
		}
		n.changed()
		if wb := n.wbIfAny(); wb != nil {
			wb.Truncate(int64(sz))
		}
		sets = append(sets, smb.SetInfo{Class: fscc.FileEndOfFileInformationClass, Buffer: (&fscc.FileEndOfFileInformation{EndOfFile: sz}).Append(nil)})
		access |= wire.FileWriteData
	}
	if aok || mok {
		bi := &fscc.FileBasicInfo{}
		if aok {
			bi.LastAccessTime = fscc.TimeToFiletime(atime)
		}
		if mok {
			bi.LastWriteTime = fscc.TimeToFiletime(mtime)
		}
		sets = append(sets, smb.SetInfo{Class: fscc.FileBasicInformationClass, Buffer: bi.Append(nil)})
		access |= wire.FileWriteAttributes
	}
	if mode, ok := in.GetMode(); ok {
		if err := n.chmod(ctx, p, mode&0o7777); err != nil {
			return toErrno(err)
		}
	}
	n.invalidate(p)
	n.childChanged()
	h, _ := fh.(*handle)
	if h == nil || !h.write {
		// A path-based setattr (utimensat by name, truncate) goes on an
		// open write handle when there is one: no open, no lease break.
		if w := n.activeWriter(); w != nil {
			h = w
		}
	}
	var fi *smb.FileInfo
	var err error
	switch {
	case len(sets) == 0:
		// Nothing else to change on the server (chown without POSIX
		// extensions is not, and a chmod was sent above): the attributes
		// under a lease need no round trip.
		if a, ok := n.leasedAttr(); ok {
			if m, ok := in.GetMode(); ok && a.POSIX {
				a.Mode = a.Mode&^0o7777 | m&0o7777
			}
			fi = &a
			break
		}
		if h != nil {
			fi, err = h.f.Stat(ctx)
		} else {
			fi, err = n.tree().Stat(ctx, p)
		}
	case h != nil && h.write:
		// A small file's buffered data, its new times and the stat, in
		// one compound.
		fi, err = n.writeSetInfoStat(ctx, h, sets)
	default:
		if err = n.flushData(); err == nil {
			_, dir := n.parentDir()
			fi, err = n.tree().SetInfoStat(ctx, p, access, dir.childLease(n, n.IsDir()), sets...)
		}
	}
	if err != nil {
		return toErrno(err)
	}
	n.remember(fi)
	n.withDirtySize(fi)
	n.m.fillAttr(fi, &out.Attr)
	out.SetTimeout(n.m.attrTTL(n.IsDir()))
	return 0
}

// writeSetInfoStat applies sets on the handle after every buffered write:
// a small buffer rides in the same compound, a larger one is flushed first.
func (n *node) writeSetInfoStat(ctx context.Context, h *handle, sets []smb.SetInfo) (*smb.FileInfo, error) {
	if wb := n.wbIfAny(); wb != nil {
		if e, done, ok := wb.TakeSmall(min(n.m.wchunk, 1<<20)); ok {
			fi, err := h.f.WriteSetInfoStat(ctx, e.Off, e.Data, sets...)
			done(err)
			return fi, err
		}
		if err := wb.Flush(); err != nil {
			return nil, err
		}
	}
	return h.f.SetInfoStat(ctx, sets...)
}

// ownLease is the lease key a path-based open of the inode uses while the
// inode holds a lease, so that the open does not break it.
func (n *node) ownLease() *smb.LeaseKey {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.hasKey && n.lease != 0 && n.m.caching() {
		k := n.key
		return &k
	}
	return nil
}

// modeSetInfo is the SET_INFO of a POSIX mode: Samba takes it from an
// NFS-style ACE whose SID is S-1-5-88-3-MODE.
func modeSetInfo(mode uint32) smb.SetInfo {
	sid, err := fscc.ParseSIDString(fmt.Sprintf("S-1-5-88-3-%d", mode&0o7777))
	if err != nil {
		panic(err) // a well-formed SID by construction
	}
	sd := &fscc.SecurityDescriptor{DACL: &fscc.ACL{Revision: 2, ACEs: []fscc.ACE{{Type: 0, SID: *sid}}}}
	return smb.SetInfo{Type: wire.InfoSecurity, Additional: wire.DACLSecurityInformation, Buffer: sd.Append(nil)}
}

// chmod sets a mode. With POSIX extensions, Samba takes the mode from an
// NFS-style ACE whose SID is S-1-5-88-3-MODE; without them, the only
// permission SMB has is the DOS read-only attribute, set when no write bit
// remains (as mount.cifs does).
func (n *node) chmod(ctx context.Context, p string, mode uint32) error {
	if n.m.share.Conn.POSIX() {
		set := modeSetInfo(mode)
		if h := n.activeDAC(); h != nil {
			return h.f.SetInfo(ctx, set.Type, uint8(set.Class), set.Additional, set.Buffer)
		}
		return n.withOpen(ctx, wire.WriteDAC|wire.ReadControl, func(f *smb.File) error {
			return f.SetInfo(ctx, set.Type, uint8(set.Class), set.Additional, set.Buffer)
		})
	}
	var fi *smb.FileInfo
	if a, ok := n.leasedAttr(); ok {
		fi = &a
	} else {
		var err error
		if fi, err = n.tree().Stat(ctx, p); err != nil {
			return err
		}
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
	_, dir := n.parentDir()
	fi, err := n.tree().SetInfoStat(ctx, p, wire.FileWriteAttributes, dir.childLease(n, n.IsDir()), smb.SetInfo{Class: fscc.FileBasicInformationClass, Buffer: (&fscc.FileBasicInfo{FileAttributes: attrs}).Append(nil)})
	if err == nil {
		n.remember(fi)
	}
	return err
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ctx = uninterruptible(ctx)
	if n.m.cfg.ReadOnly {
		return nil, syscall.EROFS
	}
	if op := n.m.replaying(ctx, n, name, replayAdd); op != nil {
		return n.newChild(ctx, op.fi, out), 0
	}
	p := n.smbPath(name)
	n.m.noteOwn(p)
	if !n.m.dirCaching() {
		fi, err := n.tree().Mkdir(ctx, p, mode)
		if err != nil {
			return nil, toErrno(err)
		}
		return n.newChild(ctx, fi, out), 0
	}
	// Create the directory under a lease of its own and keep the handle:
	// it starts as an empty cached directory, so the lookups of what is
	// about to be created in it (tar, cp -r) need no round trip.
	child := &node{m: n.m}
	req := wire.CreateRequest{
		DesiredAccess:     wire.FileListDirectory | wire.FileReadAttributes | wire.Synchronize,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileCreate,
		CreateOptions:     wire.FileDirectoryFile,
		FileAttributes:    fscc.AttrDirectory,
		Contexts:          []wire.CreateContext{{Name: wire.CtxQueryOnDiskID}},
	}
	if n.m.share.Conn.POSIX() {
		req.Contexts = append(req.Contexts, wire.CreateContext{Name: wire.CtxPOSIXCreate, Data: wire.POSIXCreateRequest(mode & 0o7777)})
	}
	n.tree().RequestLease(&req, smb.Lease{Key: child.leaseKey(), State: leaseRH, Parent: n.dirKey()})
	opened := time.Now()
	f, err := n.tree().Create(ctx, p, req)
	if err != nil {
		return nil, toErrno(err)
	}
	fi := f.Info()
	if fi.FileID == 0 {
		if fi, err = f.Stat(ctx); err != nil {
			f.Close(context.Background())
			return nil, toErrno(err)
		}
	}
	n.cacheSet(name, fi)
	inode := n.newChildNode(ctx, child, fi, out)
	if inode.Operations().(*node) == child {
		child.installDirCache(f, nil, opened)
	} else {
		f.Close(context.Background())
	}
	return inode, 0
}

// Mknod makes regular files (mknod(2) with S_IFREG); SMB has no device,
// fifo or socket files (cifs.ko without sfu refuses them alike).
func (n *node) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if op := n.m.replaying(ctx, n, name, replayAdd); op != nil {
		return n.newChild(ctx, op.fi, out), 0
	}
	if typ := mode & syscall.S_IFMT; typ != syscall.S_IFREG {
		return n.mknodSpecial(ctx, name, typ, dev, out)
	}
	inode, fh, _, errno := n.Create(ctx, name, syscall.O_EXCL|syscall.O_WRONLY, mode, out)
	if errno != 0 {
		return nil, errno
	}
	if cn, ok := inode.Operations().(*node); ok && fh != nil {
		cn.Release(ctx, fh)
	}
	return inode, 0
}

// quiesce closes the handles kept for caching at and below a directory:
// idle file handles and directory caches.
func (n *node) quiesce() {
	n.m.unwatch(n)
	n.dropDirCache(false)
	n.closeIdleAll()
	for _, c := range n.Children() {
		if cn, ok := c.Operations().(*node); ok {
			cn.quiesce()
		}
	}
}

// forgetChild prepares for the removal or renaming of a child: its cached
// attributes go, and its idle handles are returned for the caller to close
// (in the same compound as the removal: a non-POSIX server keeps an open
// file's name delete pending).
func (n *node) forgetChild(name string, removed bool) (*node, []*handle) {
	n.invalidate(n.smbPath(name))
	c := n.GetChild(name)
	if c == nil {
		return nil, nil
	}
	cn, ok := c.Operations().(*node)
	if !ok {
		return nil, nil
	}
	if removed {
		cn.mu.Lock()
		cn.unlinked = true
		cn.mu.Unlock()
	}
	return cn, cn.takeIdle()
}

// removeChild removes a child, closing its idle handles in the same
// compound.
func (n *node) removeChild(ctx context.Context, name string, dir bool) error {
	cn, idle := n.forgetChild(name, true)
	files := make([]*smb.File, len(idle))
	for i, h := range idle {
		files[i] = h.f
	}
	if cn != nil && dir {
		n.m.unwatch(cn)
		cn.dropDirCache(false) // its handle would keep it from going
	}
	n.m.noteOwn(n.smbPath(name))
	err := n.tree().Remove(ctx, n.smbPath(name), dir, n.childLease(cn, dir), files...)
	if cn != nil && len(idle) > 0 {
		cn.closed(nil)
	}
	if err == nil {
		n.cacheDel(name)
	}
	if err != nil {
		n.m.log.Debug("remove", zap.String("path", n.smbPath(name)), zap.Error(err))
	}
	return err
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	ctx = uninterruptible(ctx)
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	if n.m.replaying(ctx, n, name, replayRemove) != nil {
		n.forgetChild(name, true)
		return 0 // the server has removed it already
	}
	return toErrno(n.removeChild(ctx, name, false))
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	ctx = uninterruptible(ctx)
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	if n.m.replaying(ctx, n, name, replayRemove) != nil {
		if cn, _ := n.forgetChild(name, true); cn != nil {
			n.m.unwatch(cn)
			cn.dropDirCache(false)
		}
		return 0
	}
	return toErrno(n.removeChild(ctx, name, true))
}

const (
	renameNoReplace = 0x1 // RENAME_NOREPLACE
	renameExchange  = 0x2 // RENAME_EXCHANGE
)

func (n *node) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	ctx = uninterruptible(ctx)
	if n.m.cfg.ReadOnly {
		return syscall.EROFS
	}
	if flags&renameExchange != 0 {
		return syscall.EINVAL // SMB has no atomic exchange
	}
	np := newParent.(*node)
	from, to := n.smbPath(name), np.smbPath(newName)
	n.m.noteOwn(from)
	n.m.noteOwn(to)
	for _, c := range []struct {
		dir     *node
		name    string
		removed bool
	}{{n, name, false}, {np, newName, true}} {
		if cn, idle := c.dir.forgetChild(c.name, c.removed); cn != nil {
			for _, h := range idle {
				cn.closeHandle(h)
			}
		}
	}
	replace := flags&renameNoReplace == 0
	var moving *node
	if c := n.GetChild(name); c != nil {
		moving, _ = c.Operations().(*node)
	}
	isDir := moving != nil && moving.IsDir()
	if isDir {
		// A directory with handles open at or below it cannot be
		// renamed (Windows semantics, which Samba keeps): close the ones
		// kept only for caching.
		moving.quiesce()
	}
	lease := n.childLease(moving, isDir)
	err := n.tree().Rename(ctx, from, to, replace, lease)
	if replace && errors.Is(err, wire.StatusAccessDenied) {
		// The target is open elsewhere: Windows semantics refuse to
		// replace it. Unlink it first (POSIX servers drop the name at once;
		// open handles keep the data), then rename, as cifs.ko does.
		if rerr := n.tree().Remove(ctx, to, false, np.childLease(nil, false)); rerr == nil {
			err = n.tree().Rename(ctx, from, to, false, lease)
		}
	}
	if err == nil {
		n.cacheDel(name)
		np.cacheSet(newName, nil)
	}
	return toErrno(err)
}

func (n *node) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ctx = uninterruptible(ctx)
	if n.m.cfg.ReadOnly {
		return nil, syscall.EROFS
	}
	src := target.(*node).smbPath("")
	dst := n.smbPath(name)
	n.m.noteOwn(dst)
	info := (&fscc.FileRenameInformation{FileName: n.tree().WirePath(dst)}).Append(nil) // FileLinkInformation has the same layout
	tn := target.(*node)
	_, srcDir := tn.parentDir()
	if _, err := n.tree().SetInfoStat(ctx, src, 0, srcDir.childLease(tn, false), smb.SetInfo{Class: fscc.FileLinkInformationClass, Buffer: info}); err != nil {
		return nil, toErrno(err)
	}
	tn.childChanged() // its link count
	n.cacheSet(name, nil)
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

// fileType is the S_IFMT bits of what fi describes: a directory, a
// symbolic link (a reparse point with the symlink tag), or a file.
func fileType(fi *smb.FileInfo) uint32 {
	switch {
	case fi.IsDir():
		return syscall.S_IFDIR
	case fi.IsSymlink():
		return syscall.S_IFLNK
	case fi.POSIX && fi.IsReparse():
		// The POSIX extensions carry the type in the mode's top bits.
		switch (fi.Mode >> 12) & 0xF {
		case 3:
			return syscall.S_IFCHR
		case 4:
			return syscall.S_IFBLK
		case 5:
			return syscall.S_IFIFO
		case 6:
			return syscall.S_IFSOCK
		}
	}
	return syscall.S_IFREG
}

var _ gofs.NodeReadlinker = (*node)(nil)

// Readlink returns a symbolic link's target, read from its reparse point.
func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	target, err := n.tree().Readlink(ctx, n.smbPath(""))
	if err != nil {
		return nil, toErrno(err)
	}
	return []byte(target), 0
}

var _ gofs.NodeSymlinker = (*node)(nil)

// Symlink makes a symbolic link as a reparse point with the symlink tag, on
// a server with the POSIX extensions. Samba keeps it as that: every SMB
// client sees a symbolic link, a program on the server an empty file with
// the link in an xattr, as with cifs.ko's links.
func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return n.createReparse(ctx, name, out, func(ctx context.Context, p string, l *smb.Lease) (*smb.FileInfo, error) {
		return n.tree().Symlink(ctx, p, target, l)
	})
}

// createReparse makes name with create (a new file that a reparse point
// turns into a symlink or a special file), on a POSIX server only: without
// the extensions mfsymlinks, sfu and the WSL format would be needed, which
// are not done yet.
func (n *node) createReparse(ctx context.Context, name string, out *fuse.EntryOut,
	create func(context.Context, string, *smb.Lease) (*smb.FileInfo, error)) (*gofs.Inode, syscall.Errno) {
	ctx = uninterruptible(ctx)
	if n.m.cfg.ReadOnly {
		return nil, syscall.EROFS
	}
	if !n.m.share.Conn.POSIX() {
		return nil, syscall.EPERM
	}
	p := n.smbPath(name)
	n.m.noteOwn(p)
	fi, err := create(ctx, p, n.childLease(nil, false))
	if err != nil {
		return nil, toErrno(err)
	}
	n.cacheSet(name, fi)
	return n.newChild(ctx, fi, out), 0
}

// mknodSpecial makes a FIFO, socket or device as an NFS reparse point, on
// a server with the POSIX extensions. Samba keeps it as an empty file with
// the reparse data in an xattr: SMB clients see the special file, a
// program on the server an empty file (as with cifs.ko's reparse=nfs).
func (n *node) mknodSpecial(ctx context.Context, name string, typ, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	sp := fscc.NFSSpecial{Major: unix.Major(uint64(dev)), Minor: unix.Minor(uint64(dev))}
	switch typ {
	case syscall.S_IFIFO:
		sp.Type = fscc.NFSFIFO
	case syscall.S_IFSOCK:
		sp.Type = fscc.NFSSocket
	case syscall.S_IFCHR:
		sp.Type = fscc.NFSChar
	case syscall.S_IFBLK:
		sp.Type = fscc.NFSBlock
	default:
		return nil, syscall.EINVAL // the kernel sends no other type
	}
	return n.createReparse(ctx, name, out, func(ctx context.Context, p string, l *smb.Lease) (*smb.FileInfo, error) {
		return n.tree().Mknod(ctx, p, sp, l)
	})
}

// device returns a device file's number, read from the server once.
func (n *node) device(ctx context.Context, p string) uint32 {
	n.mu.Lock()
	rdev, known := n.rdev, n.rdevKnown
	n.mu.Unlock()
	if known {
		return rdev
	}
	major, minor, err := n.tree().Device(ctx, p)
	if err != nil {
		return 0
	}
	rdev = uint32(unix.Mkdev(major, minor))
	n.mu.Lock()
	n.rdev, n.rdevKnown = rdev, true
	n.mu.Unlock()
	return rdev
}
