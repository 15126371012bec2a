package fs

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosmb/gosmb/test/harness"
)

// inotify is a watcher on one directory, as file watchers use it.
type inotify struct {
	t  *testing.T
	fd int
}

func watchDir(t *testing.T, dir string) *inotify {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_CREATE|unix.IN_DELETE|unix.IN_MODIFY|unix.IN_MOVED_FROM|unix.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	return &inotify{t: t, fd: fd}
}

type event struct {
	mask uint32
	name string
}

// events returns what arrives within d.
func (w *inotify) events(d time.Duration) []event {
	var out []event
	deadline := time.Now().Add(d)
	buf := make([]byte, 64<<10)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return out
		}
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(fds, int(left/time.Millisecond)+1); n <= 0 {
			continue
		}
		n, err := unix.Read(w.fd, buf)
		if err != nil {
			continue
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			out = append(out, event{ev.Mask, string(bytes.TrimRight(name, "\x00"))})
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

// await returns once an event with mask bits for name arrived, failing
// the test after a second; it returns how long it took.
func (w *inotify) await(mask uint32, name string) time.Duration {
	w.t.Helper()
	start := time.Now()
	for time.Since(start) < time.Second {
		for _, e := range w.events(50 * time.Millisecond) {
			if e.mask&mask != 0 && e.name == name {
				return time.Since(start)
			}
		}
	}
	w.t.Fatalf("no inotify event %#x for %q within 1 s", mask, name)
	return 0
}

func TestNotifyRaisesInotifyEvents(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	r := mountOn(t, s, true, Config{Notify: true})
	w := mountOn(t, s, true, Config{}) // the other client
	if err := os.Mkdir(w.p("d"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(w.p("d/old"), []byte("old"), 0o644)
	if _, err := os.ReadDir(r.p("d")); err != nil { // listed: watched from now on
		t.Fatal(err)
	}
	if _, err := os.Stat(r.p("d/old")); err != nil {
		t.Fatal(err)
	}
	c := r.m.share.Conn
	// Both watches (the root and d) are queued on the server.
	eventually(t, "CHANGE_NOTIFY on the root and d", func() bool { return c.Parked() == 2 })
	in := watchDir(t, r.p("d"))

	steps := []struct {
		what   string
		change func() error
		mask   uint32
		name   string
	}{
		{"create", func() error { return os.WriteFile(w.p("d/new"), []byte("1"), 0o644) }, unix.IN_CREATE, "new"},
		{"mkdir", func() error { return os.Mkdir(w.p("d/sub"), 0o755) }, unix.IN_CREATE, "sub"},
		{"rewrite", func() error { return os.WriteFile(w.p("d/old"), []byte("rewritten"), 0o644) }, unix.IN_MODIFY, "old"},
		{"unlink", func() error { return os.Remove(w.p("d/new")) }, unix.IN_DELETE, "new"},
		{"rmdir", func() error { return os.Remove(w.p("d/sub")) }, unix.IN_DELETE, "sub"},
	}
	for _, st := range steps {
		in.events(300 * time.Millisecond) // earlier steps' events, not this one's
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.what, err)
		}
		d := in.await(st.mask, st.name)
		t.Logf("%s by the other client: inotify event after %v", st.what, d)
	}
	// What the events announced is what the mount shows.
	eventually(t, "the rewritten file's new data", func() bool {
		got, err := os.ReadFile(r.p("d/old"))
		return err == nil && string(got) == "rewritten"
	})
	ents, _ := os.ReadDir(r.p("d"))
	if len(ents) != 1 || ents[0].Name() != "old" {
		t.Fatalf("listing after the changes: %v", ents)
	}
	if _, err := os.Stat(r.p("d/new")); !os.IsNotExist(err) {
		t.Fatalf("removed file: %v", err)
	}

	// Our own changes raise their events once: the server's echo of them
	// is not replayed.
	in.events(300 * time.Millisecond)
	if err := os.WriteFile(r.p("d/mine"), []byte("m"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(r.p("d/mine"))
	var creates, deletes int
	for _, e := range in.events(time.Second) {
		if e.name == "mine" && e.mask&unix.IN_CREATE != 0 {
			creates++
		}
		if e.name == "mine" && e.mask&unix.IN_DELETE != 0 {
			deletes++
		}
	}
	if creates != 1 || deletes != 1 {
		t.Fatalf("own create and unlink gave %d IN_CREATE and %d IN_DELETE, want 1 and 1", creates, deletes)
	}
	if _, err := os.Stat(w.p("d/mine")); !os.IsNotExist(err) {
		t.Fatalf("other client still sees our removed file: %v", err)
	}

	// Watched directories can be renamed and removed here: the watch's
	// handle goes first.
	os.Mkdir(r.p("d/sub2"), 0o755)
	os.ReadDir(r.p("d/sub2"))
	if err := os.Rename(r.p("d"), r.p("e")); err != nil {
		t.Fatalf("rename of a watched directory: %v", err)
	}
	os.ReadDir(r.p("e"))
	if err := os.RemoveAll(r.p("e")); err != nil {
		t.Fatalf("removal of a watched directory: %v", err)
	}
	if err := os.Mkdir(r.p("e"), 0o755); err != nil {
		t.Fatalf("mkdir where a watched directory was: %v", err)
	}
	if _, err := os.Stat(w.sp("e/old")); !os.IsNotExist(err) {
		t.Fatalf("server: %v", err)
	}
}

// TestMknodRegular: mknod(2) of a regular file creates it; without the
// POSIX extensions other types are refused (see TestSpecialFiles for them).
func TestMknodRegular(t *testing.T) {
	e := mountT(t, true, Config{})
	if err := unix.Mknod(e.p("f"), unix.S_IFREG|0o640, 0); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(e.sp("f"))
	if err != nil || st.Size() != 0 || st.Mode().Perm() != 0o640 {
		t.Fatalf("server: %v %v", st, err)
	}
	plain := mountOn(t, e.s, false, Config{})
	if err := unix.Mkfifo(plain.p("fifo"), 0o644); err != unix.EPERM {
		t.Fatalf("mkfifo without posix: %v, want EPERM", err)
	}
	if _, err := os.Stat(e.sp("fifo")); !os.IsNotExist(err) {
		t.Fatal(fmt.Sprint("fifo left on the server: ", err))
	}
}
