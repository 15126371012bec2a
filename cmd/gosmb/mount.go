package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	gosmbfs "github.com/gosmb/gosmb/fs"
)

// The daemon child learns its options (which may hold a password) from its
// standard input and reports "ok" or the error on file descriptor 3, so no
// secret ever appears in argv or the environment (ps, /proc/PID/environ).
const daemonEnv = "GOSMB_DAEMON_CHILD"

func mountCommand() *cli.Command {
	return &cli.Command{
		Name:      "mount",
		Usage:     "mount a share (the mount.gosmb helper does the same for mount(8))",
		ArgsUsage: "//HOST/SHARE[/PATH] MOUNTPOINT",
		Flags: []cli.Flag{optFlag,
			&cli.BoolFlag{Name: "foreground", Aliases: []string{"f"}, Usage: "stay in the foreground and log to stderr"},
		},
		Description: `Without -f, mount returns once the mount is live (or prints why it is not)
and a daemon serves it until "umount MOUNTPOINT" or "fusermount3 -u MOUNTPOINT".`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return cli.Exit("usage: gosmb mount //HOST/SHARE[/PATH] MOUNTPOINT -o OPTIONS [-f]", 2)
			}
			return doMount(c.Args().Get(0), c.Args().Get(1), strings.Join(c.StringSlice("options"), ","), c.Bool("foreground"))
		},
	}
}

func umountCommand() *cli.Command {
	return &cli.Command{
		Name:      "umount",
		Usage:     "unmount a gosmb mount (data is written back first)",
		ArgsUsage: "MOUNTPOINT",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cli.Exit("usage: gosmb umount MOUNTPOINT", 2)
			}
			dir := c.Args().First()
			if out, err := exec.Command("fusermount3", "-u", dir).CombinedOutput(); err != nil {
				return fmt.Errorf("unmounting %s: %s", dir, strings.TrimSpace(string(out)))
			}
			return nil
		},
	}
}

// mountHelperArgs turns mount(8)'s call "mount.gosmb SPEC DIR [-sfnv] [-o
// OPTS]" into "gosmb mount SPEC DIR -o OPTS". mount(8)'s -f means "fake":
// do everything but the mount.
func mountHelperArgs(args []string) (spec, dir, opts string, fake bool, err error) {
	var pos []string
	var o []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" && i+1 < len(args):
			o = append(o, args[i+1])
			i++
		case strings.HasPrefix(a, "-o"):
			o = append(o, a[2:])
		case a == "-f":
			fake = true
		case a == "-s" || a == "-n" || a == "-v":
		case strings.HasPrefix(a, "-t"):
			if a == "-t" {
				i++
			}
		case strings.HasPrefix(a, "-"):
			return "", "", "", false, fmt.Errorf("unknown flag %s (usage: mount.gosmb //HOST/SHARE DIR [-o OPTIONS])", a)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return "", "", "", false, errors.New("usage: mount.gosmb //HOST/SHARE[/PATH] DIR [-o OPTIONS]")
	}
	return pos[0], pos[1], strings.Join(o, ","), fake, nil
}

func runMountHelper(args []string) int {
	spec, dir, opts, fake, err := mountHelperArgs(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mount.gosmb:", err)
		return 1
	}
	if fake {
		return 0
	}
	fg := os.Getenv("GOSMB_FOREGROUND") == "1"
	for _, o := range strings.Split(opts, ",") {
		if o == "foreground" || o == "fg" {
			fg = true
		}
	}
	if err := doMount(spec, dir, opts, fg); err != nil {
		fmt.Fprintln(os.Stderr, "mount.gosmb:", describe(err))
		return 1
	}
	return 0
}

func doMount(spec, dir, opts string, foreground bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if strings.Contains(","+opts+",", ",remount,") {
		// Reach the running daemon; the password, if any, goes over the
		// socket, never on a command line of ours.
		return sendControl(abs, "remount "+opts)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return fmt.Errorf("mount point %s does not exist or is not a directory", dir)
	}
	if foreground || os.Getenv(daemonEnv) == "1" {
		return serve(spec, abs, opts, foreground)
	}
	return startDaemon(spec, abs, opts)
}

// startDaemon re-executes this binary as a detached daemon and waits for it
// to report the mount live or failed.
func startDaemon(spec, dir, opts string) error {
	// Parse here first: a bad option, an unreadable credentials file or a
	// missing password fails before any daemon exists, and a password
	// typed at the prompt travels with the options through the pipe.
	t, err := parseTarget(cli.NewContext(&cli.App{}, newFlagSet(opts), nil), spec)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return err
	}
	optR, optW, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "mount", spec, dir)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin = optR
	cmd.ExtraFiles = []*os.File{statusW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	optR.Close()
	statusW.Close()
	// PASSWD may carry the password; pass it along the same private pipe.
	line := opts
	if pw := t.opts.Password; pw != "" && !strings.Contains(","+opts, ",password=") {
		line += ",password=" + strings.ReplaceAll(pw, ",", ",,")
	}
	io.WriteString(optW, line+"\n")
	optW.Close()
	status, _ := bufio.NewReader(statusR).ReadString('\n')
	status = strings.TrimSpace(status)
	if status == "ok" {
		cmd.Process.Release()
		return nil
	}
	cmd.Wait()
	if status == "" {
		status = "the mount daemon exited without reporting (see its log)"
	}
	return errors.New(strings.TrimPrefix(status, "error: "))
}

