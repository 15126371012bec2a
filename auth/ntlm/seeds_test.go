package ntlm

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gosmb/gosmb/smb/wire"
)

// sambaChallenges pulls the NTLMSSP CHALLENGE_MESSAGEs out of the SESSION_SETUP
// replies recorded from Samba (smb/wire/testdata/samba).
func sambaChallenges(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../../smb/wire/testdata/samba/*SESSION_SETUP-c0000016*")
	var out [][]byte
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := wire.ParseSessionSetupResponse(msg)
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(r.SecurityBuffer, signature); i >= 0 {
			out = append(out, r.SecurityBuffer[i:])
		}
	}
	if len(out) == 0 {
		t.Fatal("no Samba CHALLENGE_MESSAGE seeds")
	}
	return out
}

func TestSambaChallengesParse(t *testing.T) {
	for _, ch := range sambaChallenges(t) {
		c, err := ParseChallenge(ch)
		if err != nil {
			t.Fatal(err)
		}
		if c.Flags&FlagExtendedSessionSecurity == 0 || len(c.TargetInfo) == 0 {
			t.Fatalf("flags %x target info %d bytes", c.Flags, len(c.TargetInfo))
		}
	}
}
