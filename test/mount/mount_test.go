// Package mount tests gosmb end to end the way users run it: the real
// binary as mount.gosmb called by mount(8), fstab, errors, a non-root mount,
// a user-namespace mount, and real workloads (untar and compare Go's
// source tree, git, go build, fio verify) timed next to local disk.
package mount

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosmb/gosmb/test/harness"
)

var gosmbBin string // built once in TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gosmb-bin-")
	if err != nil {
		panic(err)
	}
	os.Chmod(dir, 0o755)
	gosmbBin = filepath.Join(dir, "gosmb")
	if out, err := exec.Command("go", "build", "-o", gosmbBin, "github.com/gosmb/gosmb/cmd/gosmb").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building gosmb: %v\n%s", err, out)
		os.Exit(1)
	}
	os.Symlink("gosmb", filepath.Join(dir, "mount.gosmb"))
	// mount(8) runs /sbin/mount.<type>: point it at this build for the
	// tests and restore whatever was there.
	helpers := []string{"/sbin/mount.gosmb", "/sbin/mount.fuse.gosmb"}
	old := map[string]string{}
	for _, h := range helpers {
		if o, err := os.Readlink(h); err == nil {
			old[h] = o
		}
		os.Remove(h)
		os.Symlink(gosmbBin, h)
	}
	code := m.Run()
	for _, h := range helpers {
		os.Remove(h)
		if o, ok := old[h]; ok {
			os.Symlink(o, h)
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mountpoint makes a directory reachable by other users.
func mountpoint(t *testing.T) string {
	d := filepath.Join(t.TempDir(), "mnt")
	os.MkdirAll(d, 0o755)
	for p := filepath.Dir(d); p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	return d
}

func unmount(t *testing.T, dir string) {
	t.Cleanup(func() {
		if isMounted(dir) {
			exec.Command("umount", dir).Run()
			exec.Command("fusermount3", "-u", "-z", dir).Run()
		}
	})
}

func isMounted(dir string) bool {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	return strings.Contains(string(b), " "+dir+" ")
}

func daemons() int {
	out, _ := exec.Command("pgrep", "-f", gosmbBin+" mount").Output()
	return len(strings.Fields(string(out)))
}

func opts(s *harness.Samba) string {
	return fmt.Sprintf("port=%d,username=%s,password=%s", s.Port, s.User, s.Password)
}

func TestMountUmountThroughMount8(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	if !isMounted(dir) {
		t.Fatal("not mounted after mount returned")
	}
	os.WriteFile(filepath.Join(dir, "f"), []byte("via mount(8)"), 0o644)
	if b, _ := os.ReadFile(filepath.Join(s.SharePath("share"), "f")); string(b) != "via mount(8)" {
		t.Fatalf("server has %q", b)
	}
	if b, _ := os.ReadFile("/proc/self/cmdline"); bytes.Contains(b, []byte(s.Password)) {
		t.Fatal("password on a command line")
	}
	out, _ := exec.Command("pgrep", "-a", "-f", gosmbBin).Output()
	if strings.Contains(string(out), s.Password) {
		t.Fatalf("password visible in ps: %s", out)
	}
	if out, err := run(t, "umount", dir); err != nil {
		t.Fatalf("umount: %v %s", err, out)
	}
	waitNoDaemon(t)
}

func waitNoDaemon(t *testing.T) {
	t.Helper()
	for i := 0; i < 50 && daemons() > 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if n := daemons(); n > 0 {
		t.Fatalf("%d mount daemons left behind", n)
	}
}

func TestFstab(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	cred := filepath.Join(t.TempDir(), "cred")
	os.WriteFile(cred, []byte("username="+s.User+"\npassword="+s.Password+"\n"), 0o600)
	fstab := filepath.Join(t.TempDir(), "fstab")
	os.WriteFile(fstab, []byte(fmt.Sprintf("%s %s gosmb port=%d,credentials=%s,_netdev,nofail 0 0\n", s.UNC("share"), dir, s.Port, cred)), 0o644)
	if out, err := run(t, "mount", "-a", "-T", fstab); err != nil {
		t.Fatalf("mount -a: %v\n%s", err, out)
	}
	if !isMounted(dir) {
		t.Fatal("fstab entry not mounted")
	}
	if out, err := run(t, "fusermount3", "-u", dir); err != nil {
		t.Fatalf("fusermount3 -u: %v %s", err, out)
	}
	waitNoDaemon(t)
	// A world-readable credentials file is refused.
	os.Chmod(cred, 0o644)
	out, err := run(t, "mount", "-a", "-T", fstab)
	if isMounted(dir) || !strings.Contains(out, "chmod 600") {
		t.Fatalf("mount with a 0644 credentials file: %v %s", err, out)
	}
}

func TestRemount(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)+",actimeo=1"); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	// A changeable option, through mount(8): the attribute timeout.
	if out, err := run(t, "mount", "-o", "remount,actimeo=30", dir); err != nil {
		t.Fatalf("remount actimeo: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "f"), []byte("1"), 0o644)
	os.Stat(filepath.Join(dir, "f"))
	os.WriteFile(filepath.Join(s.SharePath("share"), "f"), []byte("12345"), 0o644)
	time.Sleep(1500 * time.Millisecond)
	if st, _ := os.Stat(filepath.Join(dir, "f")); st.Size() != 1 {
		t.Fatalf("size %d: actimeo=30 from the remount did not take effect", st.Size())
	}
	// A new password is accepted and the mount keeps working.
	if out, err := run(t, "mount", "-o", "remount,password=rotated,password2="+s.Password, dir); err != nil {
		t.Fatalf("remount password: %v\n%s", err, out)
	}
	if _, err := os.ReadDir(dir); err != nil {
		t.Fatalf("mount after remount: %v", err)
	}
	// What cannot change is refused with the option named.
	out, err := run(t, "mount", "-o", "remount,vers=2.0", dir)
	if err == nil || !strings.Contains(out, `"vers"`) {
		t.Fatalf("remount vers: %v %s", err, out)
	}
	// Other users are refused by the control socket.
	if exec.Command("id", "gosmbuser").Run() != nil {
		run(t, "useradd", "--system", "--no-create-home", "gosmbuser")
	}
	out, err = run(t, "runuser", "-u", "gosmbuser", "--", gosmbBin, "mount", s.UNC("share"), dir, "-o", "remount,actimeo=1")
	if err == nil || !strings.Contains(out, "permission denied") {
		t.Fatalf("remount by another user: %v %s", err, out)
	}
}

func TestMountErrors(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	for _, c := range []struct {
		name string
		unc  string
		o    string
		want string
	}{
		{"bad option", s.UNC("share"), opts(s) + ",nosuchoption", `option "nosuchoption"`},
		{"bad password", s.UNC("share"), fmt.Sprintf("port=%d,username=%s,password=wrong", s.Port, s.User), "logon failure"},
		{"missing share", s.UNC("nosuch"), opts(s), `no share named "nosuch"`},
		{"unreachable", "//127.0.0.1/share", "port=1,username=a,password=b", "connection refused"},
	} {
		out, err := run(t, "mount", "-t", "gosmb", c.unc, dir, "-o", c.o)
		if err == nil || !strings.Contains(out, c.want) || strings.Count(strings.TrimSpace(out), "\n") > 0 {
			t.Errorf("%s: err %v, output %q, want one line with %q", c.name, err, out, c.want)
		}
		if isMounted(dir) {
			t.Errorf("%s: mounted anyway", c.name)
		}
	}
	waitNoDaemon(t)
}

func TestNonRootAndUserNamespace(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	// A plain user mounts with fusermount3: /dev/fuse must be open to users
	// as udev makes it on a normal system.
	st, _ := os.Stat("/dev/fuse")
	if st.Mode().Perm()&0o006 != 0o006 {
		os.Chmod("/dev/fuse", 0o666)
		t.Cleanup(func() { os.Chmod("/dev/fuse", st.Mode().Perm()) })
	}
	user := "gosmbuser"
	if exec.Command("id", user).Run() != nil {
		if out, err := run(t, "useradd", "--system", "--create-home", "--home-dir", "/var/lib/gosmbuser", user); err != nil {
			t.Fatalf("useradd: %v %s", err, out)
		}
	}
	dir := mountpoint(t)
	exec.Command("chown", user, dir).Run()
	unmount(t, dir)
	if out, err := run(t, "runuser", "-u", user, "--", gosmbBin, "mount", s.UNC("share"), dir, "-o", opts(s)); err != nil {
		t.Fatalf("non-root mount: %v\n%s", err, out)
	}
	if out, err := run(t, "runuser", "-u", user, "--", "sh", "-c", "echo user > "+dir+"/byuser && cat "+dir+"/byuser"); err != nil || !strings.Contains(out, "user") {
		t.Fatalf("non-root I/O: %v %s", err, out)
	}
	if out, err := run(t, "runuser", "-u", user, "--", "fusermount3", "-u", dir); err != nil {
		t.Fatalf("non-root fusermount3 -u: %v %s", err, out)
	}
	waitNoDaemon(t)

	// Inside a user and mount namespace, as rootless containers run.
	ns := mountpoint(t)
	script := fmt.Sprintf(`%s mount %s %s -o %s && echo ns > %s/inns && cat %s/inns && %s umount %s`,
		gosmbBin, s.UNC("share"), ns, opts(s), ns, ns, gosmbBin, ns)
	if out, err := run(t, "unshare", "-Urm", "sh", "-c", script); err != nil || !strings.Contains(out, "ns") {
		t.Fatalf("user-namespace mount: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(s.SharePath("share"), "inns")); string(b) != "ns\n" {
		t.Fatalf("server has %q", b)
	}
	waitNoDaemon(t)
}

// workloads run the same job on the mount and on local disk and log both
// wall times (no timed assertions: the machines are shared).
func timed(t *testing.T, what string, onMount, onDisk func() error) {
	t.Helper()
	start := time.Now()
	if err := onMount(); err != nil {
		t.Fatalf("%s on gosmb: %v", what, err)
	}
	m := time.Since(start)
	start = time.Now()
	if err := onDisk(); err != nil {
		t.Fatalf("%s on local disk: %v", what, err)
	}
	d := time.Since(start)
	t.Logf("WORKLOAD %-28s gosmb %8.2fs   local disk %8.2fs", what, m.Seconds(), d.Seconds())
}

func sh(dir, script string) error {
	cmd := exec.Command("sh", "-ec", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(os.TempDir(), "gosmb-gocache"), "GOFLAGS=-mod=mod",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func treeHash(root string) (map[string][32]byte, error) {
	out := map[string][32]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out[rel+"/"] = [32]byte{}
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		io.Copy(h, f)
		var sum [32]byte
		copy(sum[:], h.Sum(nil))
		out[rel] = sum
		return nil
	})
	return out, err
}

func TestWorkloads(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)+",actimeo=1"); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	local := t.TempDir()
	goroot := strings.TrimSpace(string(must(exec.Command("go", "env", "GOROOT").Output())))
	tarball := filepath.Join(t.TempDir(), "src.tar")
	if err := sh(goroot, "tar -cf "+tarball+" src"); err != nil {
		t.Fatal(err)
	}

	t.Run("untar-go-src", func(t *testing.T) {
		timed(t, "untar Go src", func() error { return sh(dir, "tar -xf "+tarball) },
			func() error { return sh(local, "tar -xf "+tarball) })
		want, err := treeHash(filepath.Join(goroot, "src"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := treeHash(filepath.Join(dir, "src"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d entries on the mount, %d in GOROOT/src", len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s differs", k)
			}
		}
		t.Logf("compared %d files and directories byte for byte", len(want))
	})
	t.Run("git", func(t *testing.T) {
		script := `mkdir repo && cd repo && git init -q && cp -r ../src/strings . && git add -A && git commit -qm one &&
echo change >> strings/strings.go && git status --short | grep -q strings.go && git commit -qam two &&
git log --oneline | wc -l | grep -q 2 && git gc -q && git fsck --no-progress`
		timed(t, "git init/add/commit/gc", func() error { return sh(dir, script) }, func() error { return sh(local, script) })
	})
	t.Run("go-build", func(t *testing.T) {
		script := `mkdir hello && cd hello && cat > go.mod <<EOT
module hello
go 1.21
EOT
cat > main.go <<EOT
package main
import "fmt"
func main() { fmt.Println("hello from the mount") }
EOT
go build -o hello . && ./hello | grep -q "hello from the mount"`
		timed(t, "go build", func() error { return sh(dir, script) }, func() error { return sh(local, script) })
	})
	t.Run("fio-verify", func(t *testing.T) {
		job := `fio --name=seq --rw=write --bs=1M --size=64M --verify=crc32c --filename=fio-seq --output=/dev/null &&
fio --name=rand --rw=randwrite --bs=4k --size=16M --verify=crc32c --filename=fio-rand --output=/dev/null`
		timed(t, "fio write+verify", func() error { return sh(dir, job) }, func() error { return sh(local, job) })
	})
	if out, err := run(t, "umount", dir); err != nil {
		t.Fatalf("umount: %v %s", err, out)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestFsyncSurvivesDaemonKill: what fsync acknowledged is on the server
// even when the daemon dies at once after (SIGKILL: no unmount, no flush).
func TestFsyncSurvivesDaemonKill(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	data := make([]byte, 24<<20+4321)
	rand.New(rand.NewSource(7)).Read(data)
	f, err := os.Create(filepath.Join(dir, "durable"))
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(data); off += 128 << 10 {
		if _, err := f.Write(data[off:min(off+128<<10, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pgrep", "-f", gosmbBin+" .*"+dir).Output()
	pids := strings.Fields(string(out))
	if len(pids) != 1 {
		t.Fatalf("want one daemon for %s, found %q", dir, pids)
	}
	if out, err := run(t, "kill", "-KILL", pids[0]); err != nil {
		t.Fatalf("kill: %v %s", err, out)
	}
	f.Close() // fails: the daemon is gone
	exec.Command("fusermount3", "-u", "-z", dir).Run()
	got, err := os.ReadFile(filepath.Join(s.SharePath("share"), "durable"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("server has %d bytes after the daemon's death, fsync acknowledged %d (equal prefix: %v)",
			len(got), len(data), bytes.Equal(got, data[:min(len(got), len(data))]))
	}
}
