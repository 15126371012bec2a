package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestGosmbMountsFromMountinfo(t *testing.T) {
	mi := filepath.Join(t.TempDir(), "mountinfo")
	os.WriteFile(mi, []byte(""+
		"22 1 0:21 / /proc rw,nosuid - proc proc rw\n"+
		"90 22 0:50 / /mnt/my\\040share rw,nosuid,nodev shared:5 - fuse.gosmb //srv/share rw,user_id=0\n"+
		"91 22 0:51 / /mnt/other rw - fuse.sshfs host: rw\n"+
		"92 22 0:52 / /mnt/b rw - fuse.gosmb //srv/b rw\n"+
		"garbage\n"), 0o644)
	got, err := gosmbMounts(mi)
	if want := []string{"/mnt/my share", "/mnt/b"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("gosmbMounts = %q, %v; want %q", got, err, want)
	}
}

func TestUsString(t *testing.T) {
	for us, want := range map[int64]string{1: "<1µs", 512: "<512µs", 2048: "<2.0ms", 4194304: "<4.2s"} {
		if got := usString(us); got != want {
			t.Errorf("usString(%d) = %q, want %q", us, got, want)
		}
	}
}

func TestTraceFilter(t *testing.T) {
	f := traceFilter{kinds: csvSet("done"), cmds: csvSet("CREATE,READ"), errors: true}
	for _, c := range []struct {
		e    traceEvent
		want bool
	}{
		{traceEvent{Kind: "done", Cmd: "CREATE", Status: "STATUS_OBJECT_NAME_NOT_FOUND"}, true},
		{traceEvent{Kind: "done", Cmd: "CREATE", Status: "STATUS_SUCCESS"}, false},
		{traceEvent{Kind: "send", Cmd: "CREATE"}, false},
		{traceEvent{Kind: "done", Cmd: "WRITE", Status: "STATUS_DISK_FULL"}, false},
	} {
		if got := f.match(&c.e); got != c.want {
			t.Errorf("match(%+v) = %v, want %v", c.e, got, c.want)
		}
	}
	if all := (traceFilter{}); !all.match(&traceEvent{Kind: "break"}) {
		t.Error("an empty filter dropped an event")
	}
}
