// Command bench measures gosmb against its peers in one run on this machine
// and prints a table. Machines here are shared and noisy: only numbers from
// the same run are compared, as ratios.
//
//	go run ./test/bench [-size 1024] [-runs 3] [-only gosmb,local]
//
// GOSMB_BENCH_OPTS appends mount options to gosmb's (",max_cached_dirs=16").
//
// Peers, each in a directory of its own:
//
//	local     the local disk the share lives on
//	loopback  go-fuse's loopback file system over that disk, passthrough off:
//	          the FUSE ceiling of this machine
//	gosmb     mount.gosmb of a loopback Samba share (posix)
//	rclone    rclone mount of the same Samba, --vfs-cache-mode off, and
//	rclone-w  the same with --vfs-cache-mode writes
//	smbclient put and get, for the bulk rows
//	smb-api   the same through gosmb's smb package, no FUSE (the protocol
//	          core against smbclient)
//
// Rows: sequential write and read of -size MiB (read with cold caches),
// 4 KiB random reads at queue depth 1 (fio), create+stat+unlink of 5,000
// small files, `ls -l` of a 10,000-entry directory cold (the peer's first
// look at it, right after mounting, kernel caches dropped) and warm (median
// of the next 3), lstat of 5,000 files by name in another directory cold
// and warm (lookup+getattr, no readdir), untar of Go's source tree, `git
// status` in a copy of that tree (warm: the second run), and the peak
// resident memory of the gosmb and rclone daemons during the streams.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

