package wire

// Create context names, MS-SMB2 2.2.13.2.
const (
	CtxExtendedAttributes = "ExtA"
	CtxSecurityDescriptor = "SecD"
	CtxDurable            = "DHnQ"
	CtxDurableReconnect   = "DHnC"
	CtxAllocationSize     = "AlSi"
	CtxMaximalAccess      = "MxAc"
	CtxTimewarp           = "TWrp"
	CtxQueryOnDiskID      = "QFid"
	CtxLease              = "RqLs"
	CtxDurableV2          = "DH2Q"
	CtxDurableV2Reconnect = "DH2C"
	CtxPOSIXCreate        = "\x93\xAD\x25\x50\x9C\xB4\x11\xE7\xB4\x23\x83\xDE\x96\x8B\xCD\x7C"
	maxCreateContexts     = 64
)

// CreateContext, MS-SMB2 2.2.13.2: Next(4) NameOffset(2) NameLength(2)
// Reserved(2) DataOffset(2) DataLength(4) Buffer; name at 16, data 8-aligned.
type CreateContext struct {
	Name string // raw bytes: four ASCII letters or a 16-byte GUID
	Data []byte
}

func ctxLen(c CreateContext) int {
	n := 16 + len(c.Name)
	if len(c.Data) > 0 {
		n = (n+7)&^7 + len(c.Data)
	}
	return n
}

func createContextsLen(cs []CreateContext) int {
	n := 0
	for i, c := range cs {
		if i > 0 {
			n = (n + 7) &^ 7
		}
		n += ctxLen(c)
	}
	return n
}

func appendCreateContexts(b []byte, cs []CreateContext) []byte {
	prev := -1
	for _, c := range cs {
		if prev >= 0 {
			b = pad8(b)
			le.PutUint32(b[prev:], uint32(len(b)-prev))
		}
		start := len(b)
		prev = start
		dataOff := 0
		if len(c.Data) > 0 {
			dataOff = (16 + len(c.Name) + 7) &^ 7
		}
		b = le.AppendUint32(b, 0)
		b = le.AppendUint16(b, 16)
		b = le.AppendUint16(b, uint16(len(c.Name)))
		b = le.AppendUint16(b, 0)
		b = le.AppendUint16(b, uint16(dataOff))
		b = le.AppendUint32(b, uint32(len(c.Data)))
		b = append(b, c.Name...)
		if len(c.Data) > 0 {
			for len(b)-start < dataOff {
				b = append(b, 0)
			}
			b = append(b, c.Data...)
		}
	}
	return b
}

func parseCreateContexts(buf []byte, s string) ([]CreateContext, error) {
	var out []CreateContext
	for pos := 0; len(buf) > 0; {
		if len(out) == maxCreateContexts {
			return nil, errField(s, "CreateContexts", "more than %d contexts", maxCreateContexts)
		}
		c := buf[pos:]
		if len(c) < 16 {
			return nil, errField(s, "CreateContext", "%d bytes, need 16", len(c))
		}
		next := le.Uint32(c)
		end := len(c)
		if next != 0 {
			if next < 16 || next%8 != 0 || uint64(next) > uint64(len(c)) {
				return nil, errField(s, "CreateContext.Next", "%d invalid for %d bytes", next, len(c))
			}
			end = int(next)
		}
		cc := c[:end]
		name, err := slice(cc, uint32(le.Uint16(c[4:])), uint32(le.Uint16(c[6:])), s, "CreateContext.Name")
		if err != nil {
			return nil, err
		}
		data, err := slice(cc, uint32(le.Uint16(c[10:])), le.Uint32(c[12:]), s, "CreateContext.Data")
		if err != nil {
			return nil, err
		}
		out = append(out, CreateContext{Name: string(name), Data: data})
		if next == 0 {
			break
		}
		pos += int(next)
	}
	return out, nil
}

// Lease flags, MS-SMB2 2.2.13.2.10.
const (
	LeaseFlagBreakInProgress uint32 = 0x02
	LeaseFlagParentKeySet    uint32 = 0x04
)

// LeaseV2 is SMB2_CREATE_REQUEST_LEASE_V2 (2.2.13.2.10, 52 bytes); a v1
// lease (2.2.13.2.8, 32 bytes) has no ParentKey or Epoch.
type LeaseV2 struct {
	Key       [16]byte
	State     uint32
	Flags     uint32
	Duration  uint64
	ParentKey [16]byte
	Epoch     uint16
	V1        bool // encode the 32-byte v1 form
}

func (l *LeaseV2) Encode() []byte {
	b := append([]byte(nil), l.Key[:]...)
	b = le.AppendUint32(b, l.State)
	b = le.AppendUint32(b, l.Flags)
	b = le.AppendUint64(b, l.Duration)
	if l.V1 {
		return b
	}
	b = append(b, l.ParentKey[:]...)
	b = le.AppendUint16(b, l.Epoch)
	return le.AppendUint16(b, 0)
}

