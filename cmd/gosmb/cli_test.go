package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gosmb/gosmb/test/harness"
)

// gosmb runs the CLI in-process and returns exit code, stdout and stderr.
func gosmb(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	oldOut, oldErr := os.Stdout, os.Stderr
	ro, wo, _ := os.Pipe()
	re, we, _ := os.Pipe()
	os.Stdout, os.Stderr = wo, we
	outc, errc := make(chan string), make(chan string)
	go func() { b, _ := io.ReadAll(ro); outc <- string(b) }()
	go func() { b, _ := io.ReadAll(re); errc <- string(b) }()
	code := run(append([]string{"gosmb"}, args...))
	wo.Close()
	we.Close()
	os.Stdout, os.Stderr = oldOut, oldErr
	return code, <-outc, <-errc
}

func TestCLIPutLsGet(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	opts := "port=" + itoa(s.Port) + ",username=" + s.User + ",password=" + s.Password
	local := filepath.Join(t.TempDir(), "in.bin")
	data := bytes.Repeat([]byte("gosmb cli "), 500000)
	os.WriteFile(local, data, 0o644)
	if code, _, stderr := gosmb(t, "put", local, s.UNC("share")+"/up.bin", "-o", opts); code != 0 {
		t.Fatalf("put: %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(s.SharePath("share"), "up.bin")); !bytes.Equal(b, data) {
		t.Fatal("server copy differs")
	}
	code, stdout, stderr := gosmb(t, "ls", s.UNC("share"), "-o", opts+",vers=3.0,seal")
	if code != 0 || !strings.Contains(stdout, "up.bin") || !strings.Contains(stdout, "5000000") {
		t.Fatalf("ls: %d %q %s", code, stdout, stderr)
	}
	out := filepath.Join(t.TempDir(), "out.bin")
	if code, _, stderr := gosmb(t, "get", s.UNC("share")+"/up.bin", out, "-o", opts); code != 0 {
		t.Fatalf("get: %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, data) {
		t.Fatal("downloaded copy differs")
	}
}

func TestCLIErrorsAreOneLine(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	port := "port=" + itoa(s.Port)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bad password", []string{"ls", s.UNC("share"), "-o", port + ",username=" + s.User + ",password=wrong"}, "logon failure"},
		{"missing share", []string{"ls", s.UNC("nosuch"), "-o", port + ",username=" + s.User + ",password=" + s.Password}, `no share named "nosuch"`},
		{"unreachable", []string{"ls", "//127.0.0.1/share", "-o", "port=1,username=x,password=y"}, "connection refused"},
		{"bad option", []string{"ls", s.UNC("share"), "-o", port + ",vers=9"}, `option "vers"`},
		{"missing path", []string{"ls", s.UNC("share") + "/no/such/dir", "-o", port + ",username=" + s.User + ",password=" + s.Password}, "no such file or directory"},
	} {
		code, _, stderr := gosmb(t, c.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code == 0 || len(lines) != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want one line containing %q", c.name, code, stderr, c.want)
		}
		if strings.Contains(stderr, s.Password) || strings.Contains(stderr, "password=y") {
			t.Errorf("%s: error shows a password: %q", c.name, stderr)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
