package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// StartCapture runs tshark on loopback, capturing port into the file out,
// until stop is called.
func StartCapture(t *testing.T, port int, out string) (stop func()) {
	t.Helper()
	cmd := exec.Command("tshark", "-i", "lo", "-f", fmt.Sprintf("tcp port %d", port), "-w", out, "-q")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("tshark: %v (installed by test/scripts/install-deps.sh)", err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "Capturing on") {
				close(ready)
				once = true
			}
		}
		if !once {
			close(ready)
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("tshark did not start capturing")
	}
	time.Sleep(300 * time.Millisecond)
	return func() {
		time.Sleep(300 * time.Millisecond)
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}
}

// Tshark decodes the capture in pcap with tshark and the arguments given,
// and returns its output.
func Tshark(t *testing.T, pcap string, args ...string) string {
	t.Helper()
	args = append([]string{"-r", pcap}, args...)
	var stderr bytes.Buffer
	cmd := exec.Command("tshark", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}
