package mount

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosmb/gosmb/test/harness"
)

// mountStats is what scripts read from `gosmb stats --json`.
type mountStats struct {
	Mountpoint string    `json:"mountpoint"`
	Share      string    `json:"share"`
	Since      time.Time `json:"since"`
	SMB        struct {
		Requests  map[string]uint64 `json:"requests"`
		Failures  map[string]uint64 `json:"failures"`
		BytesSent uint64            `json:"bytes_sent"`
		BytesRecv uint64            `json:"bytes_received"`
		Parked    int               `json:"parked"`
	} `json:"smb"`
	Mount struct {
		Opens      uint64 `json:"opens"`
		ReadBytes  uint64 `json:"read_bytes"`
		WriteBytes uint64 `json:"write_bytes"`
		DirtyBytes int64  `json:"dirty_bytes"`
	} `json:"mount"`
}

func readStats(t *testing.T, args ...string) mountStats {
	t.Helper()
	out, err := exec.Command(gosmbBin, append([]string{"stats"}, args...)...).Output()
	if err != nil {
		t.Fatalf("gosmb stats %s: %v %s", strings.Join(args, " "), err, out)
	}
	var st mountStats
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("gosmb stats %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return st
}

// TestStats reads a live mount's counters through `gosmb stats`: writing
// and reading a file shows up as CREATE and WRITE requests and as bytes,
// a stat the cache answers sends nothing, other users are refused, and the
// mount point stops answering once unmounted.
func TestStats(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	// actimeo=30: the second stat below is within the attribute timeout
	// however slow this shared machine is.
	if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)+",actimeo=30"); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	st := readStats(t, "--json", dir)
	if st.Mountpoint != dir || st.Share != s.UNC("share") || st.SMB.Requests["NEGOTIATE"] == 0 || st.SMB.Requests["SESSION_SETUP"] == 0 ||
		st.SMB.Requests["TREE_CONNECT"] != 1 || len(st.SMB.Requests) < 19 {
		t.Fatalf("stats of a fresh mount: %+v", st)
	}

	data := bytes.Repeat([]byte("counted "), 64<<10) // 512 KiB
	f, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("read back: %v, %d bytes", err, len(b))
	}
	before := st
	st = readStats(t, dir, "--json") // the flag after the mount point works too
	if st.SMB.Requests["CREATE"] <= before.SMB.Requests["CREATE"] || st.SMB.Requests["WRITE"] == 0 ||
		st.SMB.BytesSent < uint64(len(data)) || st.Mount.Opens == 0 ||
		st.Mount.WriteBytes < uint64(len(data)) || st.Mount.ReadBytes < uint64(len(data)) {
		t.Fatalf("after writing and reading %d bytes: %+v", len(data), st)
	}
	if st.Mount.DirtyBytes != 0 {
		t.Fatalf("%d dirty bytes after fsync and close", st.Mount.DirtyBytes)
	}

	// A warm stat is answered from the cache: no new CREATE.
	if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
		t.Fatal(err)
	}
	warm := readStats(t, "--json", dir)
	if _, err := os.Stat(filepath.Join(dir, "f")); err != nil {
		t.Fatal(err)
	}
	again := readStats(t, "--json", dir)
	if again.SMB.Requests["CREATE"] != warm.SMB.Requests["CREATE"] {
		t.Fatalf("a warm stat sent %d CREATE", again.SMB.Requests["CREATE"]-warm.SMB.Requests["CREATE"])
	}

	// The table a person reads.
	out, err := run(t, gosmbBin, "stats", dir)
	if err != nil {
		t.Fatalf("gosmb stats: %v\n%s", err, out)
	}
	for _, want := range []string{s.UNC("share") + " on " + dir, "COMMAND", "\n  CREATE ", "\n  WRITE ", "\n  total ", "\n  opens ", "\n  written "} {
		if !strings.Contains(out, want) {
			t.Errorf("gosmb stats lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "OPLOCK_BREAK") && again.SMB.Requests["OPLOCK_BREAK"] == 0 {
		t.Errorf("a command never sent is listed:\n%s", out)
	}
	t.Logf("gosmb stats:\n%s", out)

	// Only root and the mount's owner are answered.
	if exec.Command("id", "gosmbuser").Run() != nil {
		run(t, "useradd", "--system", "--no-create-home", "gosmbuser")
	}
	out, err = run(t, "runuser", "-u", "gosmbuser", "--", gosmbBin, "stats", dir)
	if err == nil || !strings.Contains(out, "permission denied") || strings.Contains(out, "CREATE") {
		t.Fatalf("stats by another user: %v %s", err, out)
	}

	if out, err := run(t, "umount", dir); err != nil {
		t.Fatalf("umount: %v %s", err, out)
	}
	waitNoDaemon(t)
	out, err = run(t, gosmbBin, "stats", dir)
	if err == nil || !strings.Contains(out, dir+" is not a gosmb mount") || strings.Count(strings.TrimSpace(out), "\n") > 0 {
		t.Fatalf("stats after unmount: %v %q", err, out)
	}
}

// TestNotifyOption: mount(8) with -o notify watches the root at once
// (a CHANGE_NOTIFY queued on the server); without it nothing is queued.
func TestNotifyOption(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	for _, o := range []struct {
		opt    string
		parked int
	}{{",notify", 1}, {"", 0}} {
		dir := mountpoint(t)
		unmount(t, dir)
		if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)+o.opt); err != nil {
			t.Fatalf("mount%s: %v\n%s", o.opt, err, out)
		}
		var st mountStats
		for i := 0; i < 100; i++ {
			if st = readStats(t, "--json", dir); st.SMB.Parked == o.parked && st.SMB.Requests["CHANGE_NOTIFY"] == uint64(o.parked) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if st.SMB.Parked != o.parked || st.SMB.Requests["CHANGE_NOTIFY"] != uint64(o.parked) {
			t.Errorf("mount%s: %d parked, %d CHANGE_NOTIFY, want %d", o.opt, st.SMB.Parked, st.SMB.Requests["CHANGE_NOTIFY"], o.parked)
		}
		unmount(t, dir)
	}
}
