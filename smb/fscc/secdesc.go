package fscc

// SecurityDescriptor is a self-relative security descriptor, MS-DTYP
// 2.4.6: Revision(1) Sbz1(1) Control(2) OffsetOwner(4) OffsetGroup(4)
// OffsetSacl(4) OffsetDacl(4), then the parts at their offsets.
type SecurityDescriptor struct {
	Control    uint16
	Owner      *SID
	Group      *SID
	SACL, DACL *ACL
}

// ACL, MS-DTYP 2.4.5: Revision(1) Sbz1(1) AclSize(2) AceCount(2) Sbz2(2).
type ACL struct {
	Revision uint8
	ACEs     []ACE
}

// ACE, MS-DTYP 2.4.4: header Type(1) Flags(1) Size(2). Allow, deny and audit
// ACEs carry Mask(4) and a SID; other types keep their body raw so a
// re-encode is lossless.
type ACE struct {
	Type  uint8
	Flags uint8
	Mask  uint32
	SID   SID
	Raw   []byte // body after the header, for types other than 0-3
}

// Control bits, MS-DTYP 2.4.6.
const (
	SEDaclPresent  uint16 = 0x0004
	SESaclPresent  uint16 = 0x0010
	SESelfRelative uint16 = 0x8000
)

const maxACEs = 1024

func ParseSecurityDescriptor(b []byte) (*SecurityDescriptor, error) {
	const s = "SECURITY_DESCRIPTOR"
	if len(b) < 20 {
		return nil, short(s, 20, len(b))
	}
	if b[0] != 1 {
		return nil, errf(s, "revision %d", b[0])
	}
	sd := &SecurityDescriptor{Control: le.Uint16(b[2:])}
	at := func(off uint32, what string) ([]byte, error) {
		if off == 0 {
			return nil, nil
		}
		if off < 20 || uint64(off) >= uint64(len(b)) {
			return nil, errf(s, "%s offset %d outside %d bytes", what, off, len(b))
		}
		return b[off:], nil
	}
	if p, err := at(le.Uint32(b[4:]), "owner"); err != nil {
		return nil, err
	} else if p != nil {
		if sd.Owner, _, err = ParseSID(p); err != nil {
			return nil, err
		}
	}
	if p, err := at(le.Uint32(b[8:]), "group"); err != nil {
		return nil, err
	} else if p != nil {
		if sd.Group, _, err = ParseSID(p); err != nil {
			return nil, err
		}
	}
	if p, err := at(le.Uint32(b[12:]), "SACL"); err != nil {
		return nil, err
	} else if p != nil {
		if sd.SACL, err = parseACL(p); err != nil {
			return nil, err
		}
	}
	if p, err := at(le.Uint32(b[16:]), "DACL"); err != nil {
		return nil, err
	} else if p != nil {
		if sd.DACL, err = parseACL(p); err != nil {
			return nil, err
		}
	}
	return sd, nil
}

func parseACL(b []byte) (*ACL, error) {
	const s = "ACL"
	if len(b) < 8 {
		return nil, short(s, 8, len(b))
	}
	size, count := int(le.Uint16(b[2:])), int(le.Uint16(b[4:]))
	if size < 8 || size > len(b) {
		return nil, errf(s, "AclSize %d with %d bytes", size, len(b))
	}
	if count > maxACEs {
		return nil, errf(s, "AceCount %d", count)
	}
	a := &ACL{Revision: b[0]}
	body := b[8:size]
	for i := 0; i < count; i++ {
		if len(body) < 4 {
			return nil, errf(s, "ACE %d header past AclSize", i)
		}
		n := int(le.Uint16(body[2:]))
		if n < 4 || n > len(body) {
			return nil, errf(s, "ACE %d size %d", i, n)
		}
		e := ACE{Type: body[0], Flags: body[1]}
		if e.Type <= 3 {
			if n < 16 {
				return nil, errf(s, "ACE %d too small for mask and SID", i)
			}
			e.Mask = le.Uint32(body[4:])
			sid, _, err := ParseSID(body[8:n])
			if err != nil {
				return nil, err
			}
			e.SID = *sid
		} else {
			e.Raw = body[4:n]
		}
		a.ACEs = append(a.ACEs, e)
		body = body[n:]
	}
	return a, nil
}

