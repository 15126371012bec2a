package wire

// CHANGE_NOTIFY flags and completion filter, MS-SMB2 2.2.35.
const (
	WatchTree uint16 = 0x0001

	FileNotifyChangeFileName    uint32 = 0x00000001
	FileNotifyChangeDirName     uint32 = 0x00000002
	FileNotifyChangeAttributes  uint32 = 0x00000004
	FileNotifyChangeSize        uint32 = 0x00000008
	FileNotifyChangeLastWrite   uint32 = 0x00000010
	FileNotifyChangeLastAccess  uint32 = 0x00000020
	FileNotifyChangeCreation    uint32 = 0x00000040
	FileNotifyChangeEA          uint32 = 0x00000080
	FileNotifyChangeSecurity    uint32 = 0x00000100
	FileNotifyChangeStreamName  uint32 = 0x00000200
	FileNotifyChangeStreamSize  uint32 = 0x00000400
	FileNotifyChangeStreamWrite uint32 = 0x00000800
)

// ChangeNotifyRequest, MS-SMB2 2.2.35 (32 bytes).
type ChangeNotifyRequest struct {
	Flags              uint16
	OutputBufferLength uint32
	FileID             FileID
	CompletionFilter   uint32
}

func (r *ChangeNotifyRequest) Length() int { return 32 }

func (r *ChangeNotifyRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 32)
	b = le.AppendUint16(b, r.Flags)
	b = le.AppendUint32(b, r.OutputBufferLength)
	b = r.FileID.append(b)
	b = le.AppendUint32(b, r.CompletionFilter)
	return le.AppendUint32(b, 0)
}

// ChangeNotifyResponse, MS-SMB2 2.2.36.
type ChangeNotifyResponse struct{ Buffer []byte }

func (r *ChangeNotifyResponse) Length() int            { return 8 + max(len(r.Buffer), 1) }
func (r *ChangeNotifyResponse) Append(b []byte) []byte { return appendOutputBuffer(b, r.Buffer) }

func ParseChangeNotifyResponse(msg []byte) (*ChangeNotifyResponse, error) {
	buf, err := parseOutputBuffer(msg, "CHANGE_NOTIFY response")
	if err != nil {
		return nil, err
	}
	return &ChangeNotifyResponse{Buffer: buf}, nil
}
