package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSambaStartsAndServes(t *testing.T) {
	s := StartSamba(t, Config{})
	if err := os.WriteFile(filepath.Join(s.SharePath("share"), "hello.txt"), []byte("hi"), 0o666); err != nil {
		t.Fatal(err)
	}
	out, err := s.Smbclient("share", "ls", "-m", "SMB3_11")
	if err != nil || !strings.Contains(out, "hello.txt") {
		t.Fatalf("smbclient ls: %v\n%s", err, out)
	}
}
