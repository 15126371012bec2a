package smbcrypto

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/gosmb/gosmb/smb/wire"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// RFC 4493 section 4 examples.
func TestCMACRFC4493(t *testing.T) {
	m, _ := NewCMAC(unhex("2b7e1516 28aed2a6 abf71588 09cf4f3c"))
	msg := unhex("6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51 30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710")
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "bb1d6929 e9593728 7fa37d12 9b756746"},
		{16, "070a16b4 6b4d4144 f79bdd9d d04a287c"},
		{40, "dfa66747 de9ae630 30ca3261 1497c827"},
		{64, "51f0bebf 7e3b9d92 fc497417 79363cfe"},
	} {
		got := m.Sum(msg[:c.n])
		if !bytes.Equal(got[:], unhex(c.want)) {
			t.Errorf("CMAC of %d bytes = %x", c.n, got)
		}
	}
}

// RFC 3610 packet vector #1 (13-byte nonce, 8-byte tag).
func TestCCMRFC3610(t *testing.T) {
	b, _ := aes.NewCipher(unhex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"))
	a, err := NewCCM(b, 13, 8)
	if err != nil {
		t.Fatal(err)
	}
	nonce := unhex("00000003020100a0a1a2a3a4a5")
	aad := unhex("0001020304050607")
	pt := unhex("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e")
	want := unhex("588c979a61c663d2f066d0c2c0f989806d5f6b61dac384 17e8d12cfdf926e0")
	ct := a.Seal(nil, nonce, pt, aad)
	if !bytes.Equal(ct, want) {
		t.Fatalf("Seal = %x", ct)
	}
	got, err := a.Open(nil, nonce, ct, aad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %x, %v", got, err)
	}
	ct[3] ^= 1
	if _, err := a.Open(nil, nonce, ct, aad); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
}

func TestSealerRoundTripAndTamper(t *testing.T) {
	for _, c := range []wire.Cipher{wire.CipherAES128CCM, wire.CipherAES128GCM, wire.CipherAES256CCM, wire.CipherAES256GCM} {
		k1 := bytes.Repeat([]byte{1}, c.KeySize())
		k2 := bytes.Repeat([]byte{2}, c.KeySize())
		client, err := NewSealer(c, k1, k2)
		if err != nil {
			t.Fatal(err)
		}
		server, _ := NewSealer(c, k2, k1) // the peer's view: keys swapped
		msg := bytes.Repeat([]byte("message "), 1000)
		frame, err := client.Seal(nil, 42, msg)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(frame, []byte("message message")) {
			t.Fatalf("%s: plaintext visible in frame", c)
		}
		f2 := append([]byte(nil), frame...)
		got, sid, err := server.Open(f2)
		if err != nil || sid != 42 || !bytes.Equal(got, msg) {
			t.Fatalf("%s: Open = %v sid %d", c, err, sid)
		}
		for _, pos := range []int{5, 25, 40, 60, len(frame) - 1} {
			bad := append([]byte(nil), frame...)
			bad[pos] ^= 0x80
			if _, _, err := server.Open(bad); !errors.Is(err, ErrDecrypt) {
				t.Errorf("%s: flipped byte %d: %v", c, pos, err)
			}
		}
		// Nonces never repeat.
		a, _ := client.Seal(nil, 1, msg)
		b, _ := client.Seal(nil, 1, msg)
		if bytes.Equal(a[20:36], b[20:36]) {
			t.Errorf("%s: nonce reused", c)
		}
	}
}

func TestSignersDetectTampering(t *testing.T) {
	for _, alg := range []wire.SigningAlg{wire.SigningHMACSHA256, wire.SigningAESCMAC, wire.SigningAESGMAC} {
		s, err := NewSigner(alg, bytes.Repeat([]byte{7}, 16))
		if err != nil {
			t.Fatal(err)
		}
		h := wire.Header{Command: wire.CmdRead, MessageID: 9, Flags: wire.FlagSigned}
		msg := append(h.Append(nil), bytes.Repeat([]byte{3}, 100)...)
		s.Sign(msg)
		if err := s.Verify(msg); err != nil {
			t.Fatalf("%s: own signature: %v", alg, err)
		}
		msg[70] ^= 1
		if err := s.Verify(msg); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: tampered body verified", alg)
		}
		msg[70] ^= 1
		msg[wire.OffMessageID] ^= 1 // GMAC's nonce includes the MessageId
		if err := s.Verify(msg); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: tampered message id verified", alg)
		}
	}
}

func TestKDFAndDerivation(t *testing.T) {
	k := KDF(bytes.Repeat([]byte{1}, 16), []byte("L\x00"), []byte("C\x00"), 256)
	if len(k) != 32 {
		t.Fatal(len(k))
	}
	short := KDF(bytes.Repeat([]byte{1}, 16), []byte("L\x00"), []byte("C\x00"), 128)
	// L is an input of every block, so a 128-bit key is not a prefix.
	if bytes.Equal(k[:16], short) {
		t.Fatal("L not bound into the KDF")
	}
	sk := bytes.Repeat([]byte{9}, 16)
	var h PreauthHash
	h.Update([]byte("negotiate"))
	k311 := DeriveKeys(wire.SMB311, wire.CipherAES256GCM, sk, h[:])
	if len(k311.Encryption) != 32 || len(k311.Signing) != 16 || bytes.Equal(k311.Encryption, k311.Decryption) {
		t.Fatalf("3.1.1 keys: %d %d", len(k311.Encryption), len(k311.Signing))
	}
	k30 := DeriveKeys(wire.SMB300, wire.CipherAES128CCM, sk, nil)
	if len(k30.Encryption) != 16 || bytes.Equal(k30.Signing, k311.Signing) {
		t.Fatal("3.0 keys")
	}
	if k2 := DeriveKeys(wire.SMB210, 0, sk, nil); !bytes.Equal(k2.Signing, sk) {
		t.Fatal("2.1 signs with the session key")
	}
}

func BenchmarkSealGCM1MiB(b *testing.B) { benchSeal(b, wire.CipherAES128GCM) }
func BenchmarkSealCCM1MiB(b *testing.B) { benchSeal(b, wire.CipherAES128CCM) }

func benchSeal(b *testing.B, c wire.Cipher) {
	s, _ := NewSealer(c, make([]byte, 16), make([]byte, 16))
	msg := make([]byte, 1<<20)
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		s.Seal(nil, 1, msg)
	}
}

func BenchmarkSignCMAC1MiB(b *testing.B) {
	s, _ := NewSigner(wire.SigningAESCMAC, make([]byte, 16))
	msg := make([]byte, 1<<20)
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		s.Sign(msg)
	}
}

// The GCM specification's test cases 1 and 2 (McGrew and Viega): the AEAD
// our GCM sealing and GMAC signing are built on. Case 1, with no plaintext,
// is a GMAC.
func TestGCMAndGMACVectors(t *testing.T) {
	b, _ := aes.NewCipher(make([]byte, 16))
	g, _ := cipherGCM(b)
	if got := g.Seal(nil, make([]byte, 12), nil, nil); !bytes.Equal(got, unhex("58e2fccefa7e3061367f1d57a4e7455a")) {
		t.Errorf("GMAC test case 1 = %x", got)
	}
	if got := g.Seal(nil, make([]byte, 12), make([]byte, 16), nil); !bytes.Equal(got, unhex("0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf")) {
		t.Errorf("GCM test case 2 = %x", got)
	}
}
