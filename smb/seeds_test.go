package smb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

// TestRecordSeeds refreshes the fuzz seed corpora of smb/wire and smb/fscc
// from a real Samba: run with GOSMB_UPDATE_SEEDS=1. Without it, the test
// checks that the committed corpora exist, so a fresh clone cannot fuzz
// with nothing.
func TestRecordSeeds(t *testing.T) {
	wireDir := filepath.Join("wire", "testdata", "samba")
	fsccDir := filepath.Join("fscc", "testdata", "samba")
	if os.Getenv("GOSMB_UPDATE_SEEDS") == "" {
		for _, d := range []string{wireDir, fsccDir} {
			ents, err := os.ReadDir(d)
			if err != nil || len(ents) < 5 {
				t.Fatalf("seed corpus %s missing (%v): run GOSMB_UPDATE_SEEDS=1 go test -run TestRecordSeeds ./smb/", d, err)
			}
		}
		return
	}
	os.RemoveAll(wireDir)
	os.RemoveAll(fsccDir)
	os.MkdirAll(wireDir, 0o755)
	os.MkdirAll(fsccDir, 0o755)
	var mu sync.Mutex
	counts := map[string]int{}
	record := func(prefix string) func([]byte) {
		return func(msg []byte) {
			h, err := wire.ParseHeader(msg)
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			name := fmt.Sprintf("%s-%s-%08x", prefix, h.Command, uint32(h.Status))
			if counts[name] >= 3 {
				return
			}
			counts[name]++
			os.WriteFile(filepath.Join(wireDir, fmt.Sprintf("%s-%d.bin", name, counts[name])), msg, 0o644)
		}
	}
	s := harness.StartSamba(t, harness.Config{})
	for i := 0; i < 5; i++ {
		os.WriteFile(filepath.Join(s.SharePath("share"), fmt.Sprintf("f%d.txt", i)), []byte("seed data"), 0o644)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range []struct {
		name string
		opts smb.Options
	}{
		{"311posix", smb.Options{POSIX: true, RequireSigning: true}},
		{"311", smb.Options{}},
		{"300", smb.Options{MinDialect: wire.SMB300, MaxDialect: wire.SMB300}},
		{"202", smb.Options{MinDialect: wire.SMB202, MaxDialect: wire.SMB202}},
	} {
		c.opts.Port = s.Port
		c.opts.OnMessage = record(c.name)
		sh, err := smb.DialShare(ctx, s.Host, "share", ntlm(s.User, s.Password), c.opts)
		if err != nil {
			t.Fatal(err)
		}
		tr := sh.Tree
		tr.ReadDir(ctx, "")
		tr.Stat(ctx, "f1.txt")
		tr.Stat(ctx, "missing")
		tr.StatFS(ctx)
		f, err := tr.Open(ctx, "f2.txt")
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 100)
		f.ReadAt(ctx, buf, 0)
		for _, q := range []struct {
			typ, class uint8
			addl       uint32
			name       string
		}{
			{wire.InfoFile, uint8(fscc.FileAllInformation), 0, "all"},
			{wire.InfoFile, uint8(fscc.FileStreamInformationClass), 0, "stream"},
			{wire.InfoFilesystem, uint8(fscc.FileFsAttributeInformation), 0, "fsattr"},
			{wire.InfoFilesystem, uint8(fscc.FileFsFullSizeInformation), 0, "fsfull"},
			{wire.InfoSecurity, 0, wire.OwnerSecurityInformation | wire.GroupSecurityInformation | wire.DACLSecurityInformation, "secdesc"},
		} {
			if b, err := f.QueryInfo(ctx, q.typ, q.class, q.addl, 4096); err == nil {
				os.WriteFile(filepath.Join(fsccDir, fmt.Sprintf("%s-%s.bin", c.name, q.name)), b, 0o644)
			}
		}
		if c.opts.POSIX {
			if b, err := f.QueryInfo(ctx, wire.InfoFile, uint8(fscc.FilePosixInformation), 0, 4096); err == nil {
				os.WriteFile(filepath.Join(fsccDir, c.name+"-posix.bin"), b, 0o644)
			}
		}
		f.Close(ctx)
		d, err := tr.Open(ctx, "")
		if err == nil {
			class := fscc.FileIdBothDirectoryInformation
			if c.opts.POSIX {
				class = fscc.FilePosixInformation
			}
			if b, err := d.QueryDirectory(ctx, uint8(class), wire.RestartScans, "*", 65536); err == nil {
				os.WriteFile(filepath.Join(fsccDir, fmt.Sprintf("%s-dir-%d.bin", c.name, class)), b, 0o644)
			}
			d.Close(ctx)
		}
		recordNotify(ctx, t, tr, filepath.Join(fsccDir, c.name+"-notify.bin"))
		sh.Close(ctx)
	}
}

// recordNotify keeps a CHANGE_NOTIFY reply to a create and a rename.
func recordNotify(ctx context.Context, t *testing.T, tr *smb.Tree, out string) {
	d, err := tr.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	got := make(chan []byte, 1)
	go func() {
		b, _ := d.ChangeNotify(ctx, wire.FileNotifyChangeFileName|wire.FileNotifyChangeSize, false, 4096)
		got <- b
	}()
	time.Sleep(100 * time.Millisecond)
	name := fmt.Sprintf("n%d.txt", time.Now().UnixNano())
	f, err := tr.Create(ctx, name, wire.CreateRequest{DesiredAccess: wire.GenericWrite, ShareAccess: wire.ShareRead | wire.ShareWrite | wire.ShareDelete, CreateDisposition: wire.FileCreate})
	if err != nil {
		t.Fatal(err)
	}
	f.Close(ctx)
	tr.Rename(ctx, name, name+".renamed", false, nil)
	b := <-got
	if len(b) == 0 {
		t.Fatal("empty CHANGE_NOTIFY reply")
	}
	os.WriteFile(out, b, 0o644)
}
