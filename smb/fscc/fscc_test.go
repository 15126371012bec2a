package fscc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func seeds(t testing.TB, suffix string) map[string][]byte {
	files, _ := filepath.Glob(filepath.Join("testdata", "samba", "*"+suffix))
	if len(files) == 0 {
		t.Fatalf("no seeds *%s in testdata/samba", suffix)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// parseByName decodes a recorded buffer with the parser its name says.
func parseByName(name string, b []byte) error {
	var err error
	switch {
	case strings.HasSuffix(name, "-all.bin"):
		_, err = ParseFileAllInformation(b)
	case strings.HasSuffix(name, "-posix.bin"):
		_, err = ParseFilePosixInformation(b)
	case strings.HasSuffix(name, "-fsattr.bin"):
		_, err = ParseFileFsAttributeInformation(b)
	case strings.HasSuffix(name, "-fsfull.bin"):
		_, err = ParseFileFsFullSizeInformation(b)
	case strings.HasSuffix(name, "-dir-37.bin"):
		_, err = ParseDirectory(FileIdBothDirectoryInformation, b)
	case strings.HasSuffix(name, "-dir-100.bin"):
		_, err = ParseDirectory(FilePosixInformation, b)
	}
	return err
}

func TestSambaBuffersParse(t *testing.T) {
	for name, b := range seeds(t, ".bin") {
		if err := parseByName(name, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSambaBuffersTruncated(t *testing.T) {
	for name, b := range seeds(t, ".bin") {
		for n := 0; n < len(b); n++ {
			parseByName(name, b[:n]) // must not panic
		}
	}
}

func TestDirectoryGolden(t *testing.T) {
	for name, b := range seeds(t, "-dir-37.bin") {
		es, err := ParseDirectory(FileIdBothDirectoryInformation, b)
		if err != nil {
			t.Fatal(name, err)
		}
		names := map[string]bool{}
		for _, e := range es {
			names[e.Name] = true
			if e.Name == "f1.txt" && (e.EndOfFile != 9 || e.FileID == 0) {
				t.Errorf("%s: f1.txt %+v", name, e)
			}
		}
		for _, want := range []string{".", "..", "f0.txt", "f4.txt"} {
			if !names[want] {
				t.Errorf("%s: no %q in %v", name, want, names)
			}
		}
	}
	for name, b := range seeds(t, "-dir-100.bin") {
		es, err := ParseDirectory(FilePosixInformation, b)
		if err != nil {
			t.Fatal(name, err)
		}
		for _, e := range es {
			if e.Name == "f2.txt" {
				if !e.POSIX || e.Mode&0o777 != 0o644 || e.Nlinks != 1 || e.EndOfFile != 9 {
					t.Errorf("%s: f2.txt %+v", name, e)
				}
				if _, ok := e.Owner.UnixUID(); !ok {
					t.Errorf("owner %s is not a unix SID", e.Owner.String())
				}
				return
			}
		}
		t.Errorf("%s: no f2.txt", name)
	}
}

func TestPosixRoundTrip(t *testing.T) {
	in := []DirEntry{
		{Name: "a", EndOfFile: 3, POSIX: true, Inode: 7, Nlinks: 2, Mode: 0o755, Owner: UnixUserSID(1000), Group: UnixGroupSID(100)},
		{Name: "ß€", POSIX: true, Inode: 8, Nlinks: 1, Mode: 0o600, Owner: UnixUserSID(0), Group: UnixGroupSID(0)},
	}
	b := AppendDirEntries(FilePosixInformation, nil, in)
	out, err := ParseDirectory(FilePosixInformation, b)
	if err != nil || len(out) != 2 || out[1].Name != "ß€" || out[0].Mode != 0o755 {
		t.Fatalf("%+v %v", out, err)
	}
	if uid, _ := out[0].Owner.UnixUID(); uid != 1000 {
		t.Fatalf("uid %d", uid)
	}
	b = AppendDirEntries(FileIdBothDirectoryInformation, nil, []DirEntry{{Name: "x", FileID: 5, EndOfFile: 1}, {Name: "y"}})
	out, err = ParseDirectory(FileIdBothDirectoryInformation, b)
	if err != nil || len(out) != 2 || out[0].FileID != 5 || out[1].Name != "y" {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestSID(t *testing.T) {
	s, err := ParseSIDString("S-1-5-21-1004336348-1177238915-682003330-512")
	if err != nil || s.String() != "S-1-5-21-1004336348-1177238915-682003330-512" {
		t.Fatal(s, err)
	}
	b := s.Append(nil)
	p, n, err := ParseSID(b)
	if err != nil || n != len(b) || p.String() != s.String() {
		t.Fatal(p, err)
	}
	u := UnixUserSID(1000)
	if u.String() != "S-1-22-1-1000" {
		t.Fatal(u.String())
	}
	if _, ok := u.UnixGID(); ok {
		t.Fatal("user SID read as group")
	}
}

func TestFiletime(t *testing.T) {
	tm := time.Date(2026, 11, 24, 12, 0, 0, 123456700, time.UTC)
	if got := FiletimeToTime(TimeToFiletime(tm)); !got.Equal(tm) {
		t.Fatalf("%v != %v", got, tm)
	}
	if !FiletimeToTime(0).IsZero() || TimeToFiletime(time.Time{}) != 0 {
		t.Fatal("zero")
	}
	if FiletimeToTime(116444736000000000).Unix() != 0 {
		t.Fatal("epoch")
	}
}

func TestEAAndNotifyRoundTrip(t *testing.T) {
	eas := []EA{{Name: "user.a", Value: []byte("1")}, {Name: "user.bb", Value: []byte("22")}}
	out, err := ParseFullEAList(AppendFullEAList(nil, eas))
	if err != nil || len(out) != 2 || out[1].Name != "user.bb" || string(out[1].Value) != "22" {
		t.Fatalf("%+v %v", out, err)
	}
	r := (&FileRenameInformation{ReplaceIfExists: true, FileName: `d\x`}).Append(nil)
	ri, err := ParseFileRenameInformation(r)
	if err != nil || !ri.ReplaceIfExists || ri.FileName != `d\x` {
		t.Fatalf("%+v %v", ri, err)
	}
}

func FuzzParseDirectory(f *testing.F) {
	for _, b := range seeds(f, "-dir-37.bin") {
		f.Add(uint8(FileIdBothDirectoryInformation), b)
	}
	for _, b := range seeds(f, "-dir-100.bin") {
		f.Add(uint8(FilePosixInformation), b)
	}
	f.Fuzz(func(t *testing.T, class uint8, b []byte) { ParseDirectory(FileInfoClass(class), b) })
}

func FuzzParseInfo(f *testing.F) {
	for _, b := range seeds(f, ".bin") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseFileAllInformation(b)
		ParseFilePosixInformation(b)
		ParseFileFsAttributeInformation(b)
		ParseFileFsFullSizeInformation(b)
		ParseFileBasicInformation(b)
		ParseFileNetworkOpenInformation(b)
		ParseFileStandardInformation(b)
		ParseFileRenameInformation(b)
		ParseFullEAList(b)
		ParseNotify(b)
		ParseSID(b)
	})
}

func TestSambaSecurityDescriptors(t *testing.T) {
	for name, b := range seeds(t, "-secdesc.bin") {
		sd, err := ParseSecurityDescriptor(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sd.Owner == nil || sd.DACL == nil || len(sd.DACL.ACEs) == 0 {
			t.Fatalf("%s: %+v", name, sd)
		}
		again, err := ParseSecurityDescriptor(sd.Append(nil))
		if err != nil || again.Owner.String() != sd.Owner.String() || len(again.DACL.ACEs) != len(sd.DACL.ACEs) {
			t.Fatalf("%s: re-encode: %v", name, err)
		}
		for n := range b {
			ParseSecurityDescriptor(b[:n])
		}
	}
	for name, b := range seeds(t, "-stream.bin") {
		st, err := ParseStreamInformation(b)
		if err != nil || len(st) == 0 || st[0].Name != "::$DATA" {
			t.Fatalf("%s: %+v %v", name, st, err)
		}
	}
}

func FuzzParseSecurity(f *testing.F) {
	for _, b := range seeds(f, "-secdesc.bin") {
		f.Add(b)
	}
	for _, b := range seeds(f, "-stream.bin") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseSecurityDescriptor(b)
		ParseStreamInformation(b)
		ParseFileFsSectorSizeInformation(b)
	})
}

func TestNetworkOpenRoundTrip(t *testing.T) {
	in := &NetworkOpenInfo{CreationTime: 1, LastWriteTime: 3, EndOfFile: 99, AllocationSize: 4096, FileAttributes: AttrArchive}
	out, err := ParseFileNetworkOpenInformation(in.Append(nil))
	if err != nil || *out != *in {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := ParseFileNetworkOpenInformation(make([]byte, 51)); err == nil {
		t.Fatal("short buffer parsed")
	}
}

func TestSambaNotify(t *testing.T) {
	for name, b := range seeds(t, "-notify.bin") {
		es, err := ParseNotify(b)
		if err != nil || len(es) == 0 || es[0].Action != FileActionAdded || !strings.HasSuffix(es[0].Name, ".txt") {
			t.Fatalf("%s: %+v %v", name, es, err)
		}
		for n := range b {
			ParseNotify(b[:n])
		}
	}
}

// Samba 4.22 hands POSIX symlinks to a POSIX client as symbolic link
// reparse points with the target as it is on the server.
func TestSambaSymlinkReparse(t *testing.T) {
	want := map[string]Symlink{
		"rel":  {Target: "target", Print: "target", Relative: true},
		"abs":  {Target: "/etc/passwd", Print: "/etc/passwd"},
		"dots": {Target: "../up/dir/x", Print: "../up/dir/x", Relative: true},
	}
	n := 0
	for name, b := range seeds(t, "-reparse.bin") {
		if !strings.Contains(name, "-symlink-") {
			continue
		}
		l, err := ParseSymlink(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		kind := strings.TrimSuffix(strings.TrimPrefix(name[strings.Index(name, "symlink-"):], "symlink-"), "-reparse.bin")
		if *l != want[kind] {
			t.Errorf("%s: %+v, want %+v", name, *l, want[kind])
		}
		for i := range b {
			if _, err := ParseSymlink(b[:i]); err == nil && i < 20 {
				t.Errorf("%s: %d bytes parsed", name, i)
			}
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d symlink seeds, want 3", n)
	}
}

func FuzzParseSymlink(f *testing.F) {
	for _, b := range seeds(f, "-reparse.bin") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { ParseSymlink(b) })
}

func TestSymlinkRoundTrip(t *testing.T) {
	for _, l := range []Symlink{{Target: "a/b", Print: "a/b", Relative: true}, {Target: "/etc/x", Print: "/etc/x"}, {Target: "ünï", Print: "ünï", Relative: true}} {
		got, err := ParseSymlink(l.Append(nil))
		if err != nil || *got != l {
			t.Fatalf("%+v: %+v, %v", l, got, err)
		}
	}
	// What Samba sends for a link it was given is what it was given.
	for name, b := range seeds(t, "symlink-rel-reparse.bin") {
		l, _ := ParseSymlink(b)
		if again := l.Append(nil); !bytes.Equal(again, b) {
			t.Fatalf("%s: re-encoded differs:\n%x\n%x", name, again, b)
		}
	}
}

// Samba 4.22 hands FIFOs and devices to a POSIX client as NFS reparse
// points.
func TestSambaNFSSpecial(t *testing.T) {
	want := map[string]NFSSpecial{
		"311-nfs-fifo-reparse.bin": {Type: NFSFIFO},
		"311-nfs-chr-reparse.bin":  {Type: NFSChar, Major: 1, Minor: 3},
		"311-nfs-blk-reparse.bin":  {Type: NFSBlock, Major: 8, Minor: 1},
	}
	for name, b := range seeds(t, "-reparse.bin") {
		w, ok := want[name]
		if !ok {
			continue
		}
		sp, err := ParseNFSSpecial(b)
		if err != nil || *sp != w {
			t.Fatalf("%s: %+v, %v; want %+v", name, sp, err, w)
		}
		if again := sp.Append(nil); !bytes.Equal(again, b) {
			t.Fatalf("%s: re-encoded %x, want %x", name, again, b)
		}
		delete(want, name)
		for i := range b {
			ParseNFSSpecial(b[:i])
		}
	}
	if len(want) != 0 {
		t.Fatalf("seeds missing: %v", want)
	}
	l := NFSSpecial{Type: NFSSymlink, Target: "a/b"}
	if got, err := ParseNFSSpecial(l.Append(nil)); err != nil || *got != l {
		t.Fatalf("NFS symlink round trip: %+v, %v", got, err)
	}
}

func FuzzParseNFSSpecial(f *testing.F) {
	for _, b := range seeds(f, "-reparse.bin") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { ParseNFSSpecial(b) })
}
