package fs

import (
	"context"
	"sort"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"go.uber.org/zap"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/wire"
)

// dirCache is what a directory knows of its children while it holds a
// directory lease (RH): every name, and the attributes of most. Another
// client's change breaks the lease (Samba 4.22 breaks it for creates,
// deletes and renames in the directory and for writes and attribute
// changes of its children); our own changes carry the directory's lease
// key as their parent key, so they do not break it, and update the cache
// here. While it lasts, lookups (negative ones too), listings and stats
// in the directory need no round trip, and the kernel caches the entries
// for dir_cache_timeout.
type dirCache struct {
	f       *smb.File                // the open that holds the lease
	entries map[string]*smb.FileInfo // nil: the name exists, attributes unknown
	used    time.Time
	timer   *time.Timer
}

const leaseRH = wire.LeaseRead | wire.LeaseHandle

func (m *Mount) dirCaching() bool {
	return m.caching() && m.dirTimeout > 0 && m.share.Conn.DirectoryLeasing()
}

// parentDir returns the node's name and directory.
func (n *node) parentDir() (string, *node) {
	name, p := n.Parent()
	if p == nil {
		return "", nil
	}
	pn, _ := p.Operations().(*node)
	return name, pn
}

// dirKey returns the directory's lease key while it holds a directory
// lease: the parent key of its children's opens.
func (n *node) dirKey() *smb.LeaseKey {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dc == nil {
		return nil
	}
	k := n.key
	return &k
}

// childLease is the lease a path-based open of a child asks for: the
// child's own lease key (so its own lease is not broken) and this
// directory's (so the directory's is not). nil when neither is held.
func (n *node) childLease(child *node, isDir bool) *smb.Lease {
	parent := n.dirKey() // nil-safe: the root has no directory
	var own *smb.LeaseKey
	if child != nil {
		own = child.ownLease()
	}
	if parent == nil && own == nil {
		return nil
	}
	l := &smb.Lease{Parent: parent, State: leaseRWH}
	if isDir {
		l.State = leaseRH
	}
	switch {
	case own != nil:
		l.Key = *own
	case child != nil:
		l.Key = child.leaseKey()
	default:
		l.Key = smb.NewLeaseKey()
	}
	return l
}

// cached looks a name up in the directory cache: known reports an answer
// (exists false: no such name), fi is nil when the name exists but its
// attributes must be asked for.
func (n *node) cached(name string) (fi *smb.FileInfo, known, exists bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dc == nil {
		return nil, false, false
	}
	n.dc.used = time.Now()
	e, ok := n.dc.entries[name]
	if !ok {
		return nil, true, false
	}
	if e == nil {
		return nil, false, true
	}
	c := *e
	return &c, true, true
}

// cachedAttr is cached for a child's attributes (nil-safe).
func (n *node) cachedAttr(name string) (*smb.FileInfo, bool, bool) {
	if n == nil || name == "" {
		return nil, false, false
	}
	return n.cached(name)
}

// cacheSet records a child (fi nil: attributes unknown); cacheDel forgets one.
func (n *node) cacheSet(name string, fi *smb.FileInfo) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dc != nil {
		if fi != nil {
			c := *fi
			fi = &c
		}
		n.dc.entries[name] = fi
	}
}

func (n *node) cacheDel(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dc != nil {
		delete(n.dc.entries, name)
	}
}

// childChanged marks a child's cached attributes stale (our own write or
// setattr changed them).
func (n *node) childChanged() {
	n.mu.Lock()
	n.ownMod = time.Now()
	n.mu.Unlock()
	n.m.noteOwn(n.smbPath(""))
	if name, p := n.parentDir(); p != nil {
		p.mu.Lock()
		if p.dc != nil {
			if _, ok := p.dc.entries[name]; ok {
				p.dc.entries[name] = nil
			}
		}
		p.mu.Unlock()
	}
}

// ttlIn is how long the kernel may keep the entry and the attributes of
// child (nil if not yet known), a child of dir: the directory cache timeout
// under dir's lease, whose break invalidates them, acregmax or acdirmax
// otherwise. A subdirectory's attributes (its mtime, which tells the
// kernel whether the listing it keeps still holds) change with its own
// contents, which dir's lease does not cover: they get the long timeout
// only while the subdirectory holds a lease of its own, and are
// invalidated when it lets that lease go (dirCacheTick). A subdirectory's
// entry is not invalidated when dir's cache is evicted (see
// notifyEntries), so after an eviction another client's rename of it may
// go unseen for up to dir_cache_timeout.
func (m *Mount) ttlIn(dir, child *node, isDir bool) (entry, attr time.Duration) {
	if dir == nil || !dir.holdsDirCache() {
		t := m.attrTTL(isDir)
		return t, t
	}
	if isDir && (child == nil || !child.holdsDirCache()) {
		return m.dirTimeout, m.attrTTL(true)
	}
	return m.dirTimeout, m.dirTimeout
}

func (n *node) holdsDirCache() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dc != nil
}

