package fs

// Change notification (notify=). Directories the kernel lists are watched
// with SMB2 CHANGE_NOTIFY; what another client changes there reaches the
// kernel twice: as invalidations (so the next lookup asks the server) and
// as inotify events. The kernel raises inotify events only for operations
// that pass through its VFS, and a FUSE invalidation is not one; so the
// daemon replays each remote change on its own mount (mknod or mkdir for a
// new name, unlink or rmdir for a removed one, a truncate to the current
// size for a rewrite) and answers those requests from what the server
// already did, sending nothing. Watchers then see IN_CREATE, IN_DELETE and
// IN_MODIFY as they would for a local change.

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
)

const notifyFilter = wire.FileNotifyChangeFileName | wire.FileNotifyChangeDirName |
	wire.FileNotifyChangeSize | wire.FileNotifyChangeLastWrite

// notifyBuffer is the output buffer of one CHANGE_NOTIFY: one credit.
const notifyBuffer = 64 << 10

// ownWindow is how long after our own change of a path a notification
// about it is taken for the server's echo of that change.
const ownWindow = 2 * time.Second

type replayKind int

const (
	replayAdd replayKind = iota + 1
	replayRemove
	replayModify
)

// replayOp is the change being replayed through the mount.
type replayOp struct {
	dir  *node
	name string
	kind replayKind
	fi   *smb.FileInfo // the server's answer for added and modified names
	tid  int           // the thread doing it: FUSE names the calling thread
}

type watches struct {
	mu     sync.Mutex
	dirs   map[uint64]*watch    // by the directory's inode number
	own    map[string]time.Time // paths we changed, and when: their echoes
	replay *replayOp            // under mu
	one    sync.Mutex
	closed bool
}

type watch struct {
	cancel context.CancelFunc
	used   time.Time
	// n is the directory's inode as the kernel last listed it: the kernel
	// may forget an inode and look the directory up again as a new one.
	n    *node
	f    *smb.File // under watches.mu, once open
	once sync.Once
}

// stop ends a watch and closes its handle before returning, so that the
// directory can be removed or renamed right after.
func (x *watch) stop(w *watches) {
	x.cancel()
	w.mu.Lock()
	f := x.f
	w.mu.Unlock()
	if f != nil {
		x.once.Do(func() { f.Close(context.Background()) })
	}
}