// ParseLease accepts either lease form.
func ParseLease(d []byte) (*LeaseV2, error) {
	const s = "lease create context"
	if len(d) != 32 && len(d) < 52 {
		return nil, errField(s, "DataLength", "%d, want 32 or 52", len(d))
	}
	l := &LeaseV2{State: le.Uint32(d[16:]), Flags: le.Uint32(d[20:]), Duration: le.Uint64(d[24:]), V1: len(d) == 32}
	copy(l.Key[:], d)
	if !l.V1 {
		copy(l.ParentKey[:], d[32:48])
		l.Epoch = le.Uint16(d[48:])
	}
	return l, nil
}

// Durable handle flags, MS-SMB2 2.2.13.2.11.
const DurableFlagPersistent uint32 = 0x02

// DurableV2Request, MS-SMB2 2.2.13.2.11 (32 bytes).
type DurableV2Request struct {
	Timeout    uint32
	Flags      uint32
	CreateGUID [16]byte
}

func (d *DurableV2Request) Encode() []byte {
	b := le.AppendUint32(nil, d.Timeout)
	b = le.AppendUint32(b, d.Flags)
	b = le.AppendUint64(b, 0)
	return append(b, d.CreateGUID[:]...)
}

// DurableV2Response, MS-SMB2 2.2.14.2.12 (8 bytes).
type DurableV2Response struct{ Timeout, Flags uint32 }

func ParseDurableV2Response(d []byte) (*DurableV2Response, error) {
	if len(d) < 8 {
		return nil, errShort("durable v2 response context", 8, len(d))
	}
	return &DurableV2Response{Timeout: le.Uint32(d), Flags: le.Uint32(d[4:])}, nil
}

// DurableV2Reconnect, MS-SMB2 2.2.13.2.12 (36 bytes).
type DurableV2Reconnect struct {
	FileID     FileID
	CreateGUID [16]byte
	Flags      uint32
}

func (d *DurableV2Reconnect) Encode() []byte {
	b := d.FileID.append(nil)
	b = append(b, d.CreateGUID[:]...)
	return le.AppendUint32(b, d.Flags)
}

// DurableV1Request is the 16 reserved bytes of DHnQ, 2.2.13.2.3.
func DurableV1Request() []byte { return make([]byte, 16) }

// DurableV1Reconnect, MS-SMB2 2.2.13.2.4.
func DurableV1Reconnect(f FileID) []byte { return f.append(nil) }

// MaximalAccessResponse, MS-SMB2 2.2.14.2.5.
type MaximalAccessResponse struct {
	QueryStatus   Status
	MaximalAccess uint32
}

func ParseMaximalAccessResponse(d []byte) (*MaximalAccessResponse, error) {
	if len(d) < 8 {
		return nil, errShort("maximal access response context", 8, len(d))
	}
	return &MaximalAccessResponse{QueryStatus: Status(le.Uint32(d)), MaximalAccess: le.Uint32(d[4:])}, nil
}

// QueryOnDiskIDResponse, MS-SMB2 2.2.14.2.9 (32 bytes).
type QueryOnDiskIDResponse struct{ DiskFileID, VolumeID uint64 }

func ParseQueryOnDiskIDResponse(d []byte) (*QueryOnDiskIDResponse, error) {
	if len(d) < 32 {
		return nil, errShort("query on disk id response context", 32, len(d))
	}
	return &QueryOnDiskIDResponse{DiskFileID: le.Uint64(d), VolumeID: le.Uint64(d[8:])}, nil
}

// AllocationSize and Timewarp contexts carry one 64-bit value.
func EncodeUint64Context(v uint64) []byte { return le.AppendUint64(nil, v) }

// POSIXCreateRequest is the SMB3.1.1 POSIX create context: the mode.
func POSIXCreateRequest(mode uint32) []byte { return le.AppendUint32(nil, mode) }

// POSIXCreateResponse: Nlinks(4) ReparseTag(4) Mode(4) then owner and group
// SIDs back to back (as Samba sends them).
type POSIXCreateResponse struct {
	Nlinks, ReparseTag, Mode uint32
	Owner, Group             []byte
}

func ParsePOSIXCreateResponse(d []byte) (*POSIXCreateResponse, error) {
	const s = "POSIX create response context"
	if len(d) < 12 {
		return nil, errShort(s, 12, len(d))
	}
	r := &POSIXCreateResponse{Nlinks: le.Uint32(d), ReparseTag: le.Uint32(d[4:]), Mode: le.Uint32(d[8:])}
	rest := d[12:]
	sid := func(f string) ([]byte, error) {
		if len(rest) < 8 {
			return nil, errField(s, f, "SID header past end")
		}
		n := 8 + 4*int(rest[1])
		if n > len(rest) {
			return nil, errField(s, f, "SID of %d bytes past end", n)
		}
		v := rest[:n]
		rest = rest[n:]
		return v, nil
	}
	var err error
	if r.Owner, err = sid("Owner"); err != nil {
		return nil, err
	}
	if r.Group, err = sid("Group"); err != nil {
		return nil, err
	}
	return r, nil
}
