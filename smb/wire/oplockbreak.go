package wire

// OplockBreak is the oplock break notification, acknowledgment and response,
// MS-SMB2 2.2.23.1, 2.2.24.1, 2.2.25.1 (24 bytes).
type OplockBreak struct {
	OplockLevel uint8
	FileID      FileID
}

func (o *OplockBreak) Length() int { return 24 }

func (o *OplockBreak) Append(b []byte) []byte {
	b = le.AppendUint16(b, 24)
	b = append(b, o.OplockLevel, 0)
	b = le.AppendUint32(b, 0)
	return o.FileID.append(b)
}

// LeaseBreakFlagAckRequired, MS-SMB2 2.2.23.2.
const LeaseBreakFlagAckRequired uint32 = 0x01

// LeaseBreakNotification, MS-SMB2 2.2.23.2 (44 bytes).
type LeaseBreakNotification struct {
	NewEpoch          uint16
	Flags             uint32
	LeaseKey          [16]byte
	CurrentLeaseState uint32
	NewLeaseState     uint32
	BreakReason       uint32
	AccessMaskHint    uint32
	ShareMaskHint     uint32
}

func (n *LeaseBreakNotification) Length() int { return 44 }

func (n *LeaseBreakNotification) Append(b []byte) []byte {
	b = le.AppendUint16(b, 44)
	b = le.AppendUint16(b, n.NewEpoch)
	b = le.AppendUint32(b, n.Flags)
	b = append(b, n.LeaseKey[:]...)
	for _, v := range []uint32{n.CurrentLeaseState, n.NewLeaseState, n.BreakReason, n.AccessMaskHint, n.ShareMaskHint} {
		b = le.AppendUint32(b, v)
	}
	return b
}

// LeaseBreakAck is the lease break acknowledgment and response, MS-SMB2
// 2.2.24.2 and 2.2.25.2 (36 bytes).
type LeaseBreakAck struct {
	Flags         uint32
	LeaseKey      [16]byte
	LeaseState    uint32
	LeaseDuration uint64
}

func (a *LeaseBreakAck) Length() int { return 36 }

func (a *LeaseBreakAck) Append(b []byte) []byte {
	b = le.AppendUint16(b, 36)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, a.Flags)
	b = append(b, a.LeaseKey[:]...)
	b = le.AppendUint32(b, a.LeaseState)
	return le.AppendUint64(b, a.LeaseDuration)
}

// ParseBreak decodes an OPLOCK_BREAK message body, telling the forms apart
// by StructureSize: *OplockBreak (24), *LeaseBreakNotification (44) or
// *LeaseBreakAck (36).
func ParseBreak(msg []byte) (any, error) {
	const s = "OPLOCK_BREAK"
	if len(msg) < HeaderSize+2 {
		return nil, errShort(s, HeaderSize+2, len(msg))
	}
	p := msg[HeaderSize:]
	switch sz := le.Uint16(p); sz {
	case 24:
		if len(p) < 24 {
			return nil, errShort(s, HeaderSize+24, len(msg))
		}
		return &OplockBreak{OplockLevel: p[2], FileID: parseFileID(p[8:])}, nil
	case 44:
		if len(p) < 44 {
			return nil, errShort(s, HeaderSize+44, len(msg))
		}
		n := &LeaseBreakNotification{NewEpoch: le.Uint16(p[2:]), Flags: le.Uint32(p[4:]),
			CurrentLeaseState: le.Uint32(p[24:]), NewLeaseState: le.Uint32(p[28:]), BreakReason: le.Uint32(p[32:]),
			AccessMaskHint: le.Uint32(p[36:]), ShareMaskHint: le.Uint32(p[40:])}
		copy(n.LeaseKey[:], p[8:24])
		return n, nil
	case 36:
		if len(p) < 36 {
			return nil, errShort(s, HeaderSize+36, len(msg))
		}
		a := &LeaseBreakAck{Flags: le.Uint32(p[4:]), LeaseState: le.Uint32(p[24:]), LeaseDuration: le.Uint64(p[28:])}
		copy(a.LeaseKey[:], p[8:24])
		return a, nil
	default:
		return nil, errField(s, "StructureSize", "%d, want 24, 36 or 44", sz)
	}
}
