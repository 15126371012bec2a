package fs

import (
	"bytes"
	"fmt"
	iofs "io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

// Coherence with other clients, as a user of the mount sees it: what
// `ls` and `stat` show after someone else changed the directory.

// listNames lists dir as ls does (sorted names).
func listNames(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return "[" + strings.Join(names, " ") + "]"
}

// sizeOf is the size stat shows, or -1 when the name does not exist.
func sizeOf(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if os.IsNotExist(err) {
		return -1
	}
	if err != nil {
		t.Fatalf("stat %s: %v", p, err)
	}
	return st.Size()
}

// readsAs reports whether p's contents are want.
func readsAs(p, want string) bool {
	b, err := os.ReadFile(p)
	return err == nil && string(b) == want
}

// coherenceStep is a change by another client and what our mount must
// show after it.
type coherenceStep struct {
	what   string
	change func() error
	seen   func() bool // our mount shows the change (one ls and stats)
}

// waitSeen polls seen until it holds or limit has passed since start.
// It returns how long that took, and whether the very first look (right
// after the change returned) already showed it.
func waitSeen(t *testing.T, what string, start time.Time, limit time.Duration, seen func() bool) (time.Duration, bool) {
	t.Helper()
	first := true
	atOnce := false
	for {
		ok := seen()
		if first {
			atOnce, first = ok, false
		}
		if ok {
			return time.Since(start), atOnce
		}
		if d := time.Since(start); d > limit {
			t.Fatalf("%s by another client not seen on the mount after %v (limit %v)", what, d.Round(time.Millisecond), limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDirCacheCoherenceWithSmbclient: our mount caches a directory under a
// directory lease; smbclient, a different SMB client, then creates,
// rewrites, renames and deletes entries in it. Each change must break the
// lease, so our mount shows it at the next ls or stat, far sooner than the
// 30 s dir_cache_timeout the kernel was told while the lease was held.
func TestDirCacheCoherenceWithSmbclient(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	conf, err := os.ReadFile(s.ConfPath())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(conf, []byte("smb3 directory leases = yes")) {
		t.Fatalf("the test server does not grant directory leases; smb.conf:\n%s", conf)
	}
	r := mountOn(t, s, true, Config{DirCacheTimeout: 30 * time.Second})
	if !r.m.share.Conn.DirectoryLeasing() {
		t.Fatal("Samba did not offer directory leasing")
	}
	if err := os.Mkdir(r.p("d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.p("d/a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Files smbclient puts, outside any mount.
	local := t.TempDir()
	src2 := filepath.Join(local, "two")
	src6 := filepath.Join(local, "six")
	os.WriteFile(src2, []byte("bb"), 0o644)
	os.WriteFile(src6, []byte("longer"), 0o644)
	smbclient := func(cmds string) error {
		out, err := s.Smbclient("share", cmds)
		if err != nil || strings.Contains(out, "NT_STATUS_") {
			return fmt.Errorf("smbclient -c %q: %v: %s", cmds, err, out)
		}
		return nil
	}

	c := r.m.share.Conn
	// cached lists and stats d and its entries, then does so again and
	// checks the second round needed no CREATE: the directory lease, not
	// the kernel's short attribute cache, is what answers.
	cached := func(step string) {
		t.Helper()
		look := func() {
			listNames(t, r.p("d"))
			ents, _ := os.ReadDir(r.p("d"))
			for _, e := range ents {
				sizeOf(t, r.p("d/"+e.Name()))
			}
			sizeOf(t, r.p("d"))
			sizeOf(t, r.p("d/nosuchfile")) // negative lookups: never kept by the kernel here
		}
		look()
		before := c.Stats.Requests[wire.CmdCreate].Load()
		look()
		if n := c.Stats.Requests[wire.CmdCreate].Load() - before; n != 0 {
			t.Fatalf("before %s: a second ls and stat of the directory sent %d CREATEs: it is not cached under a lease, so this step would test nothing", step, n)
		}
	}

	steps := []coherenceStep{
		{"create (put)", func() error { return smbclient(`cd d; put ` + src2 + ` b`) },
			func() bool { return sizeOf(t, r.p("d/b")) == 2 && listNames(t, r.p("d")) == "[a b]" }},
		{"rewrite (put over a, 1 -> 6 bytes)", func() error { return smbclient(`cd d; put ` + src6 + ` a`) },
			func() bool { return sizeOf(t, r.p("d/a")) == 6 && readsAs(r.p("d/a"), "longer") }},
		{"rewrite after reading (put over a, 6 -> 2 bytes)", func() error { return smbclient(`cd d; put ` + src2 + ` a`) },
			func() bool { return sizeOf(t, r.p("d/a")) == 2 && readsAs(r.p("d/a"), "bb") }},
		{"rename b -> c", func() error { return smbclient(`cd d; rename b c`) },
			func() bool {
				return sizeOf(t, r.p("d/b")) == -1 && sizeOf(t, r.p("d/c")) == 2 && listNames(t, r.p("d")) == "[a c]"
			}},
		{"delete c (del)", func() error { return smbclient(`cd d; del c`) },
			func() bool { return sizeOf(t, r.p("d/c")) == -1 && listNames(t, r.p("d")) == "[a]" }},
	}
	for _, st := range steps {
		cached(st.what)
		if strings.HasPrefix(st.what, "rewrite after reading") {
			// Our mount holds a's data too: the user reads it
			// before smbclient rewrites it.
			if !readsAs(r.p("d/a"), "longer") {
				t.Fatal("a does not read back as before")
			}
		}
		breaks := r.m.Stats().Breaks
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.what, err)
		}
		d, _ := waitSeen(t, st.what, time.Now(), 2*time.Second, st.seen)
		if d > 500*time.Millisecond {
			t.Logf("%s by smbclient seen after %v", st.what, d.Round(time.Millisecond))
		}
		if r.m.Stats().Breaks == breaks {
			t.Errorf("%s: seen, but no lease break arrived: was the directory cached at all?", st.what)
		}
	}
	// And the directory is cached again afterwards.
	cached("the end")
}

// TestStalenessBoundedWithoutLeases: against a Samba that grants no leases
// and no oplocks, nothing vouches for what the mount caches but actimeo.
// Another client creates, rewrites, renames and deletes entries of a
// directory our mount just listed and stat'ed; our ls and stat must show
// each change within actimeo (plus a margin), and at once with actimeo=0.
func TestStalenessBoundedWithoutLeases(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{Global: map[string]string{
		"smb2 leases":           "no",
		"smb3 directory leases": "no",
		"oplocks":               "no", // nor batch oplocks, which the client asks for instead
		"kernel oplocks":        "no",
	}})
	w := mountOn(t, s, true, Config{}) // the other client
	if err := os.Mkdir(w.p("d"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Files made on the server's disk belong to the share's user, so that
	// the SMB client can rewrite them.
	u, err := user.Lookup(s.User)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	onDisk := func(p string, data []byte) error {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	}

	run := func(t *testing.T, r *env, attrTimeout, limit time.Duration, viaDisk bool) {
		if c := r.m.share.Conn; c.Leasing() || c.DirectoryLeasing() {
			t.Fatalf("server grants leases (file %v, directory %v): this test needs none", c.Leasing(), c.DirectoryLeasing())
		}
		if got := r.m.AttrTimeout(); got != attrTimeout {
			t.Fatalf("mount's attribute timeout is %v, want %v", got, attrTimeout)
		}
		// Start from d holding just a, of 1 byte.
		ents, _ := os.ReadDir(w.sp("d"))
		for _, e := range ents {
			os.Remove(w.sp("d/" + e.Name()))
		}
		if err := onDisk(w.sp("d/a"), []byte("a")); err != nil {
			t.Fatal(err)
		}

		// The other client: a second SMB mount, or a program on the
		// server itself.
		other, write := w.p, func(p string, data []byte) error { return os.WriteFile(p, data, 0o644) }
		if viaDisk {
			other, write = w.sp, onDisk
		}
		look := func() {
			listNames(t, r.p("d"))
			for _, n := range []string{"a", "b", "c"} {
				sizeOf(t, r.p("d/"+n))
			}
		}
		// Without leases a listing must go to the server each time.
		look()
		creates := r.m.share.Conn.Stats.Requests[wire.CmdCreate].Load()
		listNames(t, r.p("d"))
		if r.m.share.Conn.Stats.Requests[wire.CmdCreate].Load() == creates {
			t.Fatal("a second listing sent no CREATE though the server grants no directory lease")
		}
		r.m.mu.Lock()
		ncached := len(r.m.cachedDirs)
		r.m.mu.Unlock()
		if ncached != 0 {
			t.Fatalf("%d directories cached without a directory lease", ncached)
		}

		steps := []coherenceStep{
			{"create b", func() error { return write(other("d/b"), []byte("bb")) },
				func() bool { return sizeOf(t, r.p("d/b")) == 2 && listNames(t, r.p("d")) == "[a b]" }},
			{"rewrite a (1 -> 6 bytes)", func() error { return write(other("d/a"), []byte("longer")) },
				func() bool { return sizeOf(t, r.p("d/a")) == 6 && readsAs(r.p("d/a"), "longer") }},
			{"rewrite a after reading it (6 -> 2 bytes)", func() error { return write(other("d/a"), []byte("cc")) },
				func() bool { return sizeOf(t, r.p("d/a")) == 2 && readsAs(r.p("d/a"), "cc") }},
			{"rename b -> c", func() error { return os.Rename(other("d/b"), other("d/c")) },
				func() bool {
					return sizeOf(t, r.p("d/b")) == -1 && sizeOf(t, r.p("d/c")) == 2 && listNames(t, r.p("d")) == "[a c]"
				}},
			{"delete c", func() error { return os.Remove(other("d/c")) },
				func() bool { return sizeOf(t, r.p("d/c")) == -1 && listNames(t, r.p("d")) == "[a]" }},
		}
		for _, st := range steps {
			look() // our mount has just listed and stat'ed d
			if strings.HasPrefix(st.what, "rewrite a after reading") && !readsAs(r.p("d/a"), "longer") {
				t.Fatal("a does not read back as before")
			}
			if err := st.change(); err != nil {
				t.Fatalf("%s: %v", st.what, err)
			}
			d, atOnce := waitSeen(t, st.what, time.Now(), limit, st.seen)
			t.Logf("%s: seen after %v (at the first look: %v)", st.what, d.Round(time.Millisecond), atOnce)
			if attrTimeout == 0 && !atOnce {
				t.Errorf("%s: with actimeo=0 the first ls/stat after the change still showed the old state", st.what)
			}
		}
	}

	const margin = 1500 * time.Millisecond
	for _, viaDisk := range []bool{false, true} {
		who := "smb client"
		if viaDisk {
			who = "server disk"
		}
		t.Run("actimeo=1s/"+who, func(t *testing.T) {
			r := mountOn(t, s, true, Config{AttrTimeout: time.Second})
			run(t, r, time.Second, time.Second+margin, viaDisk)
		})
		t.Run("cache=none/"+who, func(t *testing.T) {
			r := mountOn(t, s, true, Config{Cache: "none"})
			run(t, r, 0, margin, viaDisk)
		})
		t.Run("remount actimeo=0/"+who, func(t *testing.T) {
			r := mountOn(t, s, true, Config{})
			r.m.SetAttrTimeout(0) // what a remount with actimeo=0 does
			run(t, r, 0, margin, viaDisk)
		})
	}
}

// TestStalenessBoundedSlowListing: without leases, a listing read slowly
// (a large directory under `ls -l`, `find`, or any reader that pauses
// between getdents calls) must not stretch the staleness of what it
// returns beyond actimeo. The whole listing is fetched from the server
// at the first getdents; the entries handed to the kernel with later
// batches come from that fetch, so they may be kept only for what is left
// of actimeo since it, not for a fresh actimeo: a file another client
// deleted just after the fetch must be gone from stat actimeo after it.
func TestStalenessBoundedSlowListing(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{Global: map[string]string{
		"smb2 leases":           "no",
		"smb3 directory leases": "no",
		"oplocks":               "no",
	}})
	const actimeo = 2 * time.Second
	r := mountOn(t, s, true, Config{AttrTimeout: actimeo})
	if err := os.Mkdir(r.sp("d"), 0o777); err != nil {
		t.Fatal(err)
	}
	name := func(i int) string { return fmt.Sprintf("d/file-with-a-longish-name-%04d", i) }
	for i := 0; i < 400; i++ {
		if err := os.WriteFile(r.sp(name(i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	last := name(399)
	f, err := os.Open(r.p("d"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The first batch: the mount lists the directory on the server now.
	if _, err := f.ReadDir(10); err != nil {
		t.Fatal(err)
	}
	fetched := time.Now()
	// Another program on the server deletes the last entry.
	if err := os.Remove(r.sp(last)); err != nil {
		t.Fatal(err)
	}
	// The reader finishes the listing a while later (still within
	// actimeo of the fetch).
	time.Sleep(actimeo * 9 / 10)
	if _, err := f.ReadDir(-1); err != nil {
		t.Fatal(err)
	}
	const margin = 750 * time.Millisecond
	for {
		_, err := os.Stat(r.p(last))
		if os.IsNotExist(err) {
			t.Logf("deleted entry gone from stat %v after the listing's fetch (actimeo %v)", time.Since(fetched).Round(time.Millisecond), actimeo)
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(fetched); d > actimeo+margin {
			t.Fatalf("a file deleted on the server right after our listing fetched the directory still shows in stat %v later (actimeo %v): entries from a slowly read listing are given the kernel for a full actimeo from when they are read, not from when they were fetched", d.Round(time.Millisecond), actimeo)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWarmListingAndStatsSendNothing: under directory leases, a second
// `ls -l` and a second stat of every file send no request at all, and a
// first stat of every file in a directory never listed costs a listing,
// not a round trip per file.
func TestWarmListingAndStatsSendNothing(t *testing.T) {
	e := mountT(t, true, Config{})
	const n = 500
	for _, d := range []string{"l", "s"} {
		os.Mkdir(e.sp(d), 0o755)
		for i := 0; i < n; i++ {
			os.WriteFile(e.sp(fmt.Sprintf("%s/f%03d", d, i)), []byte("x"), 0o644)
		}
	}
	c := e.m.share.Conn
	total := func() uint64 {
		var s uint64
		for i := range c.Stats.Requests {
			s += c.Stats.Requests[i].Load()
		}
		return s
	}
	ls := func() {
		out, err := exec.Command("ls", "-l", e.p("l")).Output()
		if err != nil || bytes.Count(out, []byte("\n")) != n+1 {
			t.Fatalf("ls -l: %v, %d lines", err, bytes.Count(out, []byte("\n")))
		}
	}
	stats := func() {
		for i := 0; i < n; i++ {
			if st, err := os.Lstat(e.p(fmt.Sprintf("s/f%03d", i))); err != nil || st.Size() != 1 {
				t.Fatalf("stat: %v", err)
			}
		}
	}
	before := total()
	ls()
	t.Logf("cold ls -l of %d entries: %d requests", n, total()-before)
	before = total()
	st := e.m.Stats()
	stats()
	cold := total() - before
	lookups, cached := e.m.Stats().Lookups-st.Lookups, e.m.Stats().CachedLookups-st.CachedLookups
	t.Logf("cold stat of %d files: %d requests, %d lookups, %d from the cache", n, cold, lookups, cached)
	if lookups < n || cached < lookups-5 {
		t.Errorf("cold stat of %d files: %d lookups, %d answered from the cache; want all but the first few", n, lookups, cached)
	}
	if cold > 20 {
		t.Errorf("cold stat of %d files in a directory never listed sent %d requests: want a listing, not one per file", n, cold)
	}
	before = total()
	ls()
	stats()
	if warm := total() - before; warm != 0 {
		t.Errorf("warm ls -l and stat of %d entries sent %d requests, want 0", 2*n, warm)
	}
}

// TestKernelKeepsListingsAndAbsentNames: under directory leases the kernel
// opens directories by itself and keeps their listings, so walking a tree
// again the way git status does (list every directory, stat every file,
// look for a .gitignore in each) sends no request to the server and asks
// the daemon for no listing, also once acdirmax has passed; only the
// absent .gitignore names are asked for, and the daemon answers them from
// its cache. Another client's create of a name we found absent, or of a
// file in a listed directory, is still seen at the next walk.
func TestKernelKeepsListingsAndAbsentNames(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	r := mountOn(t, s, true, Config{AttrTimeout: time.Second, DirAttrTimeout: time.Second})
	w := mountOn(t, s, true, Config{})
	for i := 0; i < 4; i++ { // on the server's disk: no client holds anything
		if err := os.MkdirAll(r.sp(fmt.Sprintf("t/d%d/e", i)), 0o755); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 10; j++ {
			os.WriteFile(r.sp(fmt.Sprintf("t/d%d/f%d", i, j)), []byte("x"), 0o644)
			os.WriteFile(r.sp(fmt.Sprintf("t/d%d/e/g%d", i, j)), []byte("x"), 0o644)
		}
	}
	filepath.WalkDir(r.sp("t"), func(p string, d iofs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			err = os.Chmod(p, 0o777) // the other client creates in them
		}
		return err
	})
	os.ReadDir(r.dir) // the mount's root is cached too, as a repository's parent is
	walk := func() (files, ignores int) {
		t.Helper()
		err := filepath.WalkDir(r.p("t"), func(p string, d iofs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if _, err := os.Lstat(filepath.Join(p, ".gitignore")); err == nil {
					ignores++
				} else if !os.IsNotExist(err) {
					return err
				}
				return nil
			}
			if _, err := os.Lstat(p); err != nil {
				return err
			}
			files++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return files, ignores
	}
	c := r.m.share.Conn
	requests := func() (n uint64) {
		for i := range c.Stats.Requests {
			n += c.Stats.Requests[i].Load()
		}
		return n
	}
	for i := 0; i < 2; i++ { // the first looks for .gitignore before listing
		if f, ig := walk(); f != 80 || ig != 0 {
			t.Fatalf("first walk: %d files, %d .gitignore; want 80, 0", f, ig)
		}
	}
	for _, pause := range []time.Duration{0, 1500 * time.Millisecond} {
		time.Sleep(pause) // past acdirmax: the kernel asks only for directories' attributes
		before, st := requests(), r.m.Stats()
		if f, ig := walk(); f != 80 || ig != 0 {
			t.Fatalf("walk again: %d files, %d .gitignore; want 80, 0", f, ig)
		}
		after := r.m.Stats()
		lookups, cached := after.Lookups-st.Lookups, after.CachedLookups-st.CachedLookups
		if n := requests() - before; n != 0 || lookups > 9 || cached != lookups || after.Listings != st.Listings {
			t.Errorf("walking again after %v: %d SMB requests, %d lookups (%d from the cache) and %d listings reached the daemon; want none, 9 .gitignore lookups at most, all from the cache",
				pause, n, lookups, cached, after.Listings-st.Listings)
		}
	}
	start := time.Now()
	if err := os.WriteFile(w.p("t/d1/.gitignore"), []byte("*.o\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.p("t/d2/e/new"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, _ := waitSeen(t, "create of an absent name and of a file in a listed directory", start, 2*time.Second, func() bool {
		f, ig := walk()
		return f == 82 && ig == 1 // .gitignore is a file too
	})
	t.Logf("seen after %v", d.Round(time.Millisecond))
}