// serve mounts and serves until unmounted; as a daemon child it reads its
// options from stdin and reports on fd 3.
func serve(spec, dir, opts string, foreground bool) error {
	var report func(string)
	if !foreground {
		status := os.NewFile(3, "status")
		report = func(s string) {
			if status != nil {
				fmt.Fprintln(status, s)
				status.Close()
				status = nil
			}
		}
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		opts = strings.TrimRight(line, "\n")
		if devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0); err == nil {
			os.Stdin = devnull
		}
	}
	err := serveMount(spec, dir, opts, foreground, func() {
		if report != nil {
			report("ok")
		}
	})
	if err != nil && report != nil {
		report("error: " + describe(err))
	}
	return err
}

func serveMount(spec, dir, opts string, foreground bool, ready func()) error {
	app := &cli.App{}
	set := newFlagSet(opts)
	t, err := parseTarget(cli.NewContext(app, set, nil), spec)
	if err != nil {
		return err
	}
	log, level, err := newLogger(t, dir, foreground)
	if err != nil {
		return err
	}
	defer log.Sync()
	if prof := os.Getenv("GOSMB_CPUPROFILE"); prof != "" {
		// A debugging aid: a CPU profile of the daemon until unmount.
		if f, err := os.Create(prof); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	// The Go heap stays near the write-back budget: buffered data is most
	// of what the daemon holds (cache_size= bounds memory, not just data).
	debug.SetMemoryLimit(t.opts.CacheSize + 48<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sh, err := t.dial(ctx)
	if err != nil {
		return err
	}
	o := t.opts
	cfg := gosmbfs.Config{
		UID: o.UID, GID: o.GID, UIDSet: o.UIDSet, GIDSet: o.GIDSet, ForceUID: o.ForceUID, ForceGID: o.ForceGID,
		FileMode: o.FileMode, DirMode: o.DirMode, NoPerm: o.NoPerm, ReadOnly: o.ReadOnly,
		Cache: o.Cache, AttrTimeout: o.AcRegMax, DirAttrTimeout: o.AcDirMax, TimeoutsSet: true, Rsize: o.Rsize, Wsize: o.Wsize,
		CacheSize: o.CacheSize, CloseTimeo: o.CloseTimeo,
		DirCacheTimeout: o.DirCacheTimeout, MaxCachedDirs: o.MaxCachedDirs, Notify: o.Notify,
		AllowOther: os.Getuid() == 0, FsName: "//" + t.unc.Host + "/" + t.unc.Share, SubPath: t.unc.Path,
		Debug: o.Debug && foreground, Logger: log,
	}
	m, err := gosmbfs.MountShare(dir, sh, cfg)
	if err != nil {
		sh.Close(context.Background())
		return err
	}
	log.Info("mounted", zap.String("share", cfg.FsName), zap.String("mountpoint", dir),
		zap.Stringer("dialect", sh.Conn.Dialect()), zap.Bool("signed", sh.Session.Signed()), zap.Bool("encrypted", sh.Tree.Encrypted()))
	ctl, err := startControl(dir, t, m, level, log)
	if err != nil {
		log.Warn("no control socket: remount will not reach this mount", zap.Error(err))
	} else {
		defer ctl.Close()
	}
	ready()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-sig
		log.Info("signal: unmounting", zap.Stringer("signal", s))
		if err := m.Unmount(); err != nil {
			log.Warn("unmount failed", zap.Error(err))
		}
	}()
	m.Wait()
	log.Info("unmounted", zap.String("mountpoint", dir))
	return sh.Close(context.Background())
}

// newLogger logs to stderr in the foreground, else to a file per mount.
func newLogger(t *target, dir string, foreground bool) (*zap.Logger, zap.AtomicLevel, error) {
	cfg := zap.NewProductionConfig()
	cfg.Sampling = nil
	if t.opts.Debug {
		cfg.Level = zap.NewAtomicLevelAt(zap.DebugLevel)
	}
	if foreground {
		cfg.OutputPaths = []string{"stderr"}
	} else {
		logDir := "/var/log/gosmb"
		if os.Getuid() != 0 {
			base := os.Getenv("XDG_RUNTIME_DIR")
			if base == "" {
				base = filepath.Join(os.TempDir(), fmt.Sprintf("gosmb-%d", os.Getuid()))
			}
			logDir = filepath.Join(base, "gosmb")
		}
		if err := os.MkdirAll(logDir, 0o700); err != nil {
			return nil, cfg.Level, err
		}
		name := strings.ReplaceAll(strings.Trim(dir, "/"), "/", "-")
		if name == "" {
			name = "root"
		}
		cfg.OutputPaths = []string{filepath.Join(logDir, name+".log")}
	}
	cfg.ErrorOutputPaths = cfg.OutputPaths
	l, err := cfg.Build()
	return l, cfg.Level, err
}
