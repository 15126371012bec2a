package ntlm

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func utf(s string) []byte { return utf16le(s) }

// challengeMessage builds the MS-NLMP 4.2.4.3 CHALLENGE_MESSAGE: server
// challenge 0123456789abcdef, target "Domain", AV pairs NbDomainName
// "Domain" and NbComputerName "Server", no timestamp.
func challengeMessage() []byte {
	var av []byte
	av = le.AppendUint16(av, 2)
	av = le.AppendUint16(av, 12)
	av = append(av, utf("Domain")...)
	av = le.AppendUint16(av, 1)
	av = le.AppendUint16(av, 12)
	av = append(av, utf("Server")...)
	av = append(av, 0, 0, 0, 0)
	target := utf("Domain")
	m := append([]byte(nil), signature...)
	m = le.AppendUint32(m, 2)
	m = le.AppendUint16(m, uint16(len(target)))
	m = le.AppendUint16(m, uint16(len(target)))
	m = le.AppendUint32(m, 56)
	m = le.AppendUint32(m, 0xe28a8233)
	m = append(m, unhex("0123456789abcdef")...)
	m = append(m, make([]byte, 8)...)
	m = le.AppendUint16(m, uint16(len(av)))
	m = le.AppendUint16(m, uint16(len(av)))
	m = le.AppendUint32(m, uint32(56+len(target)))
	m = append(m, 6, 0, 0x70, 0x17, 0, 0, 0, 15)
	m = append(m, target...)
	return append(m, av...)
}

// MS-NLMP 4.2.4: NTLMv2 authentication with the 4.2.1 common values.
func TestNTLMv2KnownAnswers(t *testing.T) {
	if got := NTOWFv2("Password", "User", "Domain"); !bytes.Equal(got, unhex("0c868a403bfd7a93a3001ef22ef02e3f")) {
		t.Fatalf("NTOWFv2 = %x", got)
	}
	calls := 0
	c := &Client{User: "User", Password: "Password", Domain: "Domain", Workstation: "COMPUTER",
		Rand: func(b []byte) {
			calls++
			fill := byte(0xaa) // ClientChallenge
			if calls > 1 {
				fill = 0x55 // RandomSessionKey
			}
			for i := range b {
				b[i] = fill
			}
		},
		Now: func() time.Time { return time.Unix(-11644473600, 0) }, // FILETIME 0
	}
	c.Negotiate()
	auth, err := c.Authenticate(challengeMessage())
	if err != nil {
		t.Fatal(err)
	}
	lm, _ := field(auth, 12, "lm")
	nt, _ := field(auth, 20, "nt")
	ek, _ := field(auth, 52, "key")
	if !bytes.Equal(lm, unhex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa")) {
		t.Errorf("LMv2 response = %x", lm)
	}
	if !bytes.Equal(nt[:16], unhex("68cd0ab851e51c96aabc927bebef6a1c")) {
		t.Errorf("NTProofStr = %x", nt[:16])
	}
	if !bytes.Equal(ek, unhex("c5dad2544fc9799094ce1ce90bc9d03e")) {
		t.Errorf("EncryptedRandomSessionKey = %x", ek)
	}
	if !bytes.Equal(c.SessionKey(), bytes.Repeat([]byte{0x55}, 16)) {
		t.Errorf("ExportedSessionKey = %x", c.SessionKey())
	}
	if u, _ := field(auth, 36, "user"); !bytes.Equal(u, utf("User")) {
		t.Errorf("user field %x", u)
	}
}

// With a server timestamp, the client sends a MIC over all three messages
// and a zero LM response (MS-NLMP 3.1.5.1.2).
func TestMICWithTimestamp(t *testing.T) {
	ch := challengeMessage()
	// Append MsvAvTimestamp before the EOL of the AV list.
	avOff := int(le.Uint32(ch[44:]))
	av := ch[avOff : len(ch)-4]
	ts := le.AppendUint16(nil, 7)
	ts = le.AppendUint16(ts, 8)
	ts = append(ts, 1, 2, 3, 4, 5, 6, 7, 8)
	newAV := append(append(append([]byte(nil), av...), ts...), 0, 0, 0, 0)
	ch = append(ch[:avOff], newAV...)
	le.PutUint16(ch[40:], uint16(len(newAV)))
	le.PutUint16(ch[42:], uint16(len(newAV)))
	c := &Client{User: "u", Password: "p"}
	neg := c.Negotiate()
	auth, err := c.Authenticate(ch)
	if err != nil {
		t.Fatal(err)
	}
	lm, _ := field(auth, 12, "lm")
	if !bytes.Equal(lm, make([]byte, 24)) {
		t.Errorf("LM response with timestamp = %x, want zeros", lm)
	}
	mic := append([]byte(nil), auth[72:88]...)
	zeroed := append([]byte(nil), auth...)
	copy(zeroed[72:88], make([]byte, 16))
	if want := hmacMD5(c.SessionKey(), neg, ch, zeroed); !bytes.Equal(mic, want) {
		t.Errorf("MIC = %x, want %x", mic, want)
	}
}

func TestChallengeTruncated(t *testing.T) {
	ch := challengeMessage()
	if _, err := ParseChallenge(ch); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(ch); n++ {
		if _, err := ParseChallenge(ch[:n]); err == nil && n < 32 {
			t.Fatalf("%d-byte prefix parsed", n)
		}
	}
}

func FuzzParseChallenge(f *testing.F) {
	f.Add(challengeMessage())
	for _, tok := range sambaChallenges(f) {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseChallenge(b)
		c := &Client{User: "u", Password: "p"}
		c.Negotiate()
		c.Authenticate(b)
	})
}
