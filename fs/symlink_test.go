package fs

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosmb/gosmb/test/harness"
)

// TestServerSymlinks: symbolic links made on the server are symbolic links
// on a POSIX mount (Samba hands them over as reparse points): lstat says
// so, readlink gives the target as written, the kernel follows them, and
// unlink and rename act on the link, not its target.
func TestServerSymlinks(t *testing.T) {
	e := mountT(t, true, Config{})
	os.MkdirAll(e.sp("d/sub"), 0o777)
	os.WriteFile(e.sp("d/sub/file"), []byte("through the link"), 0o644)
	links := map[string]string{
		"rel":      "d/sub/file",
		"abs":      "/etc/hostname",
		"dangling": "no/such/thing",
		"dirlink":  "d/sub",
		"d/up":     "../rel",
	}
	for name, target := range links {
		if err := os.Symlink(target, e.sp(name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		st, err := os.Lstat(e.p(name))
		if err != nil || st.Mode()&os.ModeSymlink == 0 || st.Size() != int64(len(target)) {
			t.Fatalf("lstat %s: %v, %v", name, st, err)
		}
		if got, err := os.Readlink(e.p(name)); err != nil || got != target {
			t.Fatalf("readlink %s = %q, %v; want %q", name, got, err, target)
		}
	}
	for _, name := range []string{"rel", "d/up"} {
		if b, err := os.ReadFile(e.p(name)); err != nil || string(b) != "through the link" {
			t.Fatalf("read through %s: %q, %v", name, b, err)
		}
	}
	if ents, err := os.ReadDir(e.p("dirlink")); err != nil || len(ents) != 1 || ents[0].Name() != "file" {
		t.Fatalf("listing through a directory link: %v, %v", ents, err)
	}
	if _, err := os.Stat(e.p("dangling")); !os.IsNotExist(err) {
		t.Fatalf("stat through a dangling link: %v", err)
	}
	ents, err := os.ReadDir(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ents {
		if _, ok := links[d.Name()]; ok && d.Type() != os.ModeSymlink {
			t.Fatalf("readdir type of %s: %v", d.Name(), d.Type())
		}
	}
	// The link itself is renamed and removed; its target stays.
	if err := os.Rename(e.p("rel"), e.p("moved")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(e.sp("moved")); err != nil || got != "d/sub/file" {
		t.Fatalf("on the server after rename: %q, %v", got, err)
	}
	if err := os.Remove(e.p("moved")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(e.sp("moved")); !os.IsNotExist(err) {
		t.Fatalf("link still on the server after unlink: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(e.srv, "d/sub/file")); err != nil || string(b) != "through the link" {
		t.Fatalf("the target after unlinking the link: %q, %v", b, err)
	}
}

// TestSymlinksThroughTheMount: symlink(2) on a POSIX mount makes a link
// that this mount and another client both follow, and that refuses a name
// already taken.
func TestSymlinksThroughTheMount(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	e := mountOn(t, s, true, Config{})
	other := mountOn(t, s, true, Config{})
	os.MkdirAll(e.p("d/sub"), 0o755)
	if err := os.WriteFile(e.p("d/sub/file"), []byte("linked"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"rel": "d/sub/file", "abs": "/etc/hostname", "dangling": "nowhere", "d/up": "../rel"}
	for name, target := range links {
		if err := os.Symlink(target, e.p(name)); err != nil {
			t.Fatalf("symlink %s: %v", name, err)
		}
	}
	for _, m := range []*env{e, other} {
		for name, target := range links {
			st, err := os.Lstat(m.p(name))
			if err != nil || st.Mode()&os.ModeSymlink == 0 || st.Mode().Perm() != 0o777 {
				t.Fatalf("lstat %s: %v, %v", name, st, err)
			}
			if got, err := os.Readlink(m.p(name)); err != nil || got != target {
				t.Fatalf("readlink %s = %q, %v; want %q", name, got, err, target)
			}
		}
		if b, err := os.ReadFile(m.p("d/up")); err != nil || string(b) != "linked" {
			t.Fatalf("read through two links: %q, %v", b, err)
		}
	}
	if err := os.Symlink("x", e.p("rel")); !os.IsExist(err) {
		t.Fatalf("symlink over an existing name: %v, want EEXIST", err)
	}
	if err := os.Remove(e.p("rel")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(other.p("rel")); !os.IsNotExist(err) {
		t.Fatalf("the other client still sees the removed link: %v", err)
	}
}

// TestSpecialFiles: FIFOs, sockets and devices, made on the server or
// through a POSIX mount, have their type (and a device its number) on the
// mount and on another client.
func TestSpecialFiles(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	e := mountOn(t, s, true, Config{})
	other := mountOn(t, s, true, Config{})
	dev := int(unix.Mkdev(1, 3))
	if err := unix.Mkfifo(e.sp("srv-fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(e.sp("srv-chr"), unix.S_IFCHR|0o644, dev); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(e.p("fifo"), 0o640); err != nil {
		t.Fatalf("mkfifo through the mount: %v", err)
	}
	if err := unix.Mknod(e.p("chr"), unix.S_IFCHR|0o600, dev); err != nil {
		t.Fatalf("mknod c 1 3 through the mount: %v", err)
	}
	if err := unix.Mknod(e.p("blk"), unix.S_IFBLK|0o600, int(unix.Mkdev(8, 1))); err != nil {
		t.Fatalf("mknod b 8 1 through the mount: %v", err)
	}
	if err := unix.Mknod(e.p("sock"), unix.S_IFSOCK|0o600, 0); err != nil {
		t.Fatalf("mknod socket through the mount: %v", err)
	}
	want := map[string]struct {
		typ  uint32
		rdev uint64
	}{
		"srv-fifo": {unix.S_IFIFO, 0}, "srv-chr": {unix.S_IFCHR, uint64(dev)},
		"fifo": {unix.S_IFIFO, 0}, "chr": {unix.S_IFCHR, uint64(dev)},
		"blk": {unix.S_IFBLK, unix.Mkdev(8, 1)}, "sock": {unix.S_IFSOCK, 0},
	}
	for _, m := range []*env{e, other} {
		for name, w := range want {
			var st unix.Stat_t
			if err := unix.Lstat(m.p(name), &st); err != nil || st.Mode&unix.S_IFMT != w.typ || st.Rdev != w.rdev {
				t.Fatalf("lstat %s on %s: mode %#o rdev %#x, %v; want type %#o rdev %#x", name, m.dir, st.Mode, st.Rdev, err, w.typ, w.rdev)
			}
		}
	}
}
