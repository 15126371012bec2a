package smb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

func ntlm(user, pass string) auth.Mechanism {
	return auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: user, Password: pass}))
}

func dial(t *testing.T, s *harness.Samba, share string, opts smb.Options) *smb.Share {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts.Port = s.Port
	sh, err := smb.DialShare(ctx, s.Host, share, ntlm(s.User, s.Password), opts)
	if err != nil {
		t.Fatalf("DialShare: %v", err)
	}
	t.Cleanup(func() { sh.Close(context.Background()) })
	return sh
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// fileOps runs the basic file life cycle on a share and checks each step
// against the server's disk.
func fileOps(t *testing.T, s *harness.Samba, sh *smb.Share, name string) {
	t.Helper()
	ctx := ctxT(t)
	tr := sh.Tree
	dir := name + "-dir"
	if di, err := tr.Mkdir(ctx, dir, 0o750); err != nil {
		t.Fatalf("Mkdir: %v", err)
	} else if !di.IsDir() || di.Name != dir {
		t.Fatalf("Mkdir returned %+v, want directory %q", di, dir)
	}
	data := make([]byte, 3<<20+12345)
	rand.New(rand.NewSource(1)).Read(data)
	f, err := tr.Create(ctx, dir+"/f.bin", wire.CreateRequest{
		DesiredAccess:     wire.GenericRead | wire.GenericWrite | wire.Delete,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileCreate,
		CreateOptions:     wire.FileNonDirectoryFile,
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if n, err := f.WriteAt(ctx, data, 0); err != nil || n != len(data) {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	got := make([]byte, len(data))
	if n, err := f.ReadAt(ctx, got, 0); (err != nil && err != io.EOF) || n != len(data) || !bytes.Equal(got, data) {
		t.Fatalf("ReadAt = %d, %v, equal %v", n, err, bytes.Equal(got, data))
	}
	if err := f.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if _, err := f.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	onDisk, err := os.ReadFile(filepath.Join(s.SharePath("share"), dir, "f.bin"))
	if err != nil || !bytes.Equal(onDisk, data) {
		t.Fatalf("server file differs: %v", err)
	}
	fi, err := tr.Stat(ctx, dir+"/f.bin")
	if err != nil || fi.Size != int64(len(data)) || fi.IsDir() {
		t.Fatalf("Stat = %+v, %v", fi, err)
	}
	if err := tr.Rename(ctx, dir+"/f.bin", dir+"/g.bin", false, nil); err != nil {
		t.Fatalf("Rename: %v", err)
	}
	ents, err := tr.ReadDir(ctx, dir)
	if err != nil || len(ents) != 1 || ents[0].Name != "g.bin" || ents[0].Size != int64(len(data)) {
		t.Fatalf("ReadDir = %+v, %v", ents, err)
	}
	if err := tr.Remove(ctx, dir+"/g.bin", false, nil); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if err := tr.Remove(ctx, dir, true, nil); err != nil {
		t.Fatalf("Remove dir: %v", err)
	}
	if _, err := tr.Stat(ctx, dir); !errors.Is(err, wire.StatusObjectNameNotFound) {
		t.Fatalf("Stat after remove: %v", err)
	}
}

func TestDialects(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	for _, d := range []wire.Dialect{wire.SMB202, wire.SMB210, wire.SMB300, wire.SMB302, wire.SMB311} {
		for _, sign := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/sign=%v", d, sign), func(t *testing.T) {
				sh := dial(t, s, "share", smb.Options{MinDialect: d, MaxDialect: d, RequireSigning: sign})
				if sh.Conn.Dialect() != d {
					t.Fatalf("negotiated %s", sh.Conn.Dialect())
				}
				if sign && !sh.Session.Signed() {
					t.Fatal("sign requested but session not signed")
				}
				fileOps(t, s, sh, fmt.Sprintf("d%04x%v", uint16(d), sign))
			})
		}
	}
}

func TestSealDialects(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	for _, d := range []wire.Dialect{wire.SMB300, wire.SMB302, wire.SMB311} {
		t.Run(d.String(), func(t *testing.T) {
			sh := dial(t, s, "share", smb.Options{MinDialect: d, MaxDialect: d, Seal: true})
			if !sh.Session.Encrypted() {
				t.Fatal("seal requested but session not encrypted")
			}
			fileOps(t, s, sh, "seal"+d.String())
		})
	}
	t.Run("2.1-refused", func(t *testing.T) {
		_, err := smb.DialShare(ctxT(t), s.Host, "share", ntlm(s.User, s.Password),
			smb.Options{Port: s.Port, MinDialect: wire.SMB210, MaxDialect: wire.SMB210, Seal: true})
		var se *smb.SecurityError
		if !errors.As(err, &se) {
			t.Fatalf("seal on 2.1: %v, want a SecurityError", err)
		}
	})
}

// Each cipher and signing algorithm, forced on the server side.
func TestServerForcedAlgorithms(t *testing.T) {
	ciphers := map[string]wire.Cipher{
		"AES-128-CCM": wire.CipherAES128CCM, "AES-128-GCM": wire.CipherAES128GCM,
		"AES-256-CCM": wire.CipherAES256CCM, "AES-256-GCM": wire.CipherAES256GCM,
	}
	for name, c := range ciphers {
		t.Run("cipher="+name, func(t *testing.T) {
			s := harness.StartSamba(t, harness.Config{Global: map[string]string{"server smb3 encryption algorithms": name}})
			sh := dial(t, s, "share", smb.Options{Seal: true})
			if sh.Conn.Cipher() != c {
				t.Fatalf("cipher %s, want %s", sh.Conn.Cipher(), c)
			}
			fileOps(t, s, sh, "c")
		})
	}
	algs := map[string]wire.SigningAlg{
		"AES-128-GMAC": wire.SigningAESGMAC, "AES-128-CMAC": wire.SigningAESCMAC, "HMAC-SHA256": wire.SigningHMACSHA256,
	}
	for name, a := range algs {
		t.Run("signing="+name, func(t *testing.T) {
			s := harness.StartSamba(t, harness.Config{Global: map[string]string{"server smb3 signing algorithms": name, "server signing": "mandatory"}})
			sh := dial(t, s, "share", smb.Options{})
			if sh.Conn.SigningAlg() != a || !sh.Session.Signed() {
				t.Fatalf("signing %s signed=%v, want %s", sh.Conn.SigningAlg(), sh.Session.Signed(), a)
			}
			fileOps(t, s, sh, "s")
		})
	}
}

func TestEncryptRequiredShare(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{Shares: []harness.Share{
		{Name: "share"},
		{Name: "secret", Params: map[string]string{"smb encrypt": "required"}},
	}})
	sh := dial(t, s, "secret", smb.Options{})
	if !sh.Tree.Encrypted() {
		t.Fatal("share requires encryption but tree is not encrypted")
	}
	ctx := ctxT(t)
	f, err := sh.Tree.Create(ctx, "x.txt", wire.CreateRequest{
		DesiredAccess: wire.GenericWrite | wire.GenericRead, ShareAccess: wire.ShareRead,
		CreateDisposition: wire.FileCreate, CreateOptions: wire.FileNonDirectoryFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(ctx, []byte("sealed"), 0); err != nil {
		t.Fatal(err)
	}
	f.Close(ctx)
	if b, _ := os.ReadFile(filepath.Join(s.SharePath("secret"), "x.txt")); string(b) != "sealed" {
		t.Fatalf("server has %q", b)
	}
	// A 2.1 client cannot encrypt: the server must refuse it the share.
	_, err = smb.DialShare(ctx, s.Host, "secret", ntlm(s.User, s.Password),
		smb.Options{Port: s.Port, MinDialect: wire.SMB210, MaxDialect: wire.SMB210})
	if !errors.Is(err, wire.StatusAccessDenied) {
		t.Fatalf("2.1 client on an encrypt-required share: %v", err)
	}
}

func TestBadPasswordAndShare(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	ctx := ctxT(t)
	_, err := smb.DialShare(ctx, s.Host, "share", ntlm(s.User, "wrong"), smb.Options{Port: s.Port})
	if !errors.Is(err, smb.ErrLogonFailure) || !errors.Is(err, wire.StatusLogonFailure) {
		t.Fatalf("wrong password: %v", err)
	}
	_, err = smb.DialShare(ctx, s.Host, "nosuch", ntlm(s.User, s.Password), smb.Options{Port: s.Port})
	if !errors.Is(err, wire.StatusBadNetworkName) {
		t.Fatalf("missing share: %v", err)
	}
	_, err = smb.DialShare(ctx, s.Host, "share", ntlm(s.User, s.Password), smb.Options{Port: 1, DialTimeout: 2 * time.Second})
	var ce *smb.ConnError
	if !errors.As(err, &ce) || ce.Op != "dial" {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestSparsePast4GiB(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	sh := dial(t, s, "share", smb.Options{})
	ctx := ctxT(t)
	f, err := sh.Tree.Create(ctx, "big.sparse", wire.CreateRequest{
		DesiredAccess: wire.GenericWrite | wire.GenericRead, ShareAccess: wire.ShareRead,
		CreateDisposition: wire.FileCreate, CreateOptions: wire.FileNonDirectoryFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(ctx)
	const off = 5 << 30
	msg := []byte("data past four gibibytes")
	if _, err := f.WriteAt(ctx, msg, off); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg)+10)
	n, err := f.ReadAt(ctx, got, off)
	if err != io.EOF || n != len(msg) || !bytes.Equal(got[:n], msg) {
		t.Fatalf("ReadAt past 4 GiB = %d %v %q", n, err, got[:n])
	}
	zero := make([]byte, 4096)
	if n, err := f.ReadAt(ctx, zero, 4<<30); err != nil || n != 4096 || !bytes.Equal(zero, make([]byte, 4096)) {
		t.Fatalf("hole read = %d %v", n, err)
	}
	st, err := os.Stat(filepath.Join(s.SharePath("share"), "big.sparse"))
	if err != nil || st.Size() != off+int64(len(msg)) {
		t.Fatalf("server size %v %v", st.Size(), err)
	}
}

func TestConcurrent64(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	sh := dial(t, s, "share", smb.Options{RequireSigning: true})
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			name := fmt.Sprintf("c%02d.bin", g)
			data := bytes.Repeat([]byte{byte(g)}, 200<<10+g)
			f, err := sh.Tree.Create(ctx, name, wire.CreateRequest{
				DesiredAccess: wire.GenericWrite | wire.GenericRead, ShareAccess: wire.ShareRead,
				CreateDisposition: wire.FileOverwriteIf, CreateOptions: wire.FileNonDirectoryFile,
			})
			if err != nil {
				errs <- err
				return
			}
			defer f.Close(ctx)
			for i := 0; i < 5; i++ {
				if _, err := f.WriteAt(ctx, data, int64(i*len(data))); err != nil {
					errs <- err
					return
				}
				got := make([]byte, len(data))
				if _, err := f.ReadAt(ctx, got, int64(i*len(data))); err != nil || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("%s round %d: read back differs (%v)", name, i, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ents, err := sh.Tree.ReadDir(ctx, "")
	if err != nil || len(ents) != 64 {
		t.Fatalf("ReadDir: %d entries, %v", len(ents), err)
	}
	for g := 0; g < 64; g++ {
		b, _ := os.ReadFile(filepath.Join(s.SharePath("share"), fmt.Sprintf("c%02d.bin", g)))
		want := bytes.Repeat(bytes.Repeat([]byte{byte(g)}, 200<<10+g), 5)
		if sha256.Sum256(b) != sha256.Sum256(want) {
			t.Errorf("server copy of c%02d.bin differs", g)
		}
	}
}

func TestPOSIXExtensions(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	sh := dial(t, s, "share", smb.Options{POSIX: true})
	if !sh.Conn.POSIX() {
		t.Fatal("Samba 4.22 with smb3 unix extensions did not accept POSIX")
	}
	ctx := ctxT(t)
	os.WriteFile(filepath.Join(s.SharePath("share"), "p.txt"), []byte("x"), 0o640)
	fi, err := sh.Tree.Stat(ctx, "p.txt")
	if err != nil || !fi.POSIX || fi.Mode&0o777 != 0o640 {
		t.Fatalf("Stat = %+v, %v", fi, err)
	}
	ents, err := sh.Tree.ReadDir(ctx, "")
	if err != nil || len(ents) != 1 || !ents[0].POSIX || ents[0].Mode&0o777 != 0o640 {
		t.Fatalf("ReadDir = %+v, %v", ents, err)
	}
}

func TestReadDirMany(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	for i := 0; i < 3000; i++ {
		os.WriteFile(filepath.Join(s.SharePath("share"), fmt.Sprintf("file-with-a-longish-name-%05d", i)), nil, 0o644)
	}
	sh := dial(t, s, "share", smb.Options{})
	ents, err := sh.Tree.ReadDir(ctxT(t), "")
	if err != nil || len(ents) != 3000 {
		t.Fatalf("ReadDir: %d entries, %v", len(ents), err)
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name
	}
	sort.Strings(names)
	if names[0] != "file-with-a-longish-name-00000" || names[2999] != "file-with-a-longish-name-02999" {
		t.Fatalf("names %q .. %q", names[0], names[2999])
	}
}

func TestStatFSAndEcho(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	sh := dial(t, s, "share", smb.Options{})
	ctx := ctxT(t)
	if err := sh.Conn.Echo(ctx); err != nil {
		t.Fatal(err)
	}
	fs, err := sh.Tree.StatFS(ctx)
	if err != nil || fs.TotalAllocationUnits == 0 || fs.BytesPerSector == 0 {
		t.Fatalf("StatFS = %+v, %v", fs, err)
	}
	_ = fscc.AttrDirectory
}

func TestCancelChangeNotify(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	sh := dial(t, s, "share", smb.Options{})
	ctx := ctxT(t)
	dir, err := sh.Tree.Create(ctx, "", wire.CreateRequest{
		DesiredAccess: wire.FileListDirectory | wire.FileReadAttributes, ShareAccess: wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen, CreateOptions: wire.FileDirectoryFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	// A watch that nothing triggers goes async on the server; cancelling
	// the context must send CANCEL and return promptly.
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = dir.ChangeNotify(wctx, wire.FileNotifyChangeFileName, false, 4096)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ChangeNotify: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("cancel took %v", time.Since(start))
	}
	// The connection stays usable and the credits come back.
	if err := sh.Conn.Echo(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, inflight := sh.Conn.Credits(); inflight == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cancelled request's credits never came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sh.Conn.Stats.Cancels.Load() == 0 {
		t.Fatal("no CANCEL sent")
	}
}

func TestGuestAndAnonymous(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{
		Global: map[string]string{"map to guest": "Bad User", "guest account": "nobody"},
		Shares: []harness.Share{{Name: "share"}, {Name: "public", Params: map[string]string{"guest ok": "yes", "read only": "yes"}}},
	})
	os.WriteFile(filepath.Join(s.SharePath("public"), "readme.txt"), []byte("public"), 0o644)
	for _, c := range []struct {
		name  string
		creds auth.Credentials
	}{
		{"guest", auth.Credentials{Username: "nosuchuser", Password: "x", Guest: true}},
		{"anonymous", auth.Credentials{Anonymous: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := ctxT(t)
			sh, err := smb.DialShare(ctx, s.Host, "public", auth.NewSPNEGO(auth.NewNTLM(c.creds)), smb.Options{Port: s.Port})
			if err != nil {
				t.Fatal(err)
			}
			defer sh.Close(ctx)
			if !sh.Session.Guest() || sh.Session.Signed() {
				t.Fatalf("guest=%v signed=%v", sh.Session.Guest(), sh.Session.Signed())
			}
			fi, err := sh.Tree.Stat(ctx, "readme.txt")
			if err != nil || fi.Size != 6 {
				t.Fatalf("Stat = %+v, %v", fi, err)
			}
			// Asking for signing on a guest session is refused, not downgraded.
			_, err = smb.DialShare(ctx, s.Host, "public", auth.NewSPNEGO(auth.NewNTLM(c.creds)), smb.Options{Port: s.Port, RequireSigning: true})
			var se *smb.SecurityError
			if !errors.As(err, &se) {
				t.Fatalf("sign on a %s session: %v", c.name, err)
			}
		})
	}
}