func main() {
	sizeMiB := flag.Int("size", 1024, "size of the sequential file, MiB")
	runs := flag.Int("runs", 3, "runs of the bulk rows; the median is reported")
	only := flag.String("only", "", "comma-separated peers to run (default: all)")
	flag.Parse()
	b := &bench{size: int64(*sizeMiB) << 20, runs: *runs, results: map[string]map[string]result{}}
	if *only != "" {
		b.only = map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			b.only[p] = true
		}
	}
	err := b.run()
	b.print(os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type result struct {
	v   float64
	err error
}

type peer struct {
	name    string
	dir     string // where workloads run
	backing string // the same files, seen locally (setup bypasses the peer)
	pid     int    // daemon whose memory is sampled, 0 for none
	stop    func()
}

type bench struct {
	size    int64
	runs    int
	only    map[string]bool
	tmp     string
	samba   *harness.Samba
	src     string // random file of size bytes
	tarball string
	entries int // in the tarball
	goroot  string

	mu      sync.Mutex
	results map[string]map[string]result // row -> peer -> result
	peers   []*peer
}

var rows = []struct {
	key, label, unit string
	higher           bool // higher is better
}{
	{"write", "sequential write", "MB/s", true},
	{"read", "sequential read, cold", "MB/s", true},
	{"randread", "4 KiB random read, QD1", "IOPS", true},
	{"smallfiles", "create+stat+unlink 5,000 files", "files/s", true},
	{"ls-cold", "ls -l, 10,000 entries, cold", "s", false},
	{"ls-warm", "ls -l, 10,000 entries, warm", "s", false},
	{"stat-cold", "stat 5,000 files, cold", "s", false},
	{"stat-warm", "stat 5,000 files, warm", "s", false},
	{"untar", "untar Go source tree", "files/s", true},
	{"gitstatus", "git status, warm", "s", false},
	{"rss", "peak daemon RSS, streams", "MiB", false},
}

func (b *bench) set(row, peer string, r result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.results[row] == nil {
		b.results[row] = map[string]result{}
	}
	b.results[row][peer] = r
}

func (b *bench) want(p string) bool { return b.only == nil || b.only[p] }

func (b *bench) run() error {
	var err error
	if b.tmp, err = os.MkdirTemp("/var/tmp", "gosmb-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	os.Chmod(b.tmp, 0o755)
	b.samba, err = harness.Start(filepath.Join(b.tmp, "samba"), harness.Config{
		Shares: []harness.Share{{Name: "gosmb"}, {Name: "rclone"}, {Name: "rclonew"}},
	})
	if err != nil {
		return err
	}
	defer b.samba.Stop()
	b.src = filepath.Join(b.tmp, "src.bin")
	if err := writeRandom(b.src, b.size); err != nil {
		return err
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	b.goroot = strings.TrimSpace(string(out))
	b.tarball = filepath.Join(b.tmp, "gosrc.tar")
	if err := sh(b.goroot, "tar -cf "+b.tarball+" src"); err != nil {
		return err
	}
	out, err = exec.Command("tar", "-tf", b.tarball).Output()
	if err != nil {
		return err
	}
	b.entries = bytes.Count(out, []byte("\n"))

	defer func() {
		for _, p := range b.peers {
			if p.stop != nil {
				p.stop()
			}
		}
	}()
	// Each peer runs alone, mounted after its backing files are in
	// place (rclone caches listings from its start).
	for _, start := range []func() (*peer, error){b.local, b.loopback, b.gosmb, b.rclone("rclone", "rclone", "off"), b.rclone("rclone-w", "rclonew", "writes")} {
		p, err := start()
		if err != nil {
			return err
		}
		if p == nil {
			continue
		}
		b.peers = append(b.peers, p)
		fmt.Fprintf(os.Stderr, "== %s\n", p.name)
		// First, while the peer has seen nothing of the metadata
		// directories: the cold rows must be its first look at them.
		b.ls(p)
		b.stat(p)
		b.bulk(p)
		b.randread(p)
		// The streams leave gigabytes of dirty pages on the disk the share
		// lives on; their write-out is not the next rows' cost.
		syscall.Sync()
		b.smallfiles(p)
		b.untar(p)
		b.gitstatus(p)
		if p.stop != nil {
			p.stop()
			p.stop = nil
		}
	}
	if b.want("smbclient") {
		b.smbclient()
	}
	if b.want("api") {
		if err := b.api(); err != nil {
			return err
		}
	}
	return nil
}

// api runs the bulk rows through the smb package itself (no FUSE): the
// protocol core's own speed, next to smbclient.
func (b *bench) api() error {
	ctx := context.Background()
	s := b.samba
	mech := auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: s.User, Password: s.Password}))
	sh, err := smb.DialShare(ctx, s.Host, "gosmb", mech, smb.Options{Port: s.Port})
	if err != nil {
		return err
	}
	defer sh.Close(ctx)
	data, err := os.ReadFile(b.src)
	if err != nil {
		return err
	}
	buf := make([]byte, len(data))
	copy(buf, data) // fault its pages in now, not while timed
	var wr, rd []float64
	var werr, rerr error
	for i := 0; i < b.runs && werr == nil && rerr == nil; i++ {
		dropCaches()
		d, err := timeIt(func() error { return apiWrite(ctx, sh, "api.bin", data) })
		if werr = err; err == nil {
			wr = append(wr, float64(b.size)/d.Seconds()/1e6)
		}
		dropCaches()
		// The file smbclient wrote and read: the same bytes on disk.
		d, err = timeIt(func() error { return apiRead(ctx, sh, "smbclient.bin", buf) })
		if rerr = err; err == nil {
			if !bytes.Equal(buf, data) {
				rerr = errors.New("data differs")
			}
			rd = append(rd, float64(b.size)/d.Seconds()/1e6)
		}
	}
	b.set("write", "smb-api", medianResult(wr, werr))
	b.set("read", "smb-api", medianResult(rd, rerr))
	return nil
}

// apiWrite writes data with one WriteAt: the smb package keeps 16 WRITEs
// of up to 4 MiB in flight across the whole range.
func apiWrite(ctx context.Context, sh *smb.Share, name string, data []byte) error {
	f, err := sh.Tree.Create(ctx, name, wire.CreateRequest{
		DesiredAccess: wire.GenericWrite | wire.GenericRead, ShareAccess: wire.ShareRead,
		CreateDisposition: wire.FileOverwriteIf, CreateOptions: wire.FileNonDirectoryFile,
	})
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(ctx, data, 0); err != nil {
		f.Close(ctx)
		return err
	}
	_, err = f.Close(ctx)
	return err
}

// apiRead reads the file with one ReadAt, 16 READs in flight.
func apiRead(ctx context.Context, sh *smb.Share, name string, buf []byte) error {
	f, err := sh.Tree.Open(ctx, name)
	if err != nil {
		return err
	}
	defer f.Close(ctx)
	if n, err := f.ReadAt(ctx, buf, 0); err != nil && !(err == io.EOF && n == len(buf)) {
		return err
	}
	return nil
}

// Peers.

