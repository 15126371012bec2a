package fs

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

// TestDataUnderEachCacheMode runs the same data patterns under cache=strict,
// loose and none: a stream, small overwrites in place, a truncate and an
// append, and checks the bytes on the server after close and through the
// mount, and the size stat reports while writes are still buffered.
func TestDataUnderEachCacheMode(t *testing.T) {
	for _, mode := range []string{"strict", "loose", "none"} {
		t.Run(mode, func(t *testing.T) {
			e := mountT(t, true, Config{Cache: mode})
			r := rand.New(rand.NewSource(3))
			want := make([]byte, 9<<20+777)
			r.Read(want)
			f, err := os.Create(e.p("data"))
			if err != nil {
				t.Fatal(err)
			}
			for off := 0; off < len(want); off += 64 << 10 {
				if _, err := f.Write(want[off:min(off+64<<10, len(want))]); err != nil {
					t.Fatal(err)
				}
			}
			// Small writes in place, some straddling earlier ones.
			for i := 0; i < 200; i++ {
				off := r.Intn(len(want) - 5000)
				p := make([]byte, 1+r.Intn(5000))
				r.Read(p)
				if _, err := f.WriteAt(p, int64(off)); err != nil {
					t.Fatal(err)
				}
				copy(want[off:], p)
			}
			if st, err := f.Stat(); err != nil || st.Size() != int64(len(want)) {
				t.Fatalf("fstat with writes buffered: size %v, %v; want %d", st.Size(), err, len(want))
			}
			if st, err := os.Stat(e.p("data")); err != nil || st.Size() != int64(len(want)) {
				t.Fatalf("stat with writes buffered: %v, %v; want %d", st.Size(), err, len(want))
			}
			// Read back through the same descriptor before close.
			got := make([]byte, 4096)
			if _, err := f.ReadAt(got, 1<<20); err != nil || !bytes.Equal(got, want[1<<20:1<<20+4096]) {
				t.Fatalf("read before close: %v, data equal %v", err, bytes.Equal(got, want[1<<20:1<<20+4096]))
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(e.sp("data")); !bytes.Equal(b, want) {
				t.Fatalf("server has %d bytes, different from the %d written", len(b), len(want))
			}
			if b, _ := os.ReadFile(e.p("data")); !bytes.Equal(b, want) {
				t.Fatal("read back through the mount differs")
			}
			// Truncate, then append.
			if err := os.Truncate(e.p("data"), 1000); err != nil {
				t.Fatal(err)
			}
			want = want[:1000]
			a, err := os.OpenFile(e.p("data"), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			a.Write([]byte("tail"))
			a.Close()
			want = append(want, "tail"...)
			if b, _ := os.ReadFile(e.p("data")); !bytes.Equal(b, want) {
				t.Fatalf("after truncate and append: %d bytes, want %d", len(b), len(want))
			}
			if b, _ := os.ReadFile(e.sp("data")); !bytes.Equal(b, want) {
				t.Fatal("server copy differs after truncate and append")
			}
		})
	}
}

// eventually polls cond for up to 10 s: a lease break reaches the other
// client asynchronously, after the writer's close has returned.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("after 10s: %s", what)
}

// TestTwoMountsSeeEachOthersWrites: two mounts over separate connections.
// The reader caches a file under a read lease; a write on the other mount
// breaks the lease, and the reader's cached pages (open descriptor, new
// open, and a shared mapping in another process) show the new data.
func TestTwoMountsSeeEachOthersWrites(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	w := mountOn(t, s, true, Config{})
	r := mountOn(t, s, true, Config{})
	old := bytes.Repeat([]byte("old!"), 4096)
	if err := os.WriteFile(w.p("f"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	// The reader caches the file: an open descriptor and a mapping.
	rf, err := os.Open(r.p("f"))
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	buf := make([]byte, len(old))
	if _, err := rf.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, old) {
		t.Fatalf("first read: %v", err)
	}
	watch := exec.Command(os.Args[0], "-test.run=^$")
	want := "new!"
	watch.Env = append(os.Environ(), mmapWatchEnv+"="+r.p("f")+":"+want)
	stdin, _ := watch.StdinPipe()
	stdout, _ := watch.StdoutPipe()
	watch.Stderr = os.Stderr
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "mapped old!\n" {
		t.Fatalf("mmap watcher: %q %v", line, err)
	}
	if _, err := rf.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, old) {
		t.Fatalf("cached read: %v", err)
	}
	breaks := r.m.Stats().Breaks

	// The writer replaces the contents and closes.
	nw := bytes.Repeat([]byte("new!"), 4096)
	f, err := os.OpenFile(w.p("f"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(nw, 0)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(stdin, "go")
	eventually(t, "the open descriptor still reads the old data", func() bool {
		rf.ReadAt(buf, 0)
		return bytes.Equal(buf, nw)
	})
	if got, _ := os.ReadFile(r.p("f")); !bytes.Equal(got, nw) {
		t.Fatal("a new open after the break reads old data")
	}
	if err := watch.Wait(); err != nil {
		t.Fatalf("the shared mapping never showed the new data: %v", err)
	}
	if r.m.Stats().Breaks == breaks {
		t.Fatal("the reader saw the new data without a lease break: was it caching at all?")
	}
}

// TestLeaseKeepsPagesAcrossOpens: under an unbroken lease a second open
// keeps the kernel's pages (no READ reaches the daemon), and the handle of
// the first open is reused (deferred close).
func TestLeaseKeepsPagesAcrossOpens(t *testing.T) {
	e := mountT(t, true, Config{})
	data := bytes.Repeat([]byte("cache me "), 100000)
	os.WriteFile(e.p("c"), data, 0o644)
	os.ReadFile(e.p("c"))
	before := e.m.Stats()
	for i := 0; i < 3; i++ {
		if got, err := os.ReadFile(e.p("c")); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	after := e.m.Stats()
	if after.ReadBytes != before.ReadBytes {
		t.Fatalf("%d bytes read from the server for pages the kernel had", after.ReadBytes-before.ReadBytes)
	}
	// The kernel sends a release without waiting for it, so an open can
	// overtake the previous release and need a handle of its own; the
	// others reuse the deferred one.
	if after.Opens > before.Opens+1 || after.ReusedOpens < before.ReusedOpens+2 {
		t.Fatalf("opens %d->%d, reused %d->%d: want the opens to reuse the deferred handle",
			before.Opens, after.Opens, before.ReusedOpens, after.ReusedOpens)
	}
}

// mmapWatchEnv makes the test binary, as a child, map PATH shared, print
// what it sees, then wait for a line on stdin and poll the mapping until
// it begins with WANT (exit 0) or 10 s pass (exit 4).
const mmapWatchEnv = "GOSMB_FS_MMAP_WATCH"

func mmapWatch(arg string) int {
	i := bytes.LastIndexByte([]byte(arg), ':')
	path, want := arg[:i], arg[i+1:]
	f, err := os.Open(path)
	if err != nil {
		return 1
	}
	defer f.Close()
	mem, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return 2
	}
	fmt.Printf("mapped %s\n", mem[:len(want)])
	bufio.NewReader(os.Stdin).ReadString('\n')
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if string(mem[:len(want)]) == want {
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "mapping still shows %q\n", mem[:len(want)])
	return 4
}

// TestCreateStatUnlinkLoop: a file created, stat'ed and removed, over and
// over. The server reuses inode numbers at once, and the kernel's release
// of each file comes after its unlink: neither may lose a name.
func TestCreateStatUnlinkLoop(t *testing.T) {
	for _, posix := range []bool{true, false} {
		t.Run(fmt.Sprintf("posix=%v", posix), func(t *testing.T) {
			e := mountT(t, posix, Config{})
			os.Mkdir(e.p("small"), 0o755)
			for i := 0; i < 1500; i++ {
				name := e.p(fmt.Sprintf("small/f%d", i))
				if err := os.WriteFile(name, []byte("hello"), 0o644); err != nil {
					t.Fatalf("file %d: %v", i, err)
				}
				if st, err := os.Stat(name); err != nil || st.Size() != 5 {
					t.Fatalf("file %d: stat %v", i, err)
				}
				if err := os.Remove(name); err != nil {
					t.Fatalf("file %d: %v", i, err)
				}
			}
		})
	}
}

// TestDirCacheCoherence: mount r caches a directory under a directory
// lease; another client (mount w, over its own connection) creates,
// rewrites, renames and deletes entries in it. Each change breaks the lease
// before the other client's request completes, so r shows it at once.
func TestDirCacheCoherence(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	w := mountOn(t, s, true, Config{})
	r := mountOn(t, s, true, Config{})
	os.Mkdir(w.p("d"), 0o755)
	os.WriteFile(w.p("d/a"), []byte("a"), 0o644)
	names := func() string {
		ents, err := os.ReadDir(r.p("d"))
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range ents {
			s = append(s, e.Name())
		}
		return fmt.Sprint(s)
	}
	if got := names(); got != "[a]" {
		t.Fatalf("listing %s", got)
	}
	// Warm: lookups, absent names and stats need no request.
	c := r.m.share.Conn
	before := c.Stats.Requests[wire.CmdCreate].Load()
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(r.p(fmt.Sprintf("d/missing%d", i))); !os.IsNotExist(err) {
			t.Fatalf("absent name: %v", err)
		}
	}
	names()
	if n := c.Stats.Requests[wire.CmdCreate].Load() - before; n != 0 {
		t.Fatalf("%d CREATEs for lookups and listings the directory lease covers", n)
	}

	steps := []struct {
		what   string
		change func() error
		check  func() bool
	}{
		{"create", func() error { return os.WriteFile(w.p("d/b"), []byte("bb"), 0o644) },
			func() bool { _, err := os.Stat(r.p("d/b")); return err == nil && names() == "[a b]" }},
		{"rewrite", func() error { return os.WriteFile(w.p("d/a"), []byte("longer"), 0o644) },
			func() bool { st, err := os.Stat(r.p("d/a")); return err == nil && st.Size() == 6 }},
		{"rename", func() error { return os.Rename(w.p("d/b"), w.p("d/c")) },
			func() bool { _, err := os.Stat(r.p("d/b")); return os.IsNotExist(err) && names() == "[a c]" }},
		{"delete", func() error { return os.Remove(w.p("d/c")) },
			func() bool { _, err := os.Stat(r.p("d/c")); return os.IsNotExist(err) && names() == "[a]" }},
		{"chmod", func() error { return os.Chmod(w.p("d/a"), 0o600) },
			func() bool { st, err := os.Stat(r.p("d/a")); return err == nil && st.Mode().Perm() == 0o600 }},
	}
	for _, st := range steps {
		names() // cached again
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.what, err)
		}
		// The break arrives before the other client's request completes,
		// except for a delete, which Samba carries out at its CLOSE and
		// announces without waiting: allow a moment, far below any
		// cache timeout (dir_cache_timeout is 30 s here).
		start := time.Now()
		for !st.check() {
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s by another client not seen after 2 s", st.what)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Logf("%s seen after %v", st.what, d)
		}
	}
	// Our own changes: seen at once here and by the other client, and
	// they do not break our own directory lease.
	names()
	breaks := r.m.Stats().Breaks
	if err := os.WriteFile(r.p("d/mine"), []byte("m"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Rename(r.p("d/mine"), r.p("d/mine2"))
	if got := names(); got != "[a mine2]" {
		t.Fatalf("own changes: %s", got)
	}
	if _, err := os.Stat(w.p("d/mine2")); err != nil {
		t.Fatalf("other client: %v", err)
	}
	os.Remove(r.p("d/mine2"))
	if got := names(); got != "[a]" {
		t.Fatalf("after own unlink: %s", got)
	}
	if b := r.m.Stats().Breaks; b != breaks {
		t.Fatalf("our own changes broke our leases %d times", b-breaks)
	}
}
