package fscc

import (
	"fmt"
	"strconv"
	"strings"
)

// SID is a security identifier, MS-DTYP 2.4.2.2: Revision(1)
// SubAuthorityCount(1) IdentifierAuthority(6, big-endian) SubAuthority(4*n).
type SID struct {
	Revision       uint8
	Authority      [6]byte
	SubAuthorities []uint32
}

const maxSubAuthorities = 15

// ParseSID decodes a SID and returns the bytes it used.
func ParseSID(b []byte) (*SID, int, error) {
	if len(b) < 8 {
		return nil, 0, short("SID", 8, len(b))
	}
	n := int(b[1])
	if n > maxSubAuthorities {
		return nil, 0, errf("SID", "%d sub-authorities, at most %d", n, maxSubAuthorities)
	}
	if len(b) < 8+4*n {
		return nil, 0, short("SID", 8+4*n, len(b))
	}
	s := &SID{Revision: b[0], SubAuthorities: make([]uint32, n)}
	copy(s.Authority[:], b[2:8])
	for i := range s.SubAuthorities {
		s.SubAuthorities[i] = le.Uint32(b[8+4*i:])
	}
	return s, 8 + 4*n, nil
}

func (s *SID) Append(b []byte) []byte {
	b = append(b, s.Revision, uint8(len(s.SubAuthorities)))
	b = append(b, s.Authority[:]...)
	for _, a := range s.SubAuthorities {
		b = le.AppendUint32(b, a)
	}
	return b
}

func (s *SID) authority() uint64 {
	var v uint64
	for _, x := range s.Authority {
		v = v<<8 | uint64(x)
	}
	return v
}

func (s *SID) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "S-%d-%d", s.Revision, s.authority())
	for _, a := range s.SubAuthorities {
		fmt.Fprintf(&sb, "-%d", a)
	}
	return sb.String()
}

// ParseSIDString parses "S-1-5-21-...".
func ParseSIDString(str string) (*SID, error) {
	parts := strings.Split(str, "-")
	if len(parts) < 3 || parts[0] != "S" || len(parts)-3 > maxSubAuthorities {
		return nil, fmt.Errorf("fscc: %q is not a SID", str)
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return nil, fmt.Errorf("fscc: %q: bad revision", str)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("fscc: %q: bad authority", str)
	}
	s := &SID{Revision: uint8(rev)}
	for i := 5; i >= 0; i-- {
		s.Authority[i] = byte(auth)
		auth >>= 8
	}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("fscc: %q: bad sub-authority %q", str, p)
		}
		s.SubAuthorities = append(s.SubAuthorities, uint32(v))
	}
	return s, nil
}

// Samba maps unix ids to S-1-22-1-UID (users) and S-1-22-2-GID (groups).
func unixSID(kind, id uint32) SID {
	return SID{Revision: 1, Authority: [6]byte{0, 0, 0, 0, 0, 22}, SubAuthorities: []uint32{kind, id}}
}

func UnixUserSID(uid uint32) SID  { return unixSID(1, uid) }
func UnixGroupSID(gid uint32) SID { return unixSID(2, gid) }

func (s *SID) unixID(kind uint32) (uint32, bool) {
	if s.Revision != 1 || s.authority() != 22 || len(s.SubAuthorities) != 2 || s.SubAuthorities[0] != kind {
		return 0, false
	}
	return s.SubAuthorities[1], true
}

// UnixUID returns the uid of an S-1-22-1-UID SID.
func (s *SID) UnixUID() (uint32, bool) { return s.unixID(1) }

// UnixGID returns the gid of an S-1-22-2-GID SID.
func (s *SID) UnixGID() (uint32, bool) { return s.unixID(2) }