// listForLookups decides that a directory looked up name by name is
// better listed and cached: once the lookups would have cost as many
// round trips as the listing does (one QUERY_DIRECTORY returns some 600
// entries), and at the third at least. Stat of every file in a directory
// never listed (find -name, make) then costs a listing, not a round trip
// per file.
func (n *node) listForLookups() bool {
	if !n.m.dirCaching() {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dc != nil || n.listing {
		return false
	}
	n.misses++
	if n.misses < max(3, n.listSize/600) {
		return false
	}
	n.misses = 0
	n.listing = true
	return true
}

// openDirCache opens the directory under an RH lease and lists it; if the
// lease is granted the listing becomes its cache. It returns the listing.
func (n *node) openDirCache(ctx context.Context) ([]smb.FileInfo, error) {
	req := wire.CreateRequest{
		DesiredAccess:     wire.FileListDirectory | wire.FileReadAttributes | wire.Synchronize,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileDirectoryFile,
	}
	_, parent := n.parentDir()
	n.tree().RequestLease(&req, smb.Lease{Key: n.leaseKey(), State: leaseRH, Parent: parent.dirKey()})
	opened := time.Now()
	f, err := n.tree().Create(ctx, n.smbPath(""), req)
	if err != nil {
		return nil, err
	}
	ents, err := f.ReadDirAll(ctx)
	if err != nil {
		f.Close(context.Background())
		return nil, err
	}
	n.mu.Lock()
	n.listSize, n.misses = len(ents), 0
	if n.dc != nil {
		// Relisted for attributes our own changes made stale: the
		// fresh listing replaces the entries; the lease stays with the
		// cache's handle.
		n.dc.entries = make(map[string]*smb.FileInfo, len(ents))
		for i := range ents {
			n.dc.entries[ents[i].Name] = &ents[i]
		}
		n.mu.Unlock()
		f.Close(context.Background())
		return ents, nil
	}
	n.mu.Unlock()
	n.installDirCache(f, ents, opened)
	return ents, nil
}

// installDirCache keeps f as the directory's cache if it holds an RH
// lease, and closes it otherwise. A break of that lease that arrived since
// opened, before the cache was there to be invalidated, means the listing
// may already be stale: the cache is dropped again.
func (n *node) installDirCache(f *smb.File, ents []smb.FileInfo, opened time.Time) {
	if granted, _ := f.Granted(); granted&leaseRH != leaseRH {
		f.Close(context.Background())
		return
	}
	dc := &dirCache{f: f, entries: make(map[string]*smb.FileInfo, len(ents)), used: time.Now()}
	for i := range ents {
		dc.entries[ents[i].Name] = &ents[i]
	}
	n.mu.Lock()
	if n.dc != nil { // a concurrent listing won
		n.mu.Unlock()
		f.Close(context.Background())
		return
	}
	n.dc = dc
	n.lease = leaseRH
	n.mu.Unlock()
	n.m.trackLease(n)
	n.m.dirCacheAdded(n)
	dc.timer = time.AfterFunc(n.m.dirTimeout+time.Second, n.dirCacheTick)
	// Breaks from now on find the cache (trackLease); one that came
	// before was recorded as unclaimed.
	if n.m.brokenSince(n.leaseKey(), opened) {
		n.dropDirCache(true)
	}
}

// dirCacheTick ends an unused directory cache. Entries given to the kernel
// expire with it: each use pushes both forward.
func (n *node) dirCacheTick() {
	n.mu.Lock()
	dc := n.dc
	if dc == nil {
		n.mu.Unlock()
		return
	}
	if idle := time.Since(dc.used); idle < n.m.dirTimeout+time.Second {
		dc.timer.Reset(n.m.dirTimeout + time.Second - idle)
		n.mu.Unlock()
		return
	}
	n.mu.Unlock()
	n.dropDirCache(false)
	n.NotifyContent(-1, 0) // its attributes had the lease's timeout (ttlIn)
}

// dropDirCache ends the directory's cache and closes its handle. With
// notify, the kernel first forgets every entry and child attribute it
// was given under the lease.
func (n *node) dropDirCache(notify bool) {
	n.mu.Lock()
	dc := n.dc
	n.dc = nil
	n.lease = 0
	n.mu.Unlock()
	if dc == nil {
		return
	}
	if dc.timer != nil {
		dc.timer.Stop()
	}
	if notify {
		n.notifyEntries(dc, false)
	}
	n.m.untrackLease(n)
	n.m.dirCacheRemoved(n)
	dc.f.Close(context.Background())
}

// notifyEntries tells the kernel to forget the entries and the children's
// attributes it holds from the cache. Subdirectories keep their entries
// (see ttlIn) unless another client may have changed them (dirsToo): the
// kernel drops a directory entry that is some process's working
// directory from under it.
func (n *node) notifyEntries(dc *dirCache, dirsToo bool) {
	n.m.attrs.forget(n.smbPath("")) // and the listing's attributes
	n.NotifyContent(0, 0)           // its listing, if the kernel keeps one
	for name, e := range dc.entries {
		if !dirsToo && e != nil && e.IsDir() {
			continue
		}
		n.NotifyEntry(name)
	}
	for _, c := range n.Children() {
		c.NotifyContent(-1, 0) // attributes only
	}
}

// onDirBreak handles the break of a directory lease: the kernel forgets
// what the cache told it, then the break is acknowledged and the handle
// closed. A kernel invalidation can wait on a directory lock held by an
// operation of ours that waits on this very break; it gets a moment, then
// the acknowledgment goes anyway and the invalidation finishes after.
func (m *Mount) onDirBreak(n *node, b smb.Break) {
	n.mu.Lock()
	dc := n.dc
	n.dc = nil
	n.lease = 0
	n.mu.Unlock()
	if dc != nil {
		dc.timer.Stop()
		done := make(chan struct{})
		go func() { n.notifyEntries(dc, true); close(done) }()
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if b.AckRequired {
		if err := m.share.Tree.AckLeaseBreak(ctx, b.Key, b.NewState); err != nil {
			m.log.Debug("directory lease break acknowledgment", zap.String("path", n.rel()), zap.Error(err))
		}
	}
	if dc != nil {
		m.untrackLease(n)
		m.dirCacheRemoved(n)
		dc.f.Close(context.Background())
	}
}

// dirCacheAdded counts a cached directory and evicts the least recently
// used beyond max_cached_dirs.
func (m *Mount) dirCacheAdded(n *node) {
	m.mu.Lock()
	m.cachedDirs[n] = struct{}{}
	var victim *node
	if len(m.cachedDirs) > m.maxCachedDirs {
		var oldest time.Time
		for d := range m.cachedDirs {
			if d == n {
				continue
			}
			d.mu.Lock()
			if d.dc != nil && (victim == nil || d.dc.used.Before(oldest)) {
				victim, oldest = d, d.dc.used
			}
			d.mu.Unlock()
		}
	}
	m.mu.Unlock()
	if victim != nil {
		go victim.dropDirCache(true)
	}
}

func (m *Mount) dirCacheRemoved(n *node) {
	m.mu.Lock()
	delete(m.cachedDirs, n)
	m.mu.Unlock()
}

// dropAllDirCaches ends every directory cache (unmount).
func (m *Mount) dropAllDirCaches() {
	m.mu.Lock()
	ds := make([]*node, 0, len(m.cachedDirs))
	for d := range m.cachedDirs {
		ds = append(ds, d)
	}
	m.mu.Unlock()
	for _, d := range ds {
		d.dropDirCache(false)
	}
}

// readdirCached serves a listing from the cache.
func (n *node) readdirCached() (gofs.DirStream, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dc == nil {
		return nil, false
	}
	for _, e := range n.dc.entries {
		if e == nil {
			return nil, false // a changed child: list again for its attributes
		}
	}
	n.dc.used = time.Now()
	names := make([]string, 0, len(n.dc.entries))
	for name := range n.dc.entries {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]fuse.DirEntry, 0, len(names)+2)
	out = append(out, fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR}, fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR})
	for _, name := range names {
		e := n.dc.entries[name]
		out = append(out, fuse.DirEntry{Name: name, Mode: fileType(e), Ino: e.FileID})
	}
	return gofs.NewListDirStream(out), true
}

