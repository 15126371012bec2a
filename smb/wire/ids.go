package wire

import "fmt"

// Dialect is an SMB2 dialect revision, MS-SMB2 2.2.3.
type Dialect uint16

const (
	SMB202       Dialect = 0x0202
	SMB210       Dialect = 0x0210
	SMB300       Dialect = 0x0300
	SMB302       Dialect = 0x0302
	SMB311       Dialect = 0x0311
	SMB2Wildcard Dialect = 0x02FF
)

func (d Dialect) String() string {
	switch d {
	case SMB202:
		return "2.0.2"
	case SMB210:
		return "2.1"
	case SMB300:
		return "3.0"
	case SMB302:
		return "3.0.2"
	case SMB311:
		return "3.1.1"
	case SMB2Wildcard:
		return "2.???"
	}
	return fmt.Sprintf("0x%04x", uint16(d))
}

// Is3 reports whether d is an SMB 3.x dialect (signing with AES, encryption,
// channel sequence in the header).
func (d Dialect) Is3() bool { return d >= SMB300 && d != SMB2Wildcard }

// Cipher is an encryption algorithm id, MS-SMB2 2.2.3.1.2.
type Cipher uint16

const (
	CipherNone      Cipher = 0x0000
	CipherAES128CCM Cipher = 0x0001
	CipherAES128GCM Cipher = 0x0002
	CipherAES256CCM Cipher = 0x0003
	CipherAES256GCM Cipher = 0x0004
)

func (c Cipher) String() string {
	switch c {
	case CipherNone:
		return "none"
	case CipherAES128CCM:
		return "AES-128-CCM"
	case CipherAES128GCM:
		return "AES-128-GCM"
	case CipherAES256CCM:
		return "AES-256-CCM"
	case CipherAES256GCM:
		return "AES-256-GCM"
	}
	return fmt.Sprintf("cipher-0x%04x", uint16(c))
}

// KeySize is the key length in bytes the cipher uses.
func (c Cipher) KeySize() int {
	if c == CipherAES256CCM || c == CipherAES256GCM {
		return 32
	}
	return 16
}

// SigningAlg is a signing algorithm id, MS-SMB2 2.2.3.1.7.
type SigningAlg uint16

const (
	SigningHMACSHA256 SigningAlg = 0x0000
	SigningAESCMAC    SigningAlg = 0x0001
	SigningAESGMAC    SigningAlg = 0x0002
)

func (a SigningAlg) String() string {
	switch a {
	case SigningHMACSHA256:
		return "HMAC-SHA256"
	case SigningAESCMAC:
		return "AES-CMAC"
	case SigningAESGMAC:
		return "AES-GMAC"
	}
	return fmt.Sprintf("signing-0x%04x", uint16(a))
}

// HashSHA512 is the only preauth integrity hash, MS-SMB2 2.2.3.1.1.
const HashSHA512 uint16 = 0x0001

// FileID identifies an open, MS-SMB2 2.2.14.1.
type FileID struct {
	Persistent uint64
	Volatile   uint64
}

// FileIDAny is the all-ones FileID used by related compound requests and by
// IOCTLs that address no open, MS-SMB2 3.2.4.1.4.
var FileIDAny = FileID{^uint64(0), ^uint64(0)}

func (f FileID) append(b []byte) []byte {
	b = le.AppendUint64(b, f.Persistent)
	return le.AppendUint64(b, f.Volatile)
}

func parseFileID(b []byte) FileID {
	return FileID{le.Uint64(b), le.Uint64(b[8:])}
}
