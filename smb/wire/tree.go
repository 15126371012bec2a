package wire

import "github.com/gosmb/gosmb/smb/internal/utf16le"

// Share types, flags and capabilities, MS-SMB2 2.2.10.
const (
	ShareTypeDisk  uint8 = 0x01
	ShareTypePipe  uint8 = 0x02
	ShareTypePrint uint8 = 0x03

	ShareFlagDFS                      uint32 = 0x00000001
	ShareFlagDFSRoot                  uint32 = 0x00000002
	ShareFlagNoCaching                uint32 = 0x00000030
	ShareFlagRestrictExclusiveOpens   uint32 = 0x00000100
	ShareFlagForceSharedDelete        uint32 = 0x00000200
	ShareFlagAllowNamespaceCaching    uint32 = 0x00000400
	ShareFlagAccessBasedDirectoryEnum uint32 = 0x00000800
	ShareFlagForceLevelIIOplock       uint32 = 0x00001000
	ShareFlagEnableHashV1             uint32 = 0x00002000
	ShareFlagEnableHashV2             uint32 = 0x00004000
	ShareFlagEncryptData              uint32 = 0x00008000
	ShareFlagIdentityRemoting         uint32 = 0x00040000
	ShareFlagCompressData             uint32 = 0x00100000

	ShareCapDFS                    uint32 = 0x00000008
	ShareCapContinuousAvailability uint32 = 0x00000010
	ShareCapScaleout               uint32 = 0x00000020
	ShareCapCluster                uint32 = 0x00000040
	ShareCapAsymmetric             uint32 = 0x00000080
	ShareCapRedirectToOwner        uint32 = 0x00000100

	// TreeConnectFlagExtensionPresent, MS-SMB2 2.2.9.
	TreeConnectFlagClusterReconnect uint16 = 0x0001
	TreeConnectFlagRedirectToOwner  uint16 = 0x0002
	TreeConnectFlagExtensionPresent uint16 = 0x0004
)

// TreeConnectRequest, MS-SMB2 2.2.9. Fixed part 8 bytes. The extension
// (2.2.9.1) is not sent: gosmb needs no tree connect contexts.
type TreeConnectRequest struct {
	Flags uint16
	Path  string // \\server\share
}

func (r *TreeConnectRequest) Length() int { return 8 + max(utf16le.EncodedLen(r.Path), 1) }

func (r *TreeConnectRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 9)
	b = le.AppendUint16(b, r.Flags&^TreeConnectFlagExtensionPresent)
	b = le.AppendUint16(b, HeaderSize+8)
	b = le.AppendUint16(b, uint16(utf16le.EncodedLen(r.Path)))
	return appendBuffer(b, utf16le.Encode(r.Path))
}

func ParseTreeConnectRequest(msg []byte) (*TreeConnectRequest, error) {
	const s = "TREE_CONNECT request"
	if err := checkSize(msg, 9, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+8 {
		return nil, errShort(s, HeaderSize+8, len(msg))
	}
	p := msg[HeaderSize:]
	raw, err := slice(msg, uint32(le.Uint16(p[4:])), uint32(le.Uint16(p[6:])), s, "Path")
	if err != nil {
		return nil, err
	}
	path, err := utf16le.Decode(raw)
	if err != nil {
		return nil, errField(s, "Path", "%v", err)
	}
	return &TreeConnectRequest{Flags: le.Uint16(p[2:]), Path: path}, nil
}

// TreeConnectResponse, MS-SMB2 2.2.10. 16 bytes.
type TreeConnectResponse struct {
	ShareType     uint8
	ShareFlags    uint32
	Capabilities  uint32
	MaximalAccess uint32
}

func (r *TreeConnectResponse) Length() int { return 16 }

func (r *TreeConnectResponse) Append(b []byte) []byte {
	b = le.AppendUint16(b, 16)
	b = append(b, r.ShareType, 0)
	b = le.AppendUint32(b, r.ShareFlags)
	b = le.AppendUint32(b, r.Capabilities)
	return le.AppendUint32(b, r.MaximalAccess)
}

func ParseTreeConnectResponse(msg []byte) (*TreeConnectResponse, error) {
	const s = "TREE_CONNECT response"
	if err := checkSize(msg, 16, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+16 {
		return nil, errShort(s, HeaderSize+16, len(msg))
	}
	p := msg[HeaderSize:]
	return &TreeConnectResponse{ShareType: p[2], ShareFlags: le.Uint32(p[4:]), Capabilities: le.Uint32(p[8:]), MaximalAccess: le.Uint32(p[12:])}, nil
}
