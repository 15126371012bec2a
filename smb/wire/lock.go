package wire

// Lock flags, MS-SMB2 2.2.26.1.
const (
	LockFlagShared          uint32 = 0x01
	LockFlagExclusive       uint32 = 0x02
	LockFlagUnlock          uint32 = 0x04
	LockFlagFailImmediately uint32 = 0x10
)

// LockElement, MS-SMB2 2.2.26.1 (24 bytes).
type LockElement struct {
	Offset, Length uint64
	Flags          uint32
}

// maxLocks bounds a LOCK request's element count.
const maxLocks = 4096

// LockRequest, MS-SMB2 2.2.26: 24 fixed bytes then the elements.
type LockRequest struct {
	LockSequence uint32 // LockSequenceNumber (4 bits) and LockSequenceIndex (28 bits)
	FileID       FileID
	Locks        []LockElement
}

func (r *LockRequest) Length() int { return 24 + 24*len(r.Locks) }

func (r *LockRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 48)
	b = le.AppendUint16(b, uint16(len(r.Locks)))
	b = le.AppendUint32(b, r.LockSequence)
	b = r.FileID.append(b)
	for _, l := range r.Locks {
		b = le.AppendUint64(b, l.Offset)
		b = le.AppendUint64(b, l.Length)
		b = le.AppendUint32(b, l.Flags)
		b = le.AppendUint32(b, 0)
	}
	return b
}

func ParseLockRequest(msg []byte) (*LockRequest, error) {
	const s = "LOCK request"
	if err := checkSize(msg, 48, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+24 {
		return nil, errShort(s, HeaderSize+24, len(msg))
	}
	p := msg[HeaderSize:]
	n := int(le.Uint16(p[2:]))
	if n > maxLocks || 24+24*n > len(p) {
		return nil, errField(s, "LockCount", "%d locks do not fit %d bytes", n, len(p))
	}
	r := &LockRequest{LockSequence: le.Uint32(p[4:]), FileID: parseFileID(p[8:])}
	for i := 0; i < n; i++ {
		e := p[24+24*i:]
		r.Locks = append(r.Locks, LockElement{Offset: le.Uint64(e), Length: le.Uint64(e[8:]), Flags: le.Uint32(e[16:])})
	}
	return r, nil
}

type LockResponse struct{ simple4 }

func ParseLockResponse(msg []byte) error { return parseSimple4(msg, "LOCK response") }
