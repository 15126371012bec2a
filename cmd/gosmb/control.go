package main

// The per-mount control socket: how `mount -o remount` and `gosmb stats`
// (and later `gosmb info`) reach a running daemon. One line in; the answer
// is one line ("ok" or "error: ...") for remount and ping, and for stats a
// JSON object (see stats.go) or an error line, ended by the daemon closing
// the connection. Only root and the user who owns the mount may talk to it:
// the daemon checks the caller's credentials (SO_PEERCRED) on every
// connection.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/gosmb/gosmb/cmd/options"
	gosmbfs "github.com/gosmb/gosmb/fs"
)

// controlPath is the socket of the mount at dir (an absolute path).
func controlPath(dir string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(dir)))
	return filepath.Join(controlDir(), hex.EncodeToString(sum[:8])+".sock")
}

func controlDir() string {
	if os.Getuid() == 0 {
		return "/run/gosmb"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "gosmb")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("gosmb-%d", os.Getuid()))
}

type controlServer struct {
	ln    *net.UnixListener
	path  string
	dir   string // the mount point
	owner int
	t     *target
	m     *gosmbfs.Mount
	level zap.AtomicLevel
	log   *zap.Logger

	mounted time.Time // when the mount went live

	mu    sync.Mutex
	since time.Time // when the counters started: mount time, or the last reset
}