// setup fills a peer's backing directory with what the workloads read:
// the random-read file, the 10,000-entry directory for ls, the 5,000 files
// for stat (a directory of their own, so that ls never shows them to the
// peer first) and the git repository (without the gc that commit would
// start in the background, repacking it behind the peer's back).
func (b *bench) setup(backing string) error {
	if err := copyN(filepath.Join(backing, "rand.bin"), b.src, min(b.size, 256<<20)); err != nil {
		return err
	}
	for _, d := range []struct {
		dir string
		n   int
	}{{lsDir, lsEntries}, {statDir, statFiles}} {
		dir := filepath.Join(backing, d.dir)
		os.MkdirAll(dir, 0o777)
		for i := 0; i < d.n; i++ {
			if err := os.WriteFile(filepath.Join(dir, entryName(i)), []byte("x"), 0o644); err != nil {
				return err
			}
		}
	}
	repo := filepath.Join(backing, "repo")
	if err := sh("/", "cp -a "+filepath.Join(b.goroot, "src")+" "+repo+" && cd "+repo+
		" && git init -q && git add -A && git -c user.name=b -c user.email=b@b -c gc.auto=0 -c maintenance.auto=false commit -qm tree"); err != nil {
		return err
	}
	return os.Chmod(repo, 0o777)
}

func (b *bench) local() (*peer, error) {
	if !b.want("local") {
		return nil, nil
	}
	d := filepath.Join(b.tmp, "local")
	os.MkdirAll(d, 0o755)
	return &peer{name: "local", dir: d, backing: d}, b.setup(d)
}

func (b *bench) loopback() (*peer, error) {
	if !b.want("loopback") {
		return nil, nil
	}
	orig, mnt := filepath.Join(b.tmp, "loop-orig"), filepath.Join(b.tmp, "loop-mnt")
	os.MkdirAll(orig, 0o755)
	os.MkdirAll(mnt, 0o755)
	if err := b.setup(orig); err != nil {
		return nil, err
	}
	bin := filepath.Join(b.tmp, "loopback")
	if out, err := exec.Command("go", "build", "-o", bin, "./test/bench/loopback").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building loopback: %v %s", err, out)
	}
	cmd := exec.Command(bin, orig, mnt)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		cmd.Process.Kill()
		return nil, fmt.Errorf("loopback did not mount: %q", line)
	}
	return &peer{name: "loopback", dir: mnt, backing: orig, pid: cmd.Process.Pid, stop: func() {
		exec.Command("fusermount3", "-u", mnt).Run()
		cmd.Wait()
	}}, nil
}

func (b *bench) gosmb() (*peer, error) {
	if !b.want("gosmb") {
		return nil, nil
	}
	mnt := filepath.Join(b.tmp, "gosmb-mnt")
	os.MkdirAll(mnt, 0o755)
	s := b.samba
	if err := b.setup(s.SharePath("gosmb")); err != nil {
		return nil, err
	}
	bin, _ := filepath.Abs("bin/gosmb")
	opts := fmt.Sprintf("port=%d,username=%s,password=%s,posix", s.Port, s.User, s.Password) + os.Getenv("GOSMB_BENCH_OPTS")
	if out, err := exec.Command(bin, "mount", s.UNC("gosmb"), mnt, "-o", opts).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gosmb mount: %v %s", err, out)
	}
	out, _ := exec.Command("pgrep", "-f", bin+" .*"+mnt).Output()
	pid, _ := strconv.Atoi(strings.Fields(string(out) + " 0")[0])
	return &peer{name: "gosmb", dir: mnt, backing: s.SharePath("gosmb"), pid: pid, stop: func() {
		exec.Command("umount", mnt).Run()
	}}, nil
}

func (b *bench) rclone(name, share, mode string) func() (*peer, error) {
	return func() (*peer, error) {
		if !b.want(name) {
			return nil, nil
		}
		if _, err := exec.LookPath("rclone"); err != nil {
			return nil, fmt.Errorf("rclone is not installed (make bench installs it: test/scripts/install-deps.sh bench)")
		}
		s := b.samba
		if err := b.setup(s.SharePath(share)); err != nil {
			return nil, err
		}
		pass, err := exec.Command("rclone", "obscure", s.Password).Output()
		if err != nil {
			return nil, err
		}
		mnt := filepath.Join(b.tmp, name+"-mnt")
		os.MkdirAll(mnt, 0o755)
		cache := filepath.Join(b.tmp, name+"-cache")
		cmd := exec.Command("rclone", "mount", "samba:"+share, mnt, "--vfs-cache-mode", mode,
			"--cache-dir", cache, "--allow-other", "--config", "/dev/null")
		cmd.Env = append(os.Environ(),
			"RCLONE_CONFIG_SAMBA_TYPE=smb", "RCLONE_CONFIG_SAMBA_HOST="+s.Host,
			"RCLONE_CONFIG_SAMBA_PORT="+strconv.Itoa(s.Port), "RCLONE_CONFIG_SAMBA_USER="+s.User,
			"RCLONE_CONFIG_SAMBA_PASS="+strings.TrimSpace(string(pass)))
		logf, _ := os.Create(filepath.Join(b.tmp, name+".log"))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		for i := 0; i < 100 && !mounted(mnt); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if !mounted(mnt) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("rclone mount of %s did not come up (log: %s)", share, logf.Name())
		}
		return &peer{name: name, dir: mnt, backing: s.SharePath(share), pid: cmd.Process.Pid, stop: func() {
			exec.Command("fusermount3", "-u", mnt).Run()
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
		}}, nil
	}
}

