package fscc

import (
	"encoding/binary"

	"github.com/gosmb/gosmb/smb/internal/utf16le"
)

// Reparse tags, MS-FSCC 2.1.2.1.
const (
	ReparseTagSymlink uint32 = 0xA000000C
)

// SymlinkFlagRelative marks a symbolic link whose target is relative to
// the directory holding it, MS-FSCC 2.1.2.4.
const SymlinkFlagRelative uint32 = 0x00000001

// Symlink is a Symbolic Link Reparse Data Buffer, MS-FSCC 2.1.2.4.
type Symlink struct {
	Target   string // the substitute name: the path the link resolves to
	Print    string // the print name, for display
	Relative bool
}

// ParseSymlink decodes the output of FSCTL_GET_REPARSE_POINT for a
// symbolic link.
func ParseSymlink(b []byte) (*Symlink, error) {
	const s = "symbolic link reparse buffer"
	if len(b) < 20 {
		return nil, errf(s, "%d bytes, want at least 20", len(b))
	}
	le := binary.LittleEndian
	if tag := le.Uint32(b); tag != ReparseTagSymlink {
		return nil, errf(s, "reparse tag %#x is not a symbolic link", tag)
	}
	if n := int(le.Uint16(b[4:])); 8+n > len(b) || n < 12 {
		return nil, errf(s, "ReparseDataLength %d with %d bytes", n, len(b))
	}
	path := b[20 : 8+int(le.Uint16(b[4:]))]
	name := func(field string, off, n uint16) (string, error) {
		if int(off)+int(n) > len(path) {
			return "", errf(s, "%s at %d+%d past the %d-byte path buffer", field, off, n, len(path))
		}
		return decodeName(path[off:off+n], s)
	}
	target, err := name("SubstituteName", le.Uint16(b[8:]), le.Uint16(b[10:]))
	if err != nil {
		return nil, err
	}
	printName, err := name("PrintName", le.Uint16(b[12:]), le.Uint16(b[14:]))
	if err != nil {
		return nil, err
	}
	return &Symlink{Target: target, Print: printName, Relative: le.Uint32(b[16:])&SymlinkFlagRelative != 0}, nil
}

// Append encodes the link as a Symbolic Link Reparse Data Buffer, for
// FSCTL_SET_REPARSE_POINT; the print name is the target when empty.
func (l *Symlink) Append(b []byte) []byte {
	printName := l.Print
	if printName == "" {
		printName = l.Target
	}
	sub, prn := utf16le.Encode(l.Target), utf16le.Encode(printName)
	le := binary.LittleEndian
	b = le.AppendUint32(b, ReparseTagSymlink)
	b = le.AppendUint16(b, uint16(12+len(sub)+len(prn)))
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, uint16(len(sub)))
	b = le.AppendUint16(b, uint16(len(sub)))
	b = le.AppendUint16(b, uint16(len(prn)))
	var flags uint32
	if l.Relative {
		flags = SymlinkFlagRelative
	}
	b = le.AppendUint32(b, flags)
	b = append(b, sub...)
	return append(b, prn...)
}

// ReparseTagNFS marks a special file in the NFS format, MS-FSCC 2.1.2.6:
// how Samba hands FIFOs, sockets and devices to a POSIX client.
const ReparseTagNFS uint32 = 0x80000014

// NFS special file types, MS-FSCC 2.1.2.6: the first 8 bytes of the data.
const (
	NFSSymlink uint64 = 0x00000000014B4E4C // "LNK"
	NFSChar    uint64 = 0x0000000000524843 // "CHR"
	NFSBlock   uint64 = 0x00000000004B4C42 // "BLK"
	NFSFIFO    uint64 = 0x000000004F464946 // "FIFO"
	NFSSocket  uint64 = 0x000000004B434F53 // "SOCK"
)

// NFSSpecial is an NFS reparse data buffer: a special file's type, and a
// device's numbers or a link's target.
type NFSSpecial struct {
	Type         uint64
	Major, Minor uint32 // NFSChar, NFSBlock
	Target       string // NFSSymlink
}

// ParseNFSSpecial decodes the output of FSCTL_GET_REPARSE_POINT for a file
// with the NFS reparse tag.
func ParseNFSSpecial(b []byte) (*NFSSpecial, error) {
	const s = "NFS reparse buffer"
	le := binary.LittleEndian
	if len(b) < 16 {
		return nil, errf(s, "%d bytes, want at least 16", len(b))
	}
	if tag := le.Uint32(b); tag != ReparseTagNFS {
		return nil, errf(s, "reparse tag %#x is not NFS", tag)
	}
	n := int(le.Uint16(b[4:]))
	if n < 8 || 8+n > len(b) {
		return nil, errf(s, "ReparseDataLength %d with %d bytes", n, len(b))
	}
	data := b[8 : 8+n]
	sp := &NFSSpecial{Type: le.Uint64(data)}
	switch sp.Type {
	case NFSChar, NFSBlock:
		if len(data) != 16 {
			return nil, errf(s, "a device with %d bytes of data, want 16", len(data))
		}
		sp.Major, sp.Minor = le.Uint32(data[8:]), le.Uint32(data[12:])
	case NFSSymlink:
		t, err := decodeName(data[8:], s)
		if err != nil {
			return nil, err
		}
		sp.Target = t
	case NFSFIFO, NFSSocket:
	default:
		return nil, errf(s, "unknown type %#x", sp.Type)
	}
	return sp, nil
}

// Append encodes the special file for FSCTL_SET_REPARSE_POINT.
func (sp *NFSSpecial) Append(b []byte) []byte {
	le := binary.LittleEndian
	var data []byte
	data = le.AppendUint64(data, sp.Type)
	switch sp.Type {
	case NFSChar, NFSBlock:
		data = le.AppendUint32(data, sp.Major)
		data = le.AppendUint32(data, sp.Minor)
	case NFSSymlink:
		data = utf16le.Append(data, sp.Target)
	}
	b = le.AppendUint32(b, ReparseTagNFS)
	b = le.AppendUint16(b, uint16(len(data)))
	b = le.AppendUint16(b, 0)
	return append(b, data...)
}