func startControl(dir string, t *target, m *gosmbfs.Mount, level zap.AtomicLevel, log *zap.Logger) (*controlServer, error) {
	path := controlPath(dir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	os.Remove(path) // a stale socket of a mount that died
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// Anyone may connect; the credential check decides who is served.
	os.Chmod(path, 0o666)
	now := time.Now()
	cs := &controlServer{ln: ln, path: path, dir: dir, owner: os.Getuid(), t: t, m: m, level: level, log: log, mounted: now, since: now}
	go cs.serve()
	return cs, nil
}

func (cs *controlServer) Close() {
	cs.ln.Close()
	os.Remove(cs.path)
}

func peerUID(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	var cred *syscall.Ucred
	var serr error
	raw.Control(func(fd uintptr) {
		cred, serr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	if serr != nil {
		return -1, serr
	}
	return int(cred.Uid), nil
}

func (cs *controlServer) serve() {
	for {
		c, err := cs.ln.AcceptUnix()
		if err != nil {
			return
		}
		go cs.handle(c)
	}
}

func (cs *controlServer) handle(c *net.UnixConn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// Read the request before answering, refusals included, so the caller
	// never writes into a closed socket. A request is one short line.
	line, err := bufio.NewReader(io.LimitReader(c, 64<<10)).ReadString('\n')
	if err != nil {
		return
	}
	uid, err := peerUID(c)
	if err != nil || (uid != 0 && uid != cs.owner) {
		cs.log.Warn("control: refused a caller", zap.Int("uid", uid))
		fmt.Fprintln(c, "error: permission denied: only root or the mount's owner may control it")
		return
	}
	cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch cmd {
	case "remount":
		if err := cs.remount(arg); err != nil {
			fmt.Fprintln(c, "error: "+describe(err))
			return
		}
		fmt.Fprintln(c, "ok")
	case "ping":
		fmt.Fprintln(c, "ok")
	case "stats":
		st := cs.stats()
		if arg == "reset" { // what was counted is shown once more
			cs.resetStats()
		}
		answerJSON(c, st)
	case "info":
		answerJSON(c, cs.info())
	case "trace":
		cs.trace(c)
	case "keys":
		// Keys decrypt everything the session carries: root only, and
		// said in the log (never the keys themselves).
		if uid != 0 {
			fmt.Fprintln(c, "error: permission denied: only root may read a mount's session keys")
			return
		}
		cs.log.Warn("control: session keys handed to root (gosmb keys)")
		answerJSON(c, cs.keys())
	default:
		fmt.Fprintf(c, "error: unknown command %q\n", cmd)
	}
}

// remount applies what can change on a live mount and refuses the rest,
// naming the option. Options equal to the current ones (mount(8) repeats
// fstab's) are fine.
func (cs *controlServer) remount(opts string) error {
	cur := cs.t.opts
	next := cur
	next.Generic = nil
	if err := next.Parse(opts); err != nil {
		return err
	}
	if next.Credentials != "" && next.Credentials != cur.Credentials {
		if err := next.LoadCredentials(next.Credentials); err != nil {
			return err
		}
	}
	fixed := []struct {
		name string
		same bool
	}{
		{"vers", next.MinDialect == cur.MinDialect && next.MaxDialect == cur.MaxDialect},
		{"port", next.Port == cur.Port},
		{"ip", next.IP == cur.IP},
		{"username", next.Username == cur.Username},
		{"domain", next.Domain == cur.Domain},
		{"sec", next.Sec == cur.Sec},
		{"seal", next.Seal == cur.Seal},
		{"sign", next.Sign == cur.Sign},
		{"posix", next.POSIX == cur.POSIX},
		{"cache", next.Cache == cur.Cache},
		{"uid", next.UID == cur.UID && next.UIDSet == cur.UIDSet},
		{"gid", next.GID == cur.GID && next.GIDSet == cur.GIDSet},
		{"file_mode", next.FileMode == cur.FileMode},
		{"dir_mode", next.DirMode == cur.DirMode},
		{"rsize", next.Rsize == cur.Rsize},
		{"wsize", next.Wsize == cur.Wsize},
		{"closetimeo", next.CloseTimeo == cur.CloseTimeo},
		{"cache_size", next.CacheSize == cur.CacheSize},
		{"dir_cache_timeout", next.DirCacheTimeout == cur.DirCacheTimeout},
		{"max_cached_dirs", next.MaxCachedDirs == cur.MaxCachedDirs},
		{"notify", next.Notify == cur.Notify},
	}
	for _, f := range fixed {
		if !f.same {
			return &options.Error{Option: f.name, Reason: "cannot change on a live mount; unmount and mount again"}
		}
	}
	if next.ReadOnly != cur.ReadOnly {
		return &options.Error{Option: "ro", Reason: "cannot change on a live mount; unmount and mount again"}
	}
	if next.AcRegMax != cur.AcRegMax {
		cs.m.SetAttrTimeout(next.AcRegMax)
	}
	if next.AcDirMax != cur.AcDirMax {
		cs.m.SetDirAttrTimeout(next.AcDirMax)
	}
	if next.Debug != cur.Debug {
		if next.Debug {
			cs.level.SetLevel(zap.DebugLevel)
		} else {
			cs.level.SetLevel(zap.InfoLevel)
		}
	}
	// Passwords are kept for the next authentication; a working session is
	// left alone.
	cs.t.opts = next
	cs.log.Info("remounted", zap.String("options", next.String()), zap.Bool("passwordChanged", next.Password != cur.Password),
		zap.Bool("password2Set", next.Password2 != ""))
	return nil
}

// dialControl connects to the control socket of the mount at dir.
func dialControl(dir string) (net.Conn, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	path := controlPath(abs)
	if _, err := os.Stat(path); err != nil {
		// A root caller may be addressing a user's mount and vice versa.
		for _, d := range []string{"/run/gosmb"} {
			sum := sha256.Sum256([]byte(filepath.Clean(abs)))
			p := filepath.Join(d, hex.EncodeToString(sum[:8])+".sock")
			if _, e := os.Stat(p); e == nil {
				path = p
			}
		}
	}
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		why := err.Error()
		switch {
		case errors.Is(err, syscall.ENOENT):
			why = "no control socket " + path
		case errors.Is(err, syscall.ECONNREFUSED):
			why = "its daemon is gone: nothing listens on " + path
		}
		return nil, fmt.Errorf("%s is not a gosmb mount served by a running daemon (%s)", dir, why)
	}
	c.SetDeadline(time.Now().Add(15 * time.Second))
	return c, nil
}

// sendControl sends one command to the mount at dir and returns its answer.
func sendControl(dir, line string) error {
	c, err := dialControl(dir)
	if err != nil {
		return err
	}
	defer c.Close()
	_, werr := fmt.Fprintln(c, line)
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && werr != nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("no answer from the daemon of %s: %v", dir, err)
	}
	reply = strings.TrimSpace(reply)
	if reply != "ok" {
		return errors.New(strings.TrimPrefix(reply, "error: "))
	}
	return nil
}

// queryJSON sends query to the mount at dir and decodes its JSON answer
// into v (what names the answer in an error). It returns the answer as
// sent too: --json prints that, so fields of a newer daemon pass through.
func queryJSON(dir, query, what string, v any) ([]byte, error) {
	reply, err := queryControl(dir, query)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(reply, v); err != nil {
		return nil, fmt.Errorf("the daemon of %s answered something other than %s: %v", dir, what, err)
	}
	return reply, nil
}

// printJSON prints a daemon's JSON answer indented, for --json.
func printJSON(w io.Writer, reply []byte) error {
	var b bytes.Buffer
	json.Indent(&b, bytes.TrimSpace(reply), "", "  ")
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// answerJSON writes v as the one-line JSON answer to a query.
func answerJSON(c net.Conn, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(c, "error: "+err.Error())
		return
	}
	c.Write(append(b, '\n'))
}

// queryControl sends one command to the mount at dir and returns the whole
// answer, read until the daemon closes the connection; an "error: " answer
// is returned as an error.
func queryControl(dir, line string) ([]byte, error) {
	c, err := dialControl(dir)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_, werr := fmt.Fprintln(c, line)
	reply, err := io.ReadAll(io.LimitReader(c, 1<<20))
	if len(reply) == 0 {
		if err == nil {
			err = werr
		}
		if err == nil {
			err = errors.New("the daemon closed the connection")
		}
		return nil, fmt.Errorf("no answer from the daemon of %s: %v", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the answer of the daemon of %s: %v", dir, err)
	}
	if rest, ok := bytes.CutPrefix(reply, []byte("error: ")); ok {
		return nil, errors.New(strings.TrimSpace(string(rest)))
	}
	return reply, nil
}