func mounted(dir string) bool {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	return strings.Contains(string(b), " "+dir+" ")
}

// Workloads.

func dropCaches() { os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0) }

// bulk runs the sequential write and read rows, sampling the daemon's
// memory meanwhile.
func (b *bench) bulk(p *peer) {
	stopRSS := sampleRSS(p.pid)
	var wr, rd []float64
	var werr, rerr error
	for i := 0; i < b.runs && werr == nil && rerr == nil; i++ {
		f := filepath.Join(p.dir, "seq.bin")
		os.Remove(f)
		dropCaches()
		d, err := timeIt(func() error {
			return run("dd", "if="+b.src, "of="+f, "bs=1M", "conv=fsync")
		})
		if werr = err; err == nil {
			wr = append(wr, float64(b.size)/d.Seconds()/1e6)
		}
		if werr == nil && !eventuallySame(b.src, filepath.Join(p.backing, "seq.bin")) {
			werr = errors.New("data differs on the server")
		}
		dropCaches()
		d, err = timeIt(func() error { return run("dd", "if="+f, "of=/dev/null", "bs=1M") })
		if rerr = err; err == nil {
			rd = append(rd, float64(b.size)/d.Seconds()/1e6)
		}
	}
	b.set("write", p.name, medianResult(wr, werr))
	b.set("read", p.name, medianResult(rd, rerr))
	if peak := stopRSS(); peak > 0 {
		b.set("rss", p.name, result{v: float64(peak) / (1 << 20)})
	}
}

func (b *bench) randread(p *peer) {
	size := min(b.size, 256<<20)
	dropCaches()
	out, err := exec.Command("fio", "--name=rr", "--rw=randread", "--bs=4k", "--iodepth=1", "--ioengine=psync",
		"--filename="+filepath.Join(p.dir, "rand.bin"), fmt.Sprintf("--size=%d", size), "--runtime=8", "--time_based",
		"--readonly", "--output-format=terse", "--terse-version=3").CombinedOutput()
	if err != nil {
		b.set("randread", p.name, result{err: fmt.Errorf("%v: %s", err, firstLine(out))})
		return
	}
	fields := strings.Split(strings.TrimSpace(string(out)), ";")
	if len(fields) < 9 {
		b.set("randread", p.name, result{err: fmt.Errorf("fio output: %q", firstLine(out))})
		return
	}
	iops, _ := strconv.ParseFloat(fields[7], 64) // terse v3: read iops
	b.set("randread", p.name, result{v: iops})
}

func (b *bench) smallfiles(p *peer) {
	dir := filepath.Join(p.dir, "small")
	os.MkdirAll(dir, 0o755)
	const n = 5000
	body := bytes.Repeat([]byte("x"), 100)
	d, err := timeIt(func() error {
		for i := 0; i < n; i++ {
			name := filepath.Join(dir, "f"+strconv.Itoa(i))
			if err := os.WriteFile(name, body, 0o644); err != nil {
				return err
			}
			if st, err := os.Stat(name); err != nil {
				return err
			} else if st.Size() != int64(len(body)) {
				return fmt.Errorf("%s: size %d after writing %d", name, st.Size(), len(body))
			}
			if err := os.Remove(name); err != nil {
				return err
			}
		}
		return nil
	})
	b.set("smallfiles", p.name, rate(n, d, err))
}

// The metadata directories that setup fills, and their sizes.
const (
	lsDir     = "ls10k"
	lsEntries = 10000
	statDir   = "stat5k"
	statFiles = 5000
	warmRuns  = 3 // the warm metadata rows report the median of these
)

func entryName(i int) string { return fmt.Sprintf("entry-%05d", i) }

