package fs

import (
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"go.uber.org/zap"

	"github.com/gosmb/gosmb/cache"
	"github.com/gosmb/gosmb/smb"
)

// Config is what a mount needs beyond the share; see the package doc for
// the cifs option behind each field.
type Config struct {
	UID, GID           uint32
	UIDSet, GIDSet     bool
	ForceUID, ForceGID bool
	FileMode, DirMode  uint32
	NoPerm             bool
	ReadOnly           bool
	Cache              string
	AttrTimeout        time.Duration // files (acregmax=, actimeo=); 0: 1 s unless TimeoutsSet
	DirAttrTimeout     time.Duration // directories (acdirmax=); 0: AttrTimeout unless TimeoutsSet
	TimeoutsSet        bool          // the timeouts are as given, 0 (no caching) included
	Rsize, Wsize       int
	CacheSize          int64         // bytes of buffered writes per mount (cache_size=); 0: 128 MiB
	CloseTimeo         time.Duration // deferred close (closetimeo=); 0: close at once
	DirCacheTimeout    time.Duration // directory caching under leases (dir_cache_timeout=); 0: off
	MaxCachedDirs      int           // max_cached_dirs=; 0: DefaultMaxCachedDirs
	Notify             bool          // watch listed directories with CHANGE_NOTIFY (notify)
	AllowOther         bool
	FsName             string // "//host/share", shown in /proc/mounts
	SubPath            string // directory of the share to mount as the root
	Debug              bool
	Logger             *zap.Logger
}

// Mount is a live FUSE mount of a share.
type Mount struct {
	share  *smb.Share
	cfg    Config
	log    *zap.Logger
	server *fuse.Server
	dir    string

	attrs attrCache

	rootNode   *node
	budget     *cache.Budget
	wchunk     int // bytes per write-back WRITE
	rchunk     int // bytes per readahead READ
	closeTimeo time.Duration
	stats      counters
	unclaimed  unclaimedBreaks

	dirTimeout    time.Duration
	maxCachedDirs int
	cachedDirs    map[*node]struct{} // directories holding a lease and a cache
	watches       watches            // notify=

	mu     sync.Mutex
	leases map[smb.LeaseKey]*node // inodes holding a lease, by key
	// ttl is the attribute and entry timeout, in ns: every reply to the
	// kernel carries it (go-fuse applies no default over a set timeout),
	// so a remount changes it for the next reply, with no shared state.
	ttl    atomic.Int64
	dirTTL atomic.Int64 // the same for directories (acdirmax=)
}

// SetAttrTimeout changes how long attributes and entries are cached
// (actimeo= on remount). It applies to replies from now on.
func (m *Mount) SetAttrTimeout(d time.Duration) {
	if m.cfg.Cache == "none" {
		d = 0
	}
	m.ttl.Store(int64(d))
}

// SetDirAttrTimeout is SetAttrTimeout for directories (acdirmax=).
func (m *Mount) SetDirAttrTimeout(d time.Duration) {
	if m.cfg.Cache == "none" {
		d = 0
	}
	m.dirTTL.Store(int64(d))
}

// AttrTimeout returns the current attribute timeout of files.
func (m *Mount) AttrTimeout() time.Duration { return time.Duration(m.ttl.Load()) }

// attrTTL is the attribute and entry timeout of a file or directory.
func (m *Mount) attrTTL(isDir bool) time.Duration {
	if isDir {
		return time.Duration(m.dirTTL.Load())
	}
	return time.Duration(m.ttl.Load())
}

