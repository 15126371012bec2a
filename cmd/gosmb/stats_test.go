package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A directory that no daemon serves, and one whose daemon died and left its
// socket, give one line naming the path.
func TestStatsNotAMount(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := gosmb(t, "stats", dir)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code == 0 || stdout != "" || len(lines) != 1 || !strings.Contains(stderr, dir+" is not a gosmb mount") {
		t.Fatalf("stats of a plain directory: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	gone := t.TempDir()
	path := controlPath(gone)
	os.MkdirAll(filepath.Dir(path), 0o755)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	t.Cleanup(func() { os.Remove(path) })
	code, _, stderr = gosmb(t, "stats", "--json", gone)
	lines = strings.Split(strings.TrimSpace(stderr), "\n")
	if code == 0 || len(lines) != 1 || !strings.Contains(stderr, gone+" is not a gosmb mount") || !strings.Contains(stderr, "daemon is gone") {
		t.Fatalf("stats of a mount whose daemon died: exit %d, stderr %q", code, stderr)
	}

	if code, _, stderr := gosmb(t, "stats"); code != 2 || !strings.Contains(stderr, "usage: gosmb stats") {
		t.Fatalf("stats without a mount point: exit %d, stderr %q", code, stderr)
	}
}

// The table lists the commands sent, in command order, with a total, and
// the mount's counters with exact byte counts.
func TestStatsText(t *testing.T) {
	r := &statsReport{
		Mountpoint: "/mnt/x", Share: "//srv/share", Server: "srv:445", Dialect: "3.1.1",
		Since: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		SMB: smbStats{
			Requests:  map[string]uint64{"NEGOTIATE": 1, "CREATE": 12, "CLOSE": 11, "WRITE": 1234, "QUERY_DIRECTORY": 0},
			Failures:  map[string]uint64{"CREATE": 3},
			BytesSent: 5000000, BytesReceived: 900,
			Latency: map[string]latency{"CREATE": {Count: 12, P50: 256, P90: 512, P99: 2048}},
		},
		Mount: mountStats{Opens: 7, ReusedOpens: 2, WriteBytes: 4096, DirtyPeakBytes: 1 << 20},
	}
	var b strings.Builder
	if err := writeStats(&b, r, r.Since.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"//srv/share on /mnt/x", "SMB 3.1.1", "(1m30s ago)",
		"  COMMAND      SENT  FAILED       p50       p90       p99\n",
		"  NEGOTIATE       1       0\n  CREATE         12       3    <256µs    <512µs    <2.0ms\n  CLOSE          11       0\n  WRITE        1234       0\n  total        1258       3\n",
		"bytes sent 5000000 (4.8 MiB), received 900\n",
		"opens         7\n", "reused opens  2\n", "written       4096 (4.0 KiB)\n", "dirty         0 now, peak 1048576 (1.0 MiB)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "QUERY_DIRECTORY") {
		t.Errorf("a command never sent is listed:\n%s", out)
	}
}