func (a *ACL) append(b []byte) []byte {
	start := len(b)
	b = append(b, a.Revision, 0, 0, 0)
	b = le.AppendUint16(b, uint16(len(a.ACEs)))
	b = append(b, 0, 0)
	for _, e := range a.ACEs {
		es := len(b)
		b = append(b, e.Type, e.Flags, 0, 0)
		if e.Type <= 3 {
			b = le.AppendUint32(b, e.Mask)
			b = e.SID.Append(b)
		} else {
			b = append(b, e.Raw...)
		}
		le.PutUint16(b[es+2:], uint16(len(b)-es))
	}
	le.PutUint16(b[start+2:], uint16(len(b)-start))
	return b
}

// Append encodes the descriptor in self-relative form.
func (sd *SecurityDescriptor) Append(b []byte) []byte {
	start := len(b)
	ctl := sd.Control | SESelfRelative
	if sd.DACL != nil {
		ctl |= SEDaclPresent
	}
	if sd.SACL != nil {
		ctl |= SESaclPresent
	}
	b = append(b, 1, 0)
	b = le.AppendUint16(b, ctl)
	b = append(b, make([]byte, 16)...)
	put := func(field int) { le.PutUint32(b[start+field:], uint32(len(b)-start)) }
	if sd.Owner != nil {
		put(4)
		b = sd.Owner.Append(b)
	}
	if sd.Group != nil {
		put(8)
		b = sd.Group.Append(b)
	}
	if sd.SACL != nil {
		put(12)
		b = sd.SACL.append(b)
	}
	if sd.DACL != nil {
		put(16)
		b = sd.DACL.append(b)
	}
	return b
}

// StreamInfo is one FILE_STREAM_INFORMATION entry, MS-FSCC 2.4.44.
type StreamInfo struct {
	Name                 string
	Size, AllocationSize uint64
}

func ParseStreamInformation(b []byte) ([]StreamInfo, error) {
	const s = "FILE_STREAM_INFORMATION"
	var out []StreamInfo
	for pos := 0; pos < len(b); {
		if len(out) > len(b)/24 {
			return nil, errf(s, "too many entries")
		}
		e := b[pos:]
		if len(e) < 24 {
			return nil, short(s, 24, len(e))
		}
		n := le.Uint32(e[4:])
		if uint64(n) > uint64(len(e)-24) {
			return nil, errf(s, "StreamNameLength %d past end", n)
		}
		name, err := decodeName(e[24:24+n], s)
		if err != nil {
			return nil, err
		}
		out = append(out, StreamInfo{Name: name, Size: le.Uint64(e[8:]), AllocationSize: le.Uint64(e[16:])})
		next := le.Uint32(e)
		if next == 0 {
			break
		}
		if next < 24 || uint64(next) > uint64(len(e)) {
			return nil, errf(s, "NextEntryOffset %d invalid", next)
		}
		pos += int(next)
	}
	return out, nil
}

// FsSectorSize is FileFsSectorSizeInformation, MS-FSCC 2.5.8 (28 bytes).
type FsSectorSize struct {
	LogicalBytesPerSector, PhysicalBytesPerSectorForAtomicity, PhysicalBytesPerSectorForPerformance uint32
	FileSystemEffectivePhysicalBytesPerSectorForAtomicity                                           uint32
	Flags, ByteOffsetForSectorAlignment, ByteOffsetForPartitionAlignment                            uint32
}

func ParseFileFsSectorSizeInformation(b []byte) (*FsSectorSize, error) {
	if len(b) < 28 {
		return nil, short("FILE_FS_SECTOR_SIZE_INFORMATION", 28, len(b))
	}
	return &FsSectorSize{le.Uint32(b), le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:]), le.Uint32(b[16:]), le.Uint32(b[20:]), le.Uint32(b[24:])}, nil
}

// FileDispositionInformationEx, MS-FSCC 2.4.12.
type FileDispositionInformationEx struct{ Flags uint32 }

const (
	DispositionDelete         uint32 = 0x01
	DispositionPosixSemantics uint32 = 0x02
	DispositionOnClose        uint32 = 0x08
	DispositionIgnoreReadOnly uint32 = 0x10
)

func (d *FileDispositionInformationEx) Append(b []byte) []byte { return le.AppendUint32(b, d.Flags) }
