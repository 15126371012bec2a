package spnego

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gosmb/gosmb/smb/wire"
)

func sambaTokens(t testing.TB, pattern string) [][]byte {
	files, _ := filepath.Glob("../../smb/wire/testdata/samba/" + pattern)
	var out [][]byte
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := wire.ParseSessionSetupResponse(msg); err == nil && len(r.SecurityBuffer) > 0 {
			out = append(out, r.SecurityBuffer)
		} else if r, err := wire.ParseNegotiateResponse(msg); err == nil && len(r.SecurityBuffer) > 0 {
			out = append(out, r.SecurityBuffer)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no Samba tokens matching %s", pattern)
	}
	return out
}

func TestSambaTokens(t *testing.T) {
	for _, tok := range sambaTokens(t, "*SESSION_SETUP*") {
		r, err := ParseResp(tok)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != AcceptIncomplete && r.State != AcceptCompleted {
			t.Fatalf("state %d", r.State)
		}
		if r.State == AcceptIncomplete && (!r.SupportedMech.Equal(OIDNTLMSSP) || !bytes.HasPrefix(r.ResponseToken, []byte("NTLMSSP\x00"))) {
			t.Fatalf("challenge token: mech %s", r.SupportedMech)
		}
	}
	for _, tok := range sambaTokens(t, "*NEGOTIATE*") {
		mechs, err := ParseInit(tok)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range mechs {
			found = found || m.Equal(OIDNTLMSSP)
		}
		if !found {
			t.Fatalf("server offers %v without NTLMSSP", mechs)
		}
	}
}

func TestEncodeGolden(t *testing.T) {
	// NegTokenInit with NTLMSSP and a 3-byte token, DER by hand (RFC 4178).
	got := EncodeInit([]OID{OIDNTLMSSP}, []byte{1, 2, 3})
	want := []byte{0x60, 0x23, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x19, 0x30, 0x17,
		0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
		0xa2, 0x05, 0x04, 0x03, 1, 2, 3}
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeInit = % x", got)
	}
	if OIDNTLMSSP.String() != "1.3.6.1.4.1.311.2.2.10" {
		t.Fatal(OIDNTLMSSP.String())
	}
	resp := EncodeResp([]byte("tok"), []byte("mic"))
	// Our own NegTokenResp (client form) parses back.
	r, err := ParseResp(resp)
	if err != nil || string(r.ResponseToken) != "tok" || string(r.MechListMIC) != "mic" {
		t.Fatalf("%+v %v", r, err)
	}
	for n := range resp {
		ParseResp(resp[:n])
	}
	big := EncodeResp(bytes.Repeat([]byte{7}, 70000), nil)
	if r, err := ParseResp(big); err != nil || len(r.ResponseToken) != 70000 {
		t.Fatalf("long-form lengths: %v", err)
	}
}

func FuzzParseResp(f *testing.F) {
	for _, tok := range sambaTokens(f, "*SESSION_SETUP*") {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, b []byte) { ParseResp(b) })
}

func FuzzParseInit(f *testing.F) {
	for _, tok := range sambaTokens(f, "*NEGOTIATE*") {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, b []byte) { ParseInit(b) })
}
