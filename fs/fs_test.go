package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

type env struct {
	s   *harness.Samba
	m   *Mount
	dir string // the mount point
	srv string // the share's directory on the server
}

func mountT(t *testing.T, posix bool, cfg Config) *env {
	t.Helper()
	return mountOn(t, harness.StartSamba(t, harness.Config{}), posix, cfg)
}

// mountOn mounts the share of s over a connection of its own, served by
// this test process. Never start a program with its working directory on
// such a mount (exec.Cmd.Dir): Go forks with vfork, and the child's chdir
// into the mount waits for this process, whose garbage collector may be
// waiting for the forking thread: the test hangs. Use "cd DIR && ..." in
// a shell instead.
func mountOn(t *testing.T, s *harness.Samba, posix bool, cfg Config) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mech := auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: s.User, Password: s.Password}))
	sh, err := smb.DialShare(ctx, s.Host, "share", mech, smb.Options{Port: s.Port, POSIX: posix})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.FsName = s.UNC("share")
	if cfg.CloseTimeo == 0 {
		cfg.CloseTimeo = time.Second // as the mount command's defaults
	}
	if cfg.DirCacheTimeout == 0 {
		cfg.DirCacheTimeout = 30 * time.Second
	}
	m, err := MountShare(dir, sh, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Unmount(); err != nil {
			exec.Command("fusermount3", "-u", "-z", dir).Run()
		}
		m.closeAllIdle()
		sh.Close(context.Background())
	})
	return &env{s: s, m: m, dir: dir, srv: s.SharePath("share")}
}

func (e *env) p(name string) string  { return filepath.Join(e.dir, name) }
func (e *env) sp(name string) string { return filepath.Join(e.srv, name) }