// MountShare mounts share at mountpoint and returns once the kernel mount is live.
func MountShare(mountpoint string, share *smb.Share, cfg Config) (*Mount, error) {
	if cfg.FileMode == 0 {
		cfg.FileMode = 0o755
	}
	if cfg.DirMode == 0 {
		cfg.DirMode = 0o755
	}
	if !cfg.UIDSet {
		cfg.UID = uint32(os.Getuid())
	}
	if !cfg.GIDSet {
		cfg.GID = uint32(os.Getgid())
	}
	if cfg.Cache == "" {
		cfg.Cache = "strict"
	}
	if !cfg.TimeoutsSet && cfg.Cache != "none" {
		if cfg.AttrTimeout == 0 {
			cfg.AttrTimeout = time.Second
		}
		if cfg.DirAttrTimeout == 0 {
			cfg.DirAttrTimeout = cfg.AttrTimeout
		}
	}
	if cfg.Cache == "none" {
		cfg.AttrTimeout, cfg.DirAttrTimeout = 0, 0
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	m := &Mount{share: share, cfg: cfg, log: log, dir: mountpoint, leases: make(map[smb.LeaseKey]*node)}
	m.budget = cache.NewBudget(cfg.CacheSize)
	m.wchunk = writeChunk(cfg.Wsize, share.Conn.MaxWrite())
	m.rchunk = min(writeChunk(cfg.Rsize, share.Conn.MaxRead()), 2<<20)
	if cfg.Cache != "none" {
		m.closeTimeo = cfg.CloseTimeo
		m.dirTimeout = cfg.DirCacheTimeout
	}
	m.maxCachedDirs = cfg.MaxCachedDirs
	if m.maxCachedDirs <= 0 {
		m.maxCachedDirs = DefaultMaxCachedDirs
	}
	m.cachedDirs = make(map[*node]struct{})
	share.Conn.OnBreak(m.onBreak)
	root := &node{m: m}
	m.rootNode = root
	m.ttl.Store(int64(cfg.AttrTimeout))
	m.dirTTL.Store(int64(cfg.DirAttrTimeout))
	neg := time.Duration(0)
	opts := &gofs.Options{
		NegativeTimeout: &neg,
		MountOptions: fuse.MountOptions{
			FsName:       cfg.FsName,
			Name:         "gosmb",
			AllowOther:   cfg.AllowOther,
			MaxWrite:     1 << 20,
			MaxReadAhead: 1 << 20,
			EnableLocks:  true,
			// Replies come from memory, never from a file: splicing them
			// through a pipe only adds copies.
			DisableSplice: true,
			Debug:         cfg.Debug,
		},
		UID: cfg.UID,
		GID: cfg.GID,
	}
	if cfg.ReadOnly {
		opts.MountOptions.Options = append(opts.MountOptions.Options, "ro")
	}
	var raw fuse.RawFileSystem = gofs.NewNodeFS(root, opts)
	var noOpen *noOpendir
	if m.dirCaching() {
		// Directories are opened by the kernel alone, and their listings
		// kept there; see noOpendir.
		noOpen = newNoOpendir(raw)
		raw = noOpen
		opts.MountOptions.ExtraCapabilities |= fuse.CAP_NO_OPENDIR_SUPPORT
	}
	srv, err := fuse.NewServer(raw, mountpoint, &opts.MountOptions)
	if err == nil {
		if noOpen != nil {
			noOpen.srv = srv
		}
		go srv.Serve()
		err = srv.WaitMount()
	}
	if err != nil {
		return nil, fmt.Errorf("mounting %s on %s: %w", cfg.FsName, mountpoint, err)
	}
	m.server = srv
	m.watch(root)
	return m, nil
}

// DefaultMaxCachedDirs bounds the directories cached under leases (and
// watched with notify), each an open handle on the server. cifs.ko keeps
// 16; a tree walked again and again wants one per directory, as a cyclic
// walk of more directories than the bound evicts each before its next
// use: git status of Go's source tree (1,324 directories) measured 4.2 s
// warm with 16, 1.87 s with 1024 and 0.17 s with 4096.
const DefaultMaxCachedDirs = 4096

// DefaultCacheSize bounds buffered writes when cache_size= is not given.
const DefaultCacheSize = 128 << 20

// writeChunk is the size of one write-back WRITE: wsize, else the server's
// maximum, capped at 4 MiB (large enough to stream, small enough that
// several are in flight within the credit window).
func writeChunk(wsize, serverMax int) int {
	c := 4 << 20
	if wsize > 0 {
		c = wsize
	}
	if serverMax > 0 && c > serverMax {
		c = serverMax
	}
	return c
}

// Wait blocks until the file system is unmounted, then closes the handles
// kept for reuse.
func (m *Mount) Wait() {
	m.server.Wait()
	m.unwatchAll()
	m.closeAllIdle()
	m.dropAllDirCaches()
}

// Unmount unmounts; open handles are closed by the kernel's releases.
func (m *Mount) Unmount() error { return m.server.Unmount() }

// smbPath joins the mount's subpath and a path relative to the root.
func (m *Mount) smbPath(rel string) string {
	return path.Join(m.cfg.SubPath, rel)
}

// attrCache keeps the attributes a listing returned for AttrTimeout, so the
// LOOKUPs that follow a READDIRPLUS need no round trip. Entries are kept
// by directory: forgetting a path (every create, open and unlink does)
// must not walk every entry of every listing.
type attrCache struct {
	mu   sync.Mutex
	dirs map[string]map[string]cachedAttr // directory → name → attributes
	n    int
}

type cachedAttr struct {
	fi      smb.FileInfo
	expires time.Time
}

func (c *attrCache) put(p string, fi smb.FileInfo, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	dir, name := path.Split(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n > 100000 || c.dirs == nil {
		c.dirs, c.n = make(map[string]map[string]cachedAttr), 0
	}
	d := c.dirs[dir]
	if d == nil {
		d = make(map[string]cachedAttr)
		c.dirs[dir] = d
	}
	d[name] = cachedAttr{fi, time.Now().Add(ttl)}
	c.n++
}

// get returns p's attributes and how long they stay good.
func (c *attrCache) get(p string) (smb.FileInfo, time.Duration, bool) {
	dir, name := path.Split(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.dirs[dir][name]
	if !ok {
		return smb.FileInfo{}, 0, false
	}
	left := time.Until(e.expires)
	if left <= 0 {
		delete(c.dirs[dir], name)
		return smb.FileInfo{}, 0, false
	}
	return e.fi, left, true
}

// forget drops p, and everything under it, after a change.
func (c *attrCache) forget(p string) {
	dir, name := path.Split(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if p == "" || p == "." || p == "/" { // the root: everything is below it
		c.dirs, c.n = nil, 0
		return
	}
	delete(c.dirs[dir], name)
	prefix := p + "/"
	for k := range c.dirs {
		if k == prefix || strings.HasPrefix(k, prefix) {
			delete(c.dirs, k)
		}
	}
}

// fillAttr maps SMB attributes to a stat, as mount.cifs does.
func (m *Mount) fillAttr(fi *smb.FileInfo, out *fuse.Attr) {
	out.Ino = fi.FileID
	out.Size = uint64(fi.Size)
	out.Blocks = uint64(fi.AllocSize+511) / 512
	out.Blksize = 4096
	setTime := func(t time.Time, sec *uint64, nsec *uint32) {
		if t.IsZero() {
			return
		}
		*sec = uint64(t.Unix())
		*nsec = uint32(t.Nanosecond())
	}
	setTime(fi.Atime, &out.Atime, &out.Atimensec)
	setTime(fi.Mtime, &out.Mtime, &out.Mtimensec)
	setTime(fi.Ctime, &out.Ctime, &out.Ctimensec)
	out.Nlink = fi.Nlink
	if out.Nlink == 0 {
		out.Nlink = 1
	}
	typ := fileType(fi)
	if typ == syscall.S_IFLNK {
		out.Mode = typ | 0o777 // as Linux shows every symbolic link
		out.Uid, out.Gid = m.cfg.UID, m.cfg.GID
		if fi.POSIX {
			out.Uid, out.Gid = fi.UID, fi.GID
		}
	} else if fi.POSIX {
		out.Mode = typ | fi.Mode&0o7777
		out.Uid, out.Gid = fi.UID, fi.GID
	} else {
		perm := m.cfg.FileMode
		if fi.IsDir() {
			perm = m.cfg.DirMode
		} else if fi.Attributes&0x1 != 0 { // FILE_ATTRIBUTE_READONLY
			perm &^= 0o222
		}
		out.Mode = typ | perm
		out.Uid, out.Gid = m.cfg.UID, m.cfg.GID
	}
	if m.cfg.ForceUID || !fi.POSIX {
		if m.cfg.ForceUID {
			out.Uid = m.cfg.UID
		}
	}
	if m.cfg.ForceGID {
		out.Gid = m.cfg.GID
	}
}

// drop forgets p only (after a write: its children are unaffected).
func (c *attrCache) drop(p string) {
	dir, name := path.Split(p)
	c.mu.Lock()
	delete(c.dirs[dir], name)
	c.mu.Unlock()
}

// counters are the mount's statistics.
type counters struct {
	opens, reusedOpens, breaks, readBytes, writeBytes atomic.Uint64
	lookups, cachedLookups, listings                  atomic.Uint64
}

// Stats is a snapshot of a mount's counters.
type Stats struct {
	Opens         uint64 // SMB opens sent for FUSE opens and creates
	ReusedOpens   uint64 // FUSE opens served by a handle kept after close
	Breaks        uint64 // lease and oplock breaks received
	ReadBytes     uint64
	WriteBytes    uint64
	DirtyBytes    int64 // buffered writes not yet on the server
	DirtyPeak     int64
	Lookups       uint64 // names the kernel asked the daemon for
	CachedLookups uint64 // of those, answered without a request
	Listings      uint64 // directory listings the kernel asked the daemon for
}

// Stats returns the mount's counters.
func (m *Mount) Stats() Stats {
	return Stats{
		Opens: m.stats.opens.Load(), ReusedOpens: m.stats.reusedOpens.Load(), Breaks: m.stats.breaks.Load(),
		ReadBytes: m.stats.readBytes.Load(), WriteBytes: m.stats.writeBytes.Load(),
		DirtyBytes: m.budget.Used(), DirtyPeak: m.budget.Peak(),
		Lookups: m.stats.lookups.Load(), CachedLookups: m.stats.cachedLookups.Load(), Listings: m.stats.listings.Load(),
	}
}
