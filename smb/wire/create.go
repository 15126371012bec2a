package wire

import "github.com/gosmb/gosmb/smb/internal/utf16le"

// CreateRequest, MS-SMB2 2.2.13. Fixed part 56 bytes.
type CreateRequest struct {
	SecurityFlags        uint8
	RequestedOplockLevel uint8
	ImpersonationLevel   uint32
	DesiredAccess        uint32
	FileAttributes       uint32
	ShareAccess          uint32
	CreateDisposition    uint32
	CreateOptions        uint32
	Name                 string // relative to the share, backslash separated
	Contexts             []CreateContext
}

func (r *CreateRequest) Length() int {
	n := 56 + max(utf16le.EncodedLen(r.Name), 1)
	if len(r.Contexts) > 0 {
		n = ((HeaderSize+n+7)&^7 - HeaderSize) + createContextsLen(r.Contexts)
	}
	return n
}

func (r *CreateRequest) Append(b []byte) []byte {
	base := len(b) - HeaderSize
	nameLen := utf16le.EncodedLen(r.Name)
	b = le.AppendUint16(b, 57)
	b = append(b, r.SecurityFlags, r.RequestedOplockLevel)
	b = le.AppendUint32(b, r.ImpersonationLevel)
	b = le.AppendUint64(b, 0) // SmbCreateFlags
	b = le.AppendUint64(b, 0) // Reserved
	b = le.AppendUint32(b, r.DesiredAccess)
	b = le.AppendUint32(b, r.FileAttributes)
	b = le.AppendUint32(b, r.ShareAccess)
	b = le.AppendUint32(b, r.CreateDisposition)
	b = le.AppendUint32(b, r.CreateOptions)
	b = le.AppendUint16(b, HeaderSize+56)
	b = le.AppendUint16(b, uint16(nameLen))
	ctxPos := len(b)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 0)
	if nameLen == 0 {
		b = append(b, 0)
	} else {
		b = utf16le.Append(b, r.Name)
	}
	if len(r.Contexts) > 0 {
		b = pad8(b)
		start := len(b)
		le.PutUint32(b[ctxPos:], uint32(start-base))
		b = appendCreateContexts(b, r.Contexts)
		le.PutUint32(b[ctxPos+4:], uint32(len(b)-start))
	}
	return b
}

func ParseCreateRequest(msg []byte) (*CreateRequest, error) {
	const s = "CREATE request"
	if err := checkSize(msg, 57, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+56 {
		return nil, errShort(s, HeaderSize+56, len(msg))
	}
	p := msg[HeaderSize:]
	r := &CreateRequest{SecurityFlags: p[2], RequestedOplockLevel: p[3], ImpersonationLevel: le.Uint32(p[4:]),
		DesiredAccess: le.Uint32(p[24:]), FileAttributes: le.Uint32(p[28:]), ShareAccess: le.Uint32(p[32:]),
		CreateDisposition: le.Uint32(p[36:]), CreateOptions: le.Uint32(p[40:])}
	raw, err := slice(msg, uint32(le.Uint16(p[44:])), uint32(le.Uint16(p[46:])), s, "Name")
	if err != nil {
		return nil, err
	}
	if r.Name, err = utf16le.Decode(raw); err != nil {
		return nil, errField(s, "Name", "%v", err)
	}
	ctx, err := slice(msg, le.Uint32(p[48:]), le.Uint32(p[52:]), s, "CreateContexts")
	if err != nil {
		return nil, err
	}
	if r.Contexts, err = parseCreateContexts(ctx, s); err != nil {
		return nil, err
	}
	return r, nil
}

// CreateResponse, MS-SMB2 2.2.14. Fixed part 88 bytes.
type CreateResponse struct {
	OplockLevel    uint8
	Flags          uint8
	CreateAction   uint32
	CreationTime   uint64
	LastAccessTime uint64
	LastWriteTime  uint64
	ChangeTime     uint64
	AllocationSize uint64
	EndOfFile      uint64
	FileAttributes uint32
	FileID         FileID
	Contexts       []CreateContext
}

func (r *CreateResponse) Length() int {
	n := 88
	if len(r.Contexts) > 0 {
		n += createContextsLen(r.Contexts)
	}
	return n
}

func (r *CreateResponse) Append(b []byte) []byte {
	base := len(b) - HeaderSize
	b = le.AppendUint16(b, 89)
	b = append(b, r.OplockLevel, r.Flags)
	b = le.AppendUint32(b, r.CreateAction)
	for _, v := range []uint64{r.CreationTime, r.LastAccessTime, r.LastWriteTime, r.ChangeTime, r.AllocationSize, r.EndOfFile} {
		b = le.AppendUint64(b, v)
	}
	b = le.AppendUint32(b, r.FileAttributes)
	b = le.AppendUint32(b, 0)
	b = r.FileID.append(b)
	ctxPos := len(b)
	b = le.AppendUint64(b, 0)
	if len(r.Contexts) > 0 {
		start := len(b)
		le.PutUint32(b[ctxPos:], uint32(start-base))
		b = appendCreateContexts(b, r.Contexts)
		le.PutUint32(b[ctxPos+4:], uint32(len(b)-start))
	}
	return b
}

func ParseCreateResponse(msg []byte) (*CreateResponse, error) {
	const s = "CREATE response"
	if err := checkSize(msg, 89, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+88 {
		return nil, errShort(s, HeaderSize+88, len(msg))
	}
	p := msg[HeaderSize:]
	r := &CreateResponse{OplockLevel: p[2], Flags: p[3], CreateAction: le.Uint32(p[4:]),
		CreationTime: le.Uint64(p[8:]), LastAccessTime: le.Uint64(p[16:]), LastWriteTime: le.Uint64(p[24:]),
		ChangeTime: le.Uint64(p[32:]), AllocationSize: le.Uint64(p[40:]), EndOfFile: le.Uint64(p[48:]),
		FileAttributes: le.Uint32(p[56:]), FileID: parseFileID(p[64:])}
	ctx, err := slice(msg, le.Uint32(p[80:]), le.Uint32(p[84:]), s, "CreateContexts")
	if err != nil {
		return nil, err
	}
	if r.Contexts, err = parseCreateContexts(ctx, s); err != nil {
		return nil, err
	}
	return r, nil
}

// Context returns the data of the first create context named name.
func (r *CreateResponse) Context(name string) ([]byte, bool) {
	for _, c := range r.Contexts {
		if c.Name == name {
			return c.Data, true
		}
	}
	return nil, false
}