func TestFileLifecycle(t *testing.T) {
	for _, posix := range []bool{false, true} {
		t.Run(fmt.Sprintf("posix=%v", posix), func(t *testing.T) {
			e := mountT(t, posix, Config{})
			data := bytes.Repeat([]byte("0123456789abcdef"), 300000)
			if err := os.WriteFile(e.p("a.bin"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(e.sp("a.bin")); !bytes.Equal(got, data) {
				t.Fatal("server copy differs")
			}
			if got, err := os.ReadFile(e.p("a.bin")); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back: %v", err)
			}
			st, err := os.Stat(e.p("a.bin"))
			if err != nil || st.Size() != int64(len(data)) || st.IsDir() {
				t.Fatalf("stat %v %v", st, err)
			}
			// O_EXCL on an existing file.
			if _, err := os.OpenFile(e.p("a.bin"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); !errors.Is(err, os.ErrExist) {
				t.Fatalf("O_EXCL: %v", err)
			}
			// O_TRUNC and O_APPEND.
			os.WriteFile(e.p("a.bin"), []byte("start"), 0o644)
			f, _ := os.OpenFile(e.p("a.bin"), os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("+more"))
			f.Close()
			if got, _ := os.ReadFile(e.sp("a.bin")); string(got) != "start+more" {
				t.Fatalf("append gave %q", got)
			}
			// truncate and utimes.
			if err := os.Truncate(e.p("a.bin"), 3); err != nil {
				t.Fatal(err)
			}
			mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
			if err := os.Chtimes(e.p("a.bin"), mt, mt); err != nil {
				t.Fatal(err)
			}
			st, _ = os.Stat(e.sp("a.bin"))
			if st.Size() != 3 || !st.ModTime().Equal(mt) {
				t.Fatalf("server: size %d mtime %v", st.Size(), st.ModTime())
			}
			// mkdir, rename, unlink, rmdir.
			if err := os.Mkdir(e.p("d"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(e.p("a.bin"), e.p("d/b.bin")); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(e.sp("d/b.bin")); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Rmdir(e.p("d")); !errors.Is(err, syscall.ENOTEMPTY) {
				t.Fatalf("rmdir non-empty: %v", err)
			}
			if err := os.Remove(e.p("d/b.bin")); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(e.p("d")); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(e.p("d")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("stat removed dir: %v", err)
			}
		})
	}
}

func TestRenameReplaceAndNoReplace(t *testing.T) {
	e := mountT(t, true, Config{})
	os.WriteFile(e.p("x"), []byte("x"), 0o644)
	os.WriteFile(e.p("y"), []byte("y"), 0o644)
	if err := unix.Renameat2(unix.AT_FDCWD, e.p("x"), unix.AT_FDCWD, e.p("y"), unix.RENAME_NOREPLACE); !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("RENAME_NOREPLACE over a file: %v", err)
	}
	if err := os.Rename(e.p("x"), e.p("y")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(e.sp("y")); string(b) != "x" {
		t.Fatalf("y = %q", b)
	}
}

func TestReaddirMany(t *testing.T) {
	e := mountT(t, false, Config{})
	for i := 0; i < 1500; i++ {
		os.WriteFile(e.sp(fmt.Sprintf("f%04d", i)), []byte{byte(i)}, 0o644)
	}
	ents, err := os.ReadDir(e.dir)
	if err != nil || len(ents) != 1500 {
		t.Fatalf("%d entries, %v", len(ents), err)
	}
	names := make([]string, len(ents))
	for i, d := range ents {
		names[i] = d.Name()
		if i < 50 {
			if info, err := d.Info(); err != nil || info.Size() != 1 {
				t.Fatalf("%s: %v", d.Name(), err)
			}
		}
	}
	sort.Strings(names)
	if names[0] != "f0000" || names[1499] != "f1499" {
		t.Fatal(names[0], names[1499])
	}
}

func TestHardLinkStatfsAndOwnership(t *testing.T) {
	e := mountT(t, false, Config{UID: 1234, UIDSet: true, GID: 99, GIDSet: true, FileMode: 0o640, DirMode: 0o750})
	os.WriteFile(e.p("orig"), []byte("linked"), 0o644)
	if err := os.Link(e.p("orig"), e.p("link")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(e.sp("link")); string(b) != "linked" {
		t.Fatalf("link = %q", b)
	}
	var st syscall.Stat_t
	syscall.Stat(e.p("orig"), &st)
	if st.Uid != 1234 || st.Gid != 99 || st.Mode&0o777 != 0o640 {
		t.Fatalf("uid %d gid %d mode %o", st.Uid, st.Gid, st.Mode)
	}
	os.Mkdir(e.p("dd"), 0o777)
	syscall.Stat(e.p("dd"), &st)
	if st.Mode&0o777 != 0o750 || st.Mode&syscall.S_IFDIR == 0 {
		t.Fatalf("dir mode %o", st.Mode)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(e.dir, &fs); err != nil || fs.Blocks == 0 {
		t.Fatalf("statfs %+v %v", fs, err)
	}
}

func TestPOSIXModes(t *testing.T) {
	e := mountT(t, true, Config{})
	f, err := os.OpenFile(e.p("m"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(e.sp("m"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("server mode %o", st.Mode().Perm())
	}
	os.Chmod(e.sp("m"), 0o604)
	time.Sleep(1100 * time.Millisecond) // attribute timeout
	st, _ = os.Stat(e.p("m"))
	if st.Mode().Perm() != 0o604 {
		t.Fatalf("mount mode %o", st.Mode().Perm())
	}
}

func TestConcurrentWriters(t *testing.T) {
	e := mountT(t, false, Config{})
	var wg sync.WaitGroup
	const n, size = 8, 256 << 10
	f, _ := os.Create(e.p("shared"))
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			os.WriteFile(e.p(fmt.Sprintf("own%d", i)), bytes.Repeat([]byte{byte(i)}, size), 0o644)
		}(i)
		go func(i int) {
			defer wg.Done()
			f.WriteAt(bytes.Repeat([]byte{byte('A' + i)}, size), int64(i*size))
		}(i)
	}
	wg.Wait()
	f.Close()
	got, _ := os.ReadFile(e.sp("shared"))
	for i := 0; i < n; i++ {
		if !bytes.Equal(got[i*size:(i+1)*size], bytes.Repeat([]byte{byte('A' + i)}, size)) {
			t.Fatalf("region %d differs", i)
		}
		if b, _ := os.ReadFile(e.sp(fmt.Sprintf("own%d", i))); !bytes.Equal(b, bytes.Repeat([]byte{byte(i)}, size)) {
			t.Fatalf("own%d differs", i)
		}
	}
}

func TestOpenFileUnlinkAndRenameOver(t *testing.T) {
	e := mountT(t, true, Config{})
	os.WriteFile(e.p("victim"), []byte("still here"), 0o644)
	f, err := os.Open(e.p("victim"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Remove(e.p("victim")); err != nil {
		t.Fatalf("unlink of open file: %v", err)
	}
	buf := make([]byte, 10)
	if n, err := f.ReadAt(buf, 0); n != 10 || string(buf) != "still here" {
		t.Fatalf("read after unlink: %q %v", buf[:n], err)
	}
	os.WriteFile(e.p("new"), []byte("new"), 0o644)
	os.WriteFile(e.p("old"), []byte("old"), 0o644)
	g, _ := os.Open(e.p("old"))
	defer g.Close()
	if err := os.Rename(e.p("new"), e.p("old")); err != nil {
		t.Fatalf("rename over open file: %v", err)
	}
	if b, _ := os.ReadFile(e.sp("old")); string(b) != "new" {
		t.Fatalf("old = %q", b)
	}
}

// mmapChildEnv makes the test binary, run as a child, write through a
// shared mapping and exit. The mapping must be faulted by another process
// than the FUSE server: a server that pages in its own files can deadlock.
const mmapChildEnv = "GOSMB_FS_MMAP_CHILD"

func TestMain(m *testing.M) {
	if p := os.Getenv(mmapChildEnv); p != "" {
		os.Exit(mmapWrite(p))
	}
	if p := os.Getenv(mmapWatchEnv); p != "" {
		os.Exit(mmapWatch(p))
	}
	os.Exit(m.Run())
}

func mmapWrite(p string) int {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return 1
	}
	defer f.Close()
	mem, err := syscall.Mmap(int(f.Fd()), 0, 8192, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return 2
	}
	copy(mem[4096:], "mapped write")
	if err := unix.Msync(mem, unix.MS_SYNC); err != nil {
		return 3
	}
	syscall.Munmap(mem)
	return 0
}

func TestSharedMmapAndLargeFile(t *testing.T) {
	e := mountT(t, false, Config{})
	f, err := os.OpenFile(e.p("mm"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(8192)
	f.Close()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), mmapChildEnv+"="+e.p("mm"))
	if out, err := child.CombinedOutput(); err != nil {
		t.Fatalf("mmap child: %v %s", err, out)
	}
	if b, _ := os.ReadFile(e.sp("mm")); string(b[4096:4108]) != "mapped write" {
		t.Fatalf("server sees %q", b[4096:4108])
	}
	big, _ := os.Create(e.p("big"))
	if _, err := big.WriteAt([]byte("past 4 GiB"), 5<<30); err != nil {
		t.Fatal(err)
	}
	big.Close()
	st, _ := os.Stat(e.p("big"))
	if st.Size() != 5<<30+10 {
		t.Fatalf("size %d", st.Size())
	}
	g, _ := os.Open(e.p("big"))
	buf := make([]byte, 10)
	g.ReadAt(buf, 5<<30)
	g.Close()
	if string(buf) != "past 4 GiB" {
		t.Fatalf("read %q", buf)
	}
}

func TestErrnoTable(t *testing.T) {
	for st, want := range statusErrno {
		err := fmt.Errorf("wrapped: %w", &smb.StatusError{Cmd: wire.CmdCreate, Status: st, Server: "s"})
		if got := toErrno(err); got != want {
			t.Errorf("%s → %v, want %v", st, got, want)
		}
	}
	if toErrno(&smb.ConnError{Server: "s", Op: "read", Err: errors.New("x")}) != syscall.EIO {
		t.Error("connection error must be EIO")
	}
	if toErrno(&smb.StatusError{Status: wire.Status(0xC0FFEE00)}) != syscall.EIO {
		t.Error("unknown status must be EIO")
	}
}

func TestChmod(t *testing.T) {
	e := mountT(t, true, Config{})
	os.WriteFile(e.p("c"), []byte("x"), 0o644)
	if err := os.Chmod(e.p("c"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The kernel sends the release of the written file without waiting: a
	// chmod that overtakes it rides with that handle's write-back, which
	// the release sends.
	eventually(t, "posix chmod on the server", func() bool {
		st, _ := os.Stat(e.sp("c"))
		return st.Mode().Perm() == 0o600
	})
	if st, _ := os.Stat(e.p("c")); st.Mode().Perm() != 0o600 {
		t.Fatalf("posix chmod: mount shows %o", st.Mode().Perm())
	}
	d := mountT(t, false, Config{})
	os.WriteFile(d.p("r"), []byte("x"), 0o644)
	if err := os.Chmod(d.p("r"), 0o444); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(d.p("r")); st.Mode().Perm()&0o222 != 0 {
		t.Fatalf("read-only attribute not shown: %o", st.Mode().Perm())
	}
	if err := os.Chmod(d.p("r"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(d.p("r")); st.Mode().Perm()&0o200 == 0 {
		t.Fatalf("read-only attribute not cleared: %o", st.Mode().Perm())
	}
}
