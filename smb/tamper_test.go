package smb_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/smbcrypto"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
	"github.com/gosmb/gosmb/transport"
)

// tamper sits between the client and a real Samba and, once armed, replaces
// the next server reply with edit(reply): a man in the middle.
type tamper struct {
	transport.Transport
	armed atomic.Bool
	edit  func(frame []byte) []byte
}

func (t *tamper) Recv() ([]byte, error) {
	f, err := t.Transport.Recv()
	if err == nil && t.armed.CompareAndSwap(true, false) {
		f = t.edit(f)
	}
	return f, err
}

func TestTamperedRepliesAreRefused(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	var sh *smb.Share
	for _, c := range []struct {
		name string
		opts smb.Options
		edit func([]byte) []byte
	}{
		{"bad signature", smb.Options{RequireSigning: true}, func(f []byte) []byte { f[wire.OffSignature] ^= 0xFF; return f }},
		{"altered body", smb.Options{RequireSigning: true}, func(f []byte) []byte { f[len(f)-1] ^= 0x01; return f }},
		{"signature stripped", smb.Options{RequireSigning: true}, func(f []byte) []byte {
			f[wire.OffFlags] &^= byte(wire.FlagSigned)
			clear(f[wire.OffSignature : wire.OffSignature+16])
			return f
		}},
		{"sealed reply altered", smb.Options{Seal: true}, func(f []byte) []byte { f[len(f)-3] ^= 0x10; return f }},
		{"sealed reply delivered in clear", smb.Options{Seal: true}, func(f []byte) []byte {
			// Even with the keys, an attacker who strips encryption must
			// be refused: the session demands sealed replies.
			_, k := sh.Session.Keys()
			open, err := smbcrypto.NewSealer(sh.Conn.Cipher(), k.Encryption, k.Decryption)
			if err != nil {
				panic(err)
			}
			msg, _, err := open.Open(f)
			if err != nil {
				panic(err)
			}
			return msg
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := ctxT(t)
			tcp, err := transport.DialTCP(ctx, s.Host, transport.TCPOptions{Port: s.Port})
			if err != nil {
				t.Fatal(err)
			}
			tp := &tamper{Transport: tcp, edit: c.edit}
			c.opts.Transport = tp
			c.opts.Port = s.Port
			sh, err = smb.DialShare(ctx, s.Host, "share", ntlm(s.User, s.Password), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer sh.Conn.Close()
			if _, err := sh.Tree.Stat(ctx, ""); err != nil {
				t.Fatalf("untampered: %v", err)
			}
			tp.armed.Store(true)
			_, err = sh.Tree.Stat(ctx, "")
			var se *smb.SecurityError
			if !errors.As(err, &se) {
				t.Fatalf("tampered reply accepted: %v", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}
