package mount

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosmb/gosmb/test/harness"
)

// TestInfoKeysAndReset reads a sealed mount through `gosmb info`, `gosmb
// keys` and `gosmb stats --reset`: info names the dialect, the cipher and
// the session, never the password; the keys decrypt tshark's capture of
// the session, which without them shows no file name; --reset starts the
// counters again; other users get neither keys nor info.
func TestInfoKeysAndReset(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	pcap := filepath.Join(t.TempDir(), "sealed.pcap")
	stop := harness.StartCapture(t, s.Port, pcap)
	if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)+",seal"); err != nil {
		stop()
		t.Fatalf("mount: %v\n%s", err, out)
	}
	const name = "secret-name.txt"
	if err := os.WriteFile(filepath.Join(dir, name), []byte("sealed data\n"), 0o644); err != nil {
		stop()
		t.Fatal(err)
	}

	out, err := exec.Command(gosmbBin, "info", "--json", dir).Output()
	if err != nil {
		stop()
		t.Fatalf("gosmb info: %v %s", err, out)
	}
	var info struct {
		Share        string   `json:"share"`
		Dialect      string   `json:"dialect"`
		Encryption   string   `json:"encryption"`
		SessionID    string   `json:"session_id"`
		TreeID       uint32   `json:"tree_id"`
		Capabilities []string `json:"capabilities"`
		Channels     []struct {
			State string `json:"state"`
		} `json:"channels"`
		Credentials struct {
			User   string `json:"user"`
			Source string `json:"source"`
		} `json:"credentials"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		stop()
		t.Fatalf("gosmb info --json: %v\n%s", err, out)
	}
	if info.Share != s.UNC("share") || info.Dialect != "3.1.1" || !strings.HasPrefix(info.Encryption, "AES-") ||
		len(info.SessionID) != 16 || info.SessionID == strings.Repeat("0", 16) || info.TreeID == 0 ||
		!strings.Contains(strings.Join(info.Capabilities, " "), "LEASING") ||
		len(info.Channels) != 1 || info.Channels[0].State != "connected" ||
		info.Credentials.User != s.User || info.Credentials.Source != "password option" {
		stop()
		t.Fatalf("gosmb info of a sealed mount:\n%s", out)
	}
	text, err := exec.Command(gosmbBin, "info", dir).CombinedOutput()
	shown := false
	for _, l := range strings.Split(string(text), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "encryption" && f[1] == info.Encryption {
			shown = true
		}
	}
	if err != nil || !shown || strings.Contains(string(text), s.Password) {
		stop()
		t.Fatalf("gosmb info: %v\n%s", err, text)
	}

	keys, err := exec.Command(gosmbBin, "keys", dir).CombinedOutput()
	if err != nil {
		stop()
		t.Fatalf("gosmb keys: %v %s", err, keys)
	}
	var uat string
	for _, l := range strings.Split(string(keys), "\n") {
		if strings.HasPrefix(l, info.SessionID+",") {
			uat = l
		}
	}
	if uat == "" {
		stop()
		t.Fatalf("gosmb keys: no key table line for session %s:\n%s", info.SessionID, keys)
	}
	if exec.Command("id", "gosmbuser").Run() != nil {
		run(t, "useradd", "--system", "--no-create-home", "gosmbuser")
	}
	for _, cmd := range []string{"keys", "info", "stats", "trace"} {
		out, err := run(t, "runuser", "-u", "gosmbuser", "--", gosmbBin, cmd, dir)
		if err == nil || !strings.Contains(out, "only root") && !strings.Contains(out, "permission denied") {
			t.Errorf("gosmb %s by another user: %v %s", cmd, err, out)
		}
	}

	// --reset shows what was counted, then starts again from zero.
	before := readStats(t, "--json", "--reset", dir)
	if before.SMB.Requests["CREATE"] == 0 || before.Mount.WriteBytes == 0 {
		t.Errorf("stats before the reset: %+v", before)
	}
	time.Sleep(10 * time.Millisecond)
	after := readStats(t, "--json", dir)
	if after.SMB.Requests["CREATE"] != 0 || after.SMB.Requests["SESSION_SETUP"] != 0 || after.Mount.WriteBytes != 0 || !after.Since.After(before.Since) && !after.Since.Equal(before.Since) {
		t.Errorf("stats after the reset: %+v", after)
	}

	unmount(t, dir)
	stop()
	filter := []string{"-d", fmt.Sprintf("tcp.port==%d,nbss", s.Port), "-Y", `smb2.filename contains "secret-name"`, "-T", "fields", "-e", "smb2.filename"}
	if got := harness.Tshark(t, pcap, "-d", fmt.Sprintf("tcp.port==%d,nbss", s.Port), "-Y", "smb2.cmd == 1"); !strings.Contains(got, "Session Setup") {
		t.Fatalf("tshark does not see the session being set up in the capture:\n%s", got)
	}
	if got := harness.Tshark(t, pcap, filter...); strings.Contains(got, "secret-name") {
		t.Fatalf("the file name is readable in the capture without keys: the session is not sealed\n%s", got)
	}
	got := harness.Tshark(t, pcap, append([]string{"-o", "uat:smb2_seskey_list:" + uat}, filter...)...)
	if !strings.Contains(got, name) {
		t.Fatalf("gosmb keys did not decrypt the capture: no %q in\n%s", name, got)
	}
}

// TestTraceLatencyAndDebugdata: `gosmb trace` shows a failed lookup as it
// happens, `gosmb stats` has the round trips' percentiles, and `gosmb
// debugdata` lists the mount.
func TestTraceLatencyAndDebugdata(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	dir := mountpoint(t)
	unmount(t, dir)
	if out, err := run(t, "mount", "-t", "gosmb", s.UNC("share"), dir, "-o", opts(s)); err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	defer unmount(t, dir)
	trace := exec.Command(gosmbBin, "trace", "--json", "--cmd", "CREATE", "--errors", "--count", "1", dir)
	var out strings.Builder
	trace.Stdout, trace.Stderr = &out, &out
	if err := trace.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- trace.Wait() }()
	// Look the name up until the trace, once subscribed, has seen it.
	var err error
	deadline := time.After(10 * time.Second)
wait:
	for i := 0; ; i++ {
		os.Stat(filepath.Join(dir, fmt.Sprintf("no-such-name-%d", i)))
		select {
		case err = <-done:
			break wait
		case <-deadline:
			trace.Process.Kill()
			t.Fatalf("gosmb trace showed no failed CREATE in 10 s: %s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	var e struct {
		Kind      string `json:"kind"`
		Cmd       string `json:"cmd"`
		MID       uint64 `json:"mid"`
		Status    string `json:"status"`
		LatencyUS int64  `json:"latency_us"`
	}
	if err != nil || json.Unmarshal([]byte(out.String()), &e) != nil || e.Kind != "done" || e.Cmd != "CREATE" ||
		e.MID == 0 || e.Status != "STATUS_OBJECT_NAME_NOT_FOUND" {
		t.Fatalf("gosmb trace: %v %q", err, out.String())
	}

	st, err := exec.Command(gosmbBin, "stats", "--json", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	var stats struct {
		SMB struct {
			Latency map[string]struct {
				Count uint64 `json:"count"`
				P50   int64  `json:"p50_us"`
				P99   int64  `json:"p99_us"`
			} `json:"latency"`
		} `json:"smb"`
	}
	json.Unmarshal(st, &stats)
	if l := stats.SMB.Latency["CREATE"]; l.Count == 0 || l.P50 <= 0 || l.P99 < l.P50 {
		t.Fatalf("CREATE latency in gosmb stats: %+v\n%s", l, st)
	}

	dd, err := exec.Command(gosmbBin, "debugdata", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var mounts []struct {
		Mountpoint string `json:"mountpoint"`
		Dialect    string `json:"dialect"`
	}
	if err := json.Unmarshal(dd, &mounts); err != nil {
		t.Fatalf("gosmb debugdata --json: %v\n%s", err, dd)
	}
	found := false
	for _, m := range mounts {
		found = found || m.Mountpoint == dir && m.Dialect == "3.1.1"
	}
	if !found {
		t.Fatalf("gosmb debugdata does not list %s:\n%s", dir, dd)
	}
}