// watch starts watching a directory the kernel lists (notify= only). The
// least recently listed beyond max_cached_dirs stop: each is an open
// handle and an outstanding request on the server.
func (m *Mount) watch(n *node) {
	if !m.cfg.Notify {
		return
	}
	w := &m.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if w.dirs == nil {
		w.dirs = make(map[uint64]*watch)
	}
	key := n.StableAttr().Ino
	if cur := w.dirs[key]; cur != nil {
		cur.used, cur.n = time.Now(), n
		return
	}
	if len(w.dirs) >= m.maxCachedDirs {
		var victim uint64
		var oldest *watch
		for k, x := range w.dirs {
			if x.n != m.rootNode && (oldest == nil || x.used.Before(oldest.used)) {
				victim, oldest = k, x
			}
		}
		if oldest != nil {
			go oldest.stop(w)
			delete(w.dirs, victim)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	x := &watch{cancel: cancel, used: time.Now(), n: n}
	w.dirs[key] = x
	go m.runWatch(ctx, key, x)
}

// node returns the watched directory's current inode.
func (x *watch) node(w *watches) *node {
	w.mu.Lock()
	defer w.mu.Unlock()
	return x.n
}

// unwatch stops the watches at and below a directory: their handles
// would keep it from being renamed or removed.
func (m *Mount) unwatch(n *node) {
	if !m.cfg.Notify {
		return
	}
	w := &m.watches
	w.mu.Lock()
	var stop []*watch
	for k, x := range w.dirs {
		if k == n.StableAttr().Ino || isBelow(x.n, n) {
			stop = append(stop, x)
			delete(w.dirs, k)
		}
	}
	w.mu.Unlock()
	for _, x := range stop {
		x.stop(w)
	}
}

// unwatchAll stops every watch (unmount).
func (m *Mount) unwatchAll() {
	w := &m.watches
	w.mu.Lock()
	w.closed = true
	dirs := w.dirs
	w.dirs = nil
	w.mu.Unlock()
	for _, x := range dirs {
		x.stop(w)
	}
}

func isBelow(d, dir *node) bool {
	for p := d; p != nil; {
		_, pp := p.parentDir()
		if pp == dir {
			return true
		}
		p = pp
	}
	return false
}

func (m *Mount) runWatch(ctx context.Context, key uint64, x *watch) {
	w := &m.watches
	n := x.node(w)
	defer func() {
		w.mu.Lock()
		if w.dirs[key] == x {
			delete(w.dirs, key) // ended on its own: a later listing starts another
		}
		w.mu.Unlock()
		x.cancel()
	}()
	f, err := n.tree().Create(ctx, n.smbPath(""), wire.CreateRequest{
		DesiredAccess:     wire.FileListDirectory | wire.FileReadAttributes | wire.Synchronize,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileDirectoryFile,
	})
	if err != nil {
		m.log.Debug("notify: watch not started", zap.String("path", n.rel()), zap.Error(err))
		return
	}
	w.mu.Lock()
	x.f = f
	w.mu.Unlock()
	defer x.once.Do(func() { f.Close(context.Background()) })
	if ctx.Err() != nil {
		return // stopped while opening
	}
	for {
		buf, err := f.ChangeNotify(ctx, notifyFilter, false, notifyBuffer)
		if err != nil {
			if ctx.Err() == nil {
				m.log.Debug("notify: watch ended", zap.String("path", n.rel()), zap.Error(err))
			}
			return
		}
		n = x.node(w)
		if buf == nil {
			m.rescan(n) // more changes than the buffer holds
			continue
		}
		es, err := fscc.ParseNotify(buf)
		if err != nil {
			m.log.Warn("notify: malformed change list from the server", zap.String("server", m.cfg.FsName), zap.String("path", n.rel()), zap.Error(err))
			m.rescan(n)
			continue
		}
		m.notified(ctx, n, es)
	}
}

// rescan makes the kernel forget everything it holds of a directory.
func (m *Mount) rescan(n *node) {
	n.dropDirCache(true)
	m.attrs.forget(n.smbPath(""))
	n.NotifyContent(0, 0)
	for name := range n.Children() {
		n.NotifyEntry(name)
	}
}

// notified turns another client's changes into invalidations and replays.
// Our own changes come back too, and are skipped.
func (m *Mount) notified(ctx context.Context, dir *node, es []fscc.NotifyEntry) {
	for _, e := range es {
		if e.Name == "" || strings.ContainsAny(e.Name, `\/`) {
			continue
		}
		p := dir.smbPath(e.Name)
		if m.ownChange(p) {
			continue
		}
		m.attrs.forget(p)
		child := dir.childNode(e.Name)
		switch e.Action {
		case fscc.FileActionAdded, fscc.FileActionRenamedNewName:
			if child != nil {
				dir.NotifyEntry(e.Name) // the kernel's inode is another file's
				continue
			}
			fi, err := dir.tree().Stat(ctx, p)
			if err != nil {
				continue // gone again (or a server's temporary name)
			}
			m.replayChange(dir, e.Name, replayAdd, fi)
		case fscc.FileActionRemoved, fscc.FileActionRenamedOldName:
			if child == nil {
				dir.cacheDel(e.Name)
				continue // the kernel has no such name (or a server's temporary one)
			}
			if _, err := dir.tree().Stat(ctx, p); err == nil {
				continue // there again
			}
			dir.cacheDel(e.Name)
			m.replayChange(dir, e.Name, replayRemove, nil)
		case fscc.FileActionModified:
			if child != nil && (child.IsDir() || child.ownRecent()) {
				continue
			}
			fi, err := dir.tree().Stat(ctx, p)
			if err != nil || fi.IsDir() {
				continue
			}
			if child != nil {
				child.changed()
				child.mu.Lock()
				child.attrOK = false
				child.mu.Unlock()
				child.NotifyContent(0, 0)
			}
			m.replayChange(dir, e.Name, replayModify, fi)
			go m.recheck(dir, e.Name, fi)
		}
	}
}

// recheck follows a modification: Samba announces a rewrite when the file
// is truncated at open, not when the data lands after, so the file is
// looked at again a few times and each further change replayed too.
func (m *Mount) recheck(dir *node, name string, last *smb.FileInfo) {
	p := dir.smbPath(name)
	for i := 0; i < 4; i++ {
		time.Sleep(250 * time.Millisecond << i)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		fi, err := dir.tree().Stat(ctx, p)
		cancel()
		if err != nil || fi.IsDir() {
			return
		}
		if fi.Size == last.Size && fi.Mtime.Equal(last.Mtime) {
			continue
		}
		if c := dir.childNode(name); c != nil {
			if c.ownRecent() {
				return
			}
			c.changed()
			c.NotifyContent(0, 0)
		}
		m.attrs.forget(p)
		m.replayChange(dir, name, replayModify, fi)
		last = fi
	}
}

// noteOwn records a change of ours to a path (notify= only).
func (m *Mount) noteOwn(p string) {
	if !m.cfg.Notify {
		return
	}
	w := &m.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if w.own == nil || len(w.own) > 4096 {
		old := w.own
		w.own = make(map[string]time.Time)
		for k, t := range old {
			if now.Sub(t) < ownWindow {
				w.own[k] = t
			}
		}
	}
	w.own[p] = now
}

func (m *Mount) ownChange(p string) bool {
	w := &m.watches
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.own[p]
	return ok && time.Since(t) < ownWindow
}

// childNode returns the kernel's inode of a name, if it has one.
func (n *node) childNode(name string) *node {
	c := n.GetChild(name)
	if c == nil {
		return nil
	}
	cn, _ := c.Operations().(*node)
	return cn
}

// ownRecent reports that a modification of the file may be our own: we
// have it open for writing or wrote it lately. (Readers do not count: a
// tail -f on the mount wants other clients' appends.)
func (n *node) ownRecent() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.wb != nil && n.wb.Dirty() || time.Since(n.ownMod) < ownWindow {
		return true
	}
	for _, h := range n.active {
		if h.write {
			return true
		}
	}
	return false
}

// replayChange performs a remote change on the mount, one at a time,
// so that the kernel raises its inotify event; the requests it causes are
// answered from op (see replaying). Where the replay cannot be done (a
// mount whose owner may not write there), the kernel is told to forget the
// name instead.
func (m *Mount) replayChange(dir *node, name string, kind replayKind, fi *smb.FileInfo) {
	w := &m.watches
	w.one.Lock()
	defer w.one.Unlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	w.mu.Lock()
	w.replay = &replayOp{dir: dir, name: name, kind: kind, fi: fi, tid: unix.Gettid()}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.replay = nil
		w.mu.Unlock()
	}()
	p := filepath.Join(m.dir, dir.rel(), name)
	var err error
	switch kind {
	case replayAdd:
		if fi.IsDir() {
			err = unix.Mkdir(p, 0o755)
		} else {
			err = unix.Mknod(p, syscall.S_IFREG|0o644, 0)
		}
	case replayRemove:
		if c := dir.childNode(name); c != nil && c.IsDir() {
			err = unix.Rmdir(p)
		} else if err = unix.Unlink(p); errors.Is(err, syscall.EISDIR) {
			err = unix.Rmdir(p)
		}
	case replayModify:
		err = unix.Truncate(p, fi.Size)
	}
	if err != nil && !errors.Is(err, syscall.EEXIST) && !errors.Is(err, syscall.ENOENT) {
		m.log.Debug("notify: replay", zap.String("path", p), zap.Error(err))
	}
	if err != nil {
		dir.NotifyEntry(name)
	}
}

// replaying returns the replay a request belongs to: one from the
// replaying thread, for the name and kind being replayed.
func (m *Mount) replaying(ctx context.Context, dir *node, name string, kind replayKind) *replayOp {
	if !m.cfg.Notify {
		return nil
	}
	m.watches.mu.Lock()
	op := m.watches.replay
	m.watches.mu.Unlock()
	if op == nil || op.name != name || op.kind != kind || op.dir.StableAttr().Ino != dir.StableAttr().Ino {
		return nil
	}
	if c, ok := fuse.FromContext(ctx); !ok || c.Pid != uint32(op.tid) {
		return nil
	}
	return op
}
