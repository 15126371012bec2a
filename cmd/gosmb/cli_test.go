package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// Without password=, a terminal is asked, with echo off (script(1) gives the
// command a pseudo-terminal); without a terminal the error says what to do.
func TestPasswordPrompt(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	os.WriteFile(filepath.Join(s.SharePath("share"), "p.txt"), []byte("x"), 0o644)
	bin := filepath.Join(t.TempDir(), "gosmb")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v %s", err, out)
	}
	cmdline := bin + " ls " + s.UNC("share") + " -o port=" + itoa(s.Port) + ",username=" + s.User
	c := exec.Command("script", "-qec", cmdline, "/dev/null")
	c.Env = append(os.Environ(), "PASSWD=")
	stdin, _ := c.StdinPipe()
	pr, pw := io.Pipe()
	c.Stdout, c.Stderr = pw, pw
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- c.Wait(); pw.Close() }()
	// Type the password only once the prompt (and so echo-off) is there.
	chunk := make([]byte, 4096)
	for !strings.Contains(buf.String(), "Password for") {
		n, err := pr.Read(chunk)
		buf.Write(chunk[:n])
		if err != nil {
			t.Fatalf("no prompt: %s", buf.String())
		}
	}
	io.WriteString(stdin, s.Password+"\n")
	rest, _ := io.ReadAll(pr)
	buf.Write(rest)
	err := <-done
	out := buf.Bytes()
	if err != nil || !strings.Contains(string(out), "Password for "+s.User) || !strings.Contains(string(out), "p.txt") {
		t.Fatalf("prompted ls: %v\n%s", err, out)
	}
	if strings.Contains(string(out), s.Password) {
		t.Fatalf("password echoed: %s", out)
	}
	c = exec.Command(bin, "ls", s.UNC("share"), "-o", "port="+itoa(s.Port)+",username="+s.User)
	c.Env = append(os.Environ(), "PASSWD=")
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
	out, err = c.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no terminal") {
		t.Fatalf("without a terminal: %v %s", err, out)
	}
}