// coldMetadata syncs and drops the page, dentry and inode caches, so that
// nothing the kernel holds answers for the peer. It is the first access
// through the peer's mount that makes the row cold: ls and stat run before
// any other workload, each in a directory of its own.
func coldMetadata() {
	syscall.Sync() // dirty inodes (setup's files, on local) cannot be dropped
	dropCaches()
}

// ls times `ls -l` of the 10,000-entry directory: the whole command, its
// output counted and thrown away. The first run is cold, then the median
// of warmRuns more is warm.
func (b *bench) ls(p *peer) {
	dir := filepath.Join(p.dir, lsDir)
	list := func() error {
		var lines lineCounter
		cmd := exec.Command("ls", "-l", dir)
		cmd.Stdout = &lines
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("ls -l: %v: %s", err, firstLine(stderr.Bytes()))
		}
		if n := int(lines) - 1; n != lsEntries { // less the "total" line
			return fmt.Errorf("listed %d entries, want %d", n, lsEntries)
		}
		return nil
	}
	b.coldWarm("ls", p.name, list)
}

// stat times os.Lstat of 5,000 files by name (no readdir: each is a lookup
// and a getattr), cold and then warm.
func (b *bench) stat(p *peer) {
	names := make([]string, statFiles)
	for i := range names {
		names[i] = filepath.Join(p.dir, statDir, entryName(i))
	}
	stat := func() error {
		for _, name := range names {
			st, err := os.Lstat(name)
			if err != nil {
				return err
			}
			if !st.Mode().IsRegular() || st.Size() != 1 {
				return fmt.Errorf("%s: mode %v size %d, want a regular file of 1 byte", name, st.Mode(), st.Size())
			}
		}
		return nil
	}
	b.coldWarm("stat", p.name, stat)
}

// coldWarm sets row+"-cold" to the time of f's first run after the caches
// were dropped and row+"-warm" to the median of the warmRuns runs after it.
func (b *bench) coldWarm(row, peer string, f func() error) {
	coldMetadata()
	d, err := timeIt(f)
	b.set(row+"-cold", peer, result{v: d.Seconds(), err: err})
	if err != nil {
		b.set(row+"-warm", peer, result{err: err})
		return
	}
	var warm []float64
	for i := 0; i < warmRuns && err == nil; i++ {
		d, err = timeIt(f)
		warm = append(warm, d.Seconds())
	}
	b.set(row+"-warm", peer, medianResult(warm, err))
}

// lineCounter is an io.Writer that counts newlines and keeps nothing.
type lineCounter int

func (c *lineCounter) Write(b []byte) (int, error) {
	*c += lineCounter(bytes.Count(b, []byte("\n")))
	return len(b), nil
}

func (b *bench) untar(p *peer) {
	dir := filepath.Join(p.dir, "untar")
	os.MkdirAll(dir, 0o755)
	d, err := timeIt(func() error { return sh(dir, "tar -xf "+b.tarball) })
	r := rate(b.entries, d, err)
	if err == nil {
		cmp := func() error {
			return sh("/", "diff -r -q "+filepath.Join(b.goroot, "src")+" "+filepath.Join(p.backing, "untar", "src"))
		}
		diff := cmp()
		for deadline := time.Now().Add(120 * time.Second); diff != nil && time.Now().Before(deadline); diff = cmp() {
			time.Sleep(2 * time.Second) // a peer still uploading after close
		}
		if diff != nil {
			r.err = fmt.Errorf("data differs on the server: %v", diff)
		}
	}
	b.set("untar", p.name, r)
}

func (b *bench) gitstatus(p *peer) {
	status := func() error {
		out, err := exec.Command("git", "-c", "safe.directory=*", "-C", filepath.Join(p.dir, "repo"), "status", "--porcelain").CombinedOutput()
		if err == nil && len(out) > 0 {
			return fmt.Errorf("tree not clean: %s", firstLine(out))
		}
		if err != nil {
			return fmt.Errorf("%v: %s", err, firstLine(out))
		}
		return nil
	}
	if err := status(); err != nil { // cold run: fills the caches
		b.set("gitstatus", p.name, result{err: err})
		return
	}
	var ds []float64
	var err error
	for i := 0; i < warmRuns && err == nil; i++ {
		var d time.Duration
		if d, err = timeIt(status); err == nil {
			ds = append(ds, d.Seconds())
		}
	}
	b.set("gitstatus", p.name, medianResult(ds, err))
}

