package fs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb"
)

func TestXattrs(t *testing.T) {
	e := mountT(t, false, Config{})
	p := e.p("x")
	os.WriteFile(p, []byte("x"), 0o644)
	if err := unix.Setxattr(p, "user.color", []byte("blue"), 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := unix.Getxattr(p, "user.color", buf)
	if err != nil || string(buf[:n]) != "blue" {
		t.Fatalf("getxattr %q %v", buf[:n], err)
	}
	n, _ = unix.Listxattr(p, buf)
	if !bytes.Contains(buf[:n], []byte("user.color\x00")) {
		t.Fatalf("listxattr %q", buf[:n])
	}
	if err := unix.Setxattr(p, "user.color", []byte("red"), unix.XATTR_CREATE); !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("XATTR_CREATE on existing: %v", err)
	}
	if err := unix.Removexattr(p, "user.color"); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Getxattr(p, "user.color", buf); !errors.Is(err, syscall.ENODATA) {
		t.Fatalf("after remove: %v", err)
	}
	// The server stores it as a real extended attribute of the file.
	unix.Setxattr(p, "user.tag", []byte("v1"), 0)
	if n, err := unix.Getxattr(e.sp("x"), "user.tag", buf); err != nil || string(buf[:n]) != "v1" {
		// Samba keeps DOS EAs as user.* xattrs with the same name.
		t.Logf("server-side xattr: %q %v", buf[:max(n, 0)], err)
	}
}

func TestSeekDataHoleAndFallocate(t *testing.T) {
	e := mountT(t, false, Config{})
	f, err := os.OpenFile(e.p("sparse"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := bytes.Repeat([]byte{7}, 1<<20)
	f.WriteAt(block, 0)
	if err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, 0, 1<<20); err != nil {
		t.Fatalf("punch hole: %v", err)
	}
	f.WriteAt(block, 8<<20)
	got := make([]byte, 4096)
	f.ReadAt(got, 0)
	if !bytes.Equal(got, make([]byte, 4096)) {
		t.Fatal("punched range not zero")
	}
	data, err := unix.Seek(int(f.Fd()), 0, unix.SEEK_DATA)
	if err != nil || data < 1<<20 || data > 8<<20 {
		t.Fatalf("SEEK_DATA = %d, %v", data, err)
	}
	hole, err := unix.Seek(int(f.Fd()), 8<<20, unix.SEEK_HOLE)
	if err != nil || hole != 9<<20 {
		t.Fatalf("SEEK_HOLE = %d, %v", hole, err)
	}
	if err := unix.Fallocate(int(f.Fd()), 0, 0, 12<<20); err != nil {
		t.Fatalf("fallocate extend: %v", err)
	}
	if st, _ := os.Stat(e.sp("sparse")); st.Size() != 12<<20 {
		t.Fatalf("size after fallocate %d", st.Size())
	}
}

func TestCopyFileRange(t *testing.T) {
	e := mountT(t, false, Config{})
	data := bytes.Repeat([]byte("server side copy "), 300000)
	os.WriteFile(e.p("src"), data, 0o644)
	src, _ := os.Open(e.p("src"))
	defer src.Close()
	dst, _ := os.Create(e.p("dst"))
	total := 0
	for total < len(data) {
		n, err := unix.CopyFileRange(int(src.Fd()), nil, int(dst.Fd()), nil, len(data)-total, 0)
		if err != nil {
			t.Fatalf("copy_file_range: %v", err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	dst.Close()
	if b, _ := os.ReadFile(e.sp("dst")); !bytes.Equal(b, data) {
		t.Fatalf("copy has %d bytes, want %d", len(b), len(data))
	}
}

func TestLocksBetweenMounts(t *testing.T) {
	e := mountT(t, false, Config{})
	// A second mount of the same share: its own connection and session.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mech := auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: e.s.User, Password: e.s.Password}))
	sh, err := smb.DialShare(ctx, e.s.Host, "share", mech, smb.Options{Port: e.s.Port})
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	m2, err := MountShare(dir2, sh, Config{FsName: "second"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { m2.Unmount(); sh.Close(context.Background()) }()

	os.WriteFile(e.p("locked"), make([]byte, 100), 0o644)
	a, _ := os.OpenFile(e.p("locked"), os.O_RDWR, 0)
	defer a.Close()
	b, _ := os.OpenFile(dir2+"/locked", os.O_RDWR, 0)
	defer b.Close()
	wr := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 10}
	if err := unix.FcntlFlock(a.Fd(), unix.F_SETLK, &wr); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if err := unix.FcntlFlock(b.Fd(), unix.F_SETLK, &wr); !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EACCES) {
		t.Fatalf("conflicting lock from the other mount: %v", err)
	}
	other := unix.Flock_t{Type: unix.F_WRLCK, Start: 50, Len: 10}
	if err := unix.FcntlFlock(b.Fd(), unix.F_SETLK, &other); err != nil {
		t.Fatalf("disjoint lock: %v", err)
	}
	un := unix.Flock_t{Type: unix.F_UNLCK, Start: 0, Len: 10}
	unix.FcntlFlock(a.Fd(), unix.F_SETLK, &un)
	if err := unix.FcntlFlock(b.Fd(), unix.F_SETLK, &wr); err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	// flock(2) between mounts.
	os.WriteFile(e.p("flocked"), nil, 0o644)
	fa, _ := os.Open(e.p("flocked"))
	defer fa.Close()
	fb, _ := os.Open(dir2 + "/flocked")
	defer fb.Close()
	if err := unix.Flock(int(fa.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatalf("flock: %v", err)
	}
	if err := unix.Flock(int(fb.Fd()), unix.LOCK_EX|unix.LOCK_NB); err == nil {
		t.Fatal("flock from the other mount succeeded while held")
	}
}

func TestStableInodesAndZeroRange(t *testing.T) {
	e := mountT(t, false, Config{})
	os.WriteFile(e.p("ino"), bytes.Repeat([]byte{9}, 8192), 0o644)
	var a, b syscall.Stat_t
	syscall.Stat(e.p("ino"), &a)
	os.Rename(e.p("ino"), e.p("ino2"))
	time.Sleep(10 * time.Millisecond)
	syscall.Stat(e.p("ino2"), &b)
	var srv syscall.Stat_t
	syscall.Stat(e.sp("ino2"), &srv)
	if a.Ino == 0 || a.Ino != b.Ino || b.Ino != srv.Ino {
		t.Fatalf("inode %d, after rename %d, server %d", a.Ino, b.Ino, srv.Ino)
	}
	f, _ := os.OpenFile(e.p("ino2"), os.O_RDWR, 0)
	defer f.Close()
	if err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_ZERO_RANGE, 1000, 2000); err != nil {
		t.Fatalf("zero range: %v", err)
	}
	got, _ := os.ReadFile(e.sp("ino2"))
	if len(got) != 8192 || got[999] != 9 || got[1000] != 0 || got[2999] != 0 || got[3000] != 9 {
		t.Fatalf("zero range: len %d bytes %v %v %v %v", len(got), got[999], got[1000], got[2999], got[3000])
	}
}
