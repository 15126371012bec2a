// Command bench measures gosmb against its peers in one run on this machine
// and prints a table of ratios. Machines here are shared and noisy, so only
// numbers from the same run are compared.
//
//	go run ./test/bench [-size 1024] [-runs 3]
//
// Rows: a sequential write and read of one file through the smb API
// (smb.File.WriteAt/ReadAt, 4 MiB requests, 8 in flight) next to smbclient
// put/get of the same file, against a private loopback Samba.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

func main() {
	sizeMiB := flag.Int("size", 1024, "file size in MiB")
	runs := flag.Int("runs", 3, "runs per row; the median is reported")
	flag.Parse()
	if err := run(*sizeMiB, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type row struct {
	name  string
	mbps  []float64
	peer  string
	notes string
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func run(sizeMiB, runs int) error {
	dir, err := os.MkdirTemp("", "gosmb-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := harness.Start(filepath.Join(dir, "samba"), harness.Config{})
	if err != nil {
		return err
	}
	defer s.Stop()

	size := int64(sizeMiB) << 20
	local := filepath.Join(dir, "src.bin")
	if err := writeRandom(local, size); err != nil {
		return err
	}
	ctx := context.Background()
	mech := func() auth.Mechanism {
		return auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: s.User, Password: s.Password}))
	}
	sh, err := smb.DialShare(ctx, s.Host, "share", mech(), smb.Options{Port: s.Port})
	if err != nil {
		return err
	}
	defer sh.Close(ctx)

	data, err := os.ReadFile(local)
	if err != nil {
		return err
	}
	rows := map[string]*row{
		"api write":     {name: "smb API sequential write"},
		"smbclient put": {name: "smbclient put"},
		"api read":      {name: "smb API sequential read"},
		"smbclient get": {name: "smbclient get"},
	}
	mbps := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }
	for i := 0; i < runs; i++ {
		// API write.
		d, err := timeIt(func() error { return apiWrite(ctx, sh, "api.bin", data) })
		if err != nil {
			return fmt.Errorf("api write: %w", err)
		}
		rows["api write"].mbps = append(rows["api write"].mbps, mbps(d))
		// smbclient put.
		d, err = timeIt(func() error {
			return smbclient(s, fmt.Sprintf("put %s peer.bin", local))
		})
		if err != nil {
			return fmt.Errorf("smbclient put: %w", err)
		}
		rows["smbclient put"].mbps = append(rows["smbclient put"].mbps, mbps(d))
		// Drop the server's page cache influence equally: both read files
		// written moments ago.
		buf := make([]byte, size)
		d, err = timeIt(func() error { return apiRead(ctx, sh, "api.bin", buf) })
		if err != nil {
			return fmt.Errorf("api read: %w", err)
		}
		if !bytes.Equal(buf, data) {
			return fmt.Errorf("api read: data differs from what was written")
		}
		rows["api read"].mbps = append(rows["api read"].mbps, mbps(d))
		out := filepath.Join(dir, "peer.out")
		d, err = timeIt(func() error { return smbclient(s, fmt.Sprintf("get peer.bin %s", out)) })
		if err != nil {
			return fmt.Errorf("smbclient get: %w", err)
		}
		rows["smbclient get"].mbps = append(rows["smbclient get"].mbps, mbps(d))
		os.Remove(out)
	}

	fmt.Printf("gosmb bench: %d MiB file, loopback Samba %s, median of %d runs\n\n", sizeMiB, sambaVersion(), runs)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "workload\tgosmb MB/s\tpeer\tpeer MB/s\tratio")
	pair := func(ours, peer, label string) {
		a, b := median(rows[ours].mbps), median(rows[peer].mbps)
		fmt.Fprintf(w, "%s\t%.0f\t%s\t%.0f\t%.2fx\n", label, a, rows[peer].name, b, a/b)
	}
	pair("api write", "smbclient put", "sequential write (smb API)")
	pair("api read", "smbclient get", "sequential read (smb API)")
	return w.Flush()
}

func timeIt(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func writeRandom(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyN(f, rand.Reader, size)
	return err
}

func apiWrite(ctx context.Context, sh *smb.Share, name string, data []byte) error {
	f, err := sh.Tree.Create(ctx, name, wire.CreateRequest{
		DesiredAccess: wire.GenericWrite | wire.GenericRead, ShareAccess: wire.ShareRead,
		CreateDisposition: wire.FileOverwriteIf, CreateOptions: wire.FileNonDirectoryFile,
	})
	if err != nil {
		return err
	}
	const block = 64 << 20
	for off := 0; off < len(data); off += block {
		end := min(off+block, len(data))
		if _, err := f.WriteAt(ctx, data[off:end], int64(off)); err != nil {
			f.Close(ctx)
			return err
		}
	}
	_, err = f.Close(ctx)
	return err
}

func apiRead(ctx context.Context, sh *smb.Share, name string, buf []byte) error {
	f, err := sh.Tree.Open(ctx, name)
	if err != nil {
		return err
	}
	defer f.Close(ctx)
	const block = 64 << 20
	for off := 0; off < len(buf); off += block {
		end := min(off+block, len(buf))
		if n, err := f.ReadAt(ctx, buf[off:end], int64(off)); err != nil && !(err == io.EOF && n == end-off) {
			return err
		}
	}
	return nil
}

func smbclient(s *harness.Samba, cmd string) error {
	out, err := s.Smbclient("share", cmd, "-m", "SMB3_11")
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func sambaVersion() string {
	out, err := exec.Command("smbd", "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(strings.TrimPrefix(string(out), "Version "))
}