// dirHandle is an open directory. Under a directory lease the kernel may
// keep the listing it read (FOPEN_CACHE_DIR): a break, or a change of its
// own to the directory, makes it drop that copy.
type dirHandle struct {
	n  *node
	ds gofs.DirStream
}

var (
	_ gofs.NodeOpendirHandler = (*node)(nil)
	_ gofs.FileReaddirenter   = (*dirHandle)(nil)
	_ gofs.FileSeekdirer      = (*dirHandle)(nil)
	_ gofs.FileReleasedirer   = (*dirHandle)(nil)
)

func (n *node) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	var fl uint32
	n.mu.Lock()
	if n.dc != nil {
		fl = fuse.FOPEN_CACHE_DIR | fuse.FOPEN_KEEP_CACHE
	}
	n.mu.Unlock()
	return &dirHandle{n: n}, fl, 0
}

func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if d.ds == nil {
		ds, errno := d.n.Readdir(ctx)
		if errno != 0 {
			return nil, errno
		}
		d.ds = ds
	}
	if !d.ds.HasNext() {
		return nil, 0
	}
	e, errno := d.ds.Next()
	return &e, errno
}

// Seekdir to 0 (rewinddir) lists the directory again.
func (d *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if off == 0 {
		if d.ds != nil {
			d.ds.Close()
		}
		d.ds = nil
		return 0
	}
	if d.ds == nil {
		ds, errno := d.n.Readdir(ctx)
		if errno != 0 {
			return errno
		}
		d.ds = ds
	}
	if sd, ok := d.ds.(gofs.FileSeekdirer); ok {
		return sd.Seekdir(ctx, off)
	}
	return syscall.ENOTSUP
}

func (d *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	if d.ds != nil {
		d.ds.Close()
	}
}