func (b *bench) smbclient() {
	var wr, rd []float64
	var werr, rerr error
	for i := 0; i < b.runs && werr == nil && rerr == nil; i++ {
		dropCaches()
		d, err := timeIt(func() error { return smbclientCmd(b.samba, "put "+b.src+" smbclient.bin") })
		if werr = err; err == nil {
			wr = append(wr, float64(b.size)/d.Seconds()/1e6)
		}
		dropCaches()
		d, err = timeIt(func() error { return smbclientCmd(b.samba, "get smbclient.bin /dev/null") })
		if rerr = err; err == nil {
			rd = append(rd, float64(b.size)/d.Seconds()/1e6)
		}
	}
	b.set("write", "smbclient", medianResult(wr, werr))
	b.set("read", "smbclient", medianResult(rd, rerr))
}

func smbclientCmd(s *harness.Samba, cmd string) error {
	out, err := s.Smbclient("gosmb", cmd, "-m", "SMB3_11")
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// The table.

func (b *bench) print(w io.Writer) {
	cols := []string{"gosmb", "local", "loopback", "rclone", "rclone-w", "smbclient", "smb-api"}
	fmt.Fprintf(w, "gosmb bench: loopback Samba %s, %d MiB streams (median of %d), Go source tree of %d entries\n\n",
		sambaVersion(), b.size>>20, b.runs, b.entries)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "workload\tunit\t")
	for _, c := range cols {
		fmt.Fprint(tw, c+"\t")
	}
	fmt.Fprint(tw, "gosmb/local\tgosmb/rclone\tgosmb/smbclient\tapi/smbclient\t\n")
	for _, r := range rows {
		res := b.results[r.key]
		if res == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t", r.label, r.unit)
		for _, c := range cols {
			v, ok := res[c]
			switch {
			case !ok:
				fmt.Fprint(tw, "-\t")
			case v.err != nil:
				fmt.Fprint(tw, "error\t")
			default:
				fmt.Fprintf(tw, "%s\t", num(v.v))
			}
		}
		for _, c := range []string{"local", "rclone", "smbclient"} {
			fmt.Fprintf(tw, "%s\t", ratio(res["gosmb"], res[c], r.higher))
		}
		fmt.Fprintf(tw, "%s\t", ratio(res["smb-api"], res["smbclient"], r.higher))
		fmt.Fprint(tw, "\n")
	}
	tw.Flush()
	fmt.Fprintln(w, "\nratios: how many times better gosmb is (above 1: gosmb wins; for times and memory, the peer's value over gosmb's)")
	for _, r := range rows {
		for _, c := range cols {
			if v, ok := b.results[r.key][c]; ok && v.err != nil {
				fmt.Fprintf(w, "  %s, %s: %v\n", r.label, c, v.err)
			}
		}
	}
}

func ratio(ours, peer result, higher bool) string {
	if ours.err != nil || peer.err != nil || ours.v == 0 || peer.v == 0 {
		return "-"
	}
	if higher {
		return fmt.Sprintf("%.2fx", ours.v/peer.v)
	}
	return fmt.Sprintf("%.2fx", peer.v/ours.v)
}

func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// Helpers.

func medianResult(v []float64, err error) result {
	if err != nil {
		return result{err: err}
	}
	if len(v) == 0 {
		return result{err: errors.New("no runs")}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return result{v: s[len(s)/2]}
}

func rate(n int, d time.Duration, err error) result {
	if err != nil {
		return result{err: err}
	}
	return result{v: float64(n) / d.Seconds()}
}

func timeIt(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, firstLine(out))
	}
	return nil
}

func sh(dir, script string) error {
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", script, err, firstLine(out))
	}
	return nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
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

func copyN(dst, src string, n int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(out, in, n); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// eventuallySame compares a file with its copy on the server, allowing a
// peer that uploads after close (rclone's write cache) 60 s to finish.
func eventuallySame(a, b string) bool {
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if run("cmp", "-s", a, b) == nil {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// sampleRSS samples a process's resident memory until the returned
// function is called, which returns the peak in bytes.
func sampleRSS(pid int) func() int64 {
	if pid == 0 {
		return func() int64 { return 0 }
	}
	done := make(chan struct{})
	var peak int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if rss := readRSS(pid); rss > peak {
				peak = rss
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(done); wg.Wait(); return peak }
}

func readRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func sambaVersion() string {
	out, err := exec.Command("smbd", "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(strings.TrimPrefix(string(out), "Version "))
}
