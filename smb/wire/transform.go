package wire

// TransformHeaderSize is the size of the SMB2 TRANSFORM_HEADER, MS-SMB2 2.2.41.
const TransformHeaderSize = 52

// TransformProtocolID starts an encrypted message.
var TransformProtocolID = [4]byte{0xFD, 'S', 'M', 'B'}

// TransformFlagEncrypted is the Flags (EncryptionAlgorithm in 3.0) value.
const TransformFlagEncrypted uint16 = 0x0001

// TransformHeader precedes an encrypted message, MS-SMB2 2.2.41. The AEAD's
// associated data is the header from Nonce to its end (bytes 20..52); its tag
// is Signature. Nonce holds 11 (CCM) or 12 (GCM) significant bytes.
type TransformHeader struct {
	Signature           [16]byte
	Nonce               [16]byte
	OriginalMessageSize uint32
	Flags               uint16
	SessionID           uint64
}

// Offset of the associated data inside the transform header.
const TransformAADOffset = 20

func (t *TransformHeader) Length() int { return TransformHeaderSize }

func (t *TransformHeader) Append(b []byte) []byte {
	b = append(b, TransformProtocolID[:]...)
	b = append(b, t.Signature[:]...)
	b = append(b, t.Nonce[:]...)
	b = le.AppendUint32(b, t.OriginalMessageSize)
	b = le.AppendUint16(b, 0) // Reserved
	b = le.AppendUint16(b, t.Flags)
	return le.AppendUint64(b, t.SessionID)
}

// ParseTransformHeader decodes the transform header at the start of b.
func ParseTransformHeader(b []byte) (*TransformHeader, error) {
	const s = "TRANSFORM_HEADER"
	if len(b) < TransformHeaderSize {
		return nil, errShort(s, TransformHeaderSize, len(b))
	}
	if [4]byte(b[0:4]) != TransformProtocolID {
		return nil, errField(s, "ProtocolId", "% x, want fd 53 4d 42", b[0:4])
	}
	t := &TransformHeader{
		OriginalMessageSize: le.Uint32(b[36:]),
		Flags:               le.Uint16(b[42:]),
		SessionID:           le.Uint64(b[44:]),
	}
	copy(t.Signature[:], b[4:20])
	copy(t.Nonce[:], b[20:36])
	if int(t.OriginalMessageSize) != len(b)-TransformHeaderSize {
		return nil, errField(s, "OriginalMessageSize", "%d, but %d bytes follow the header", t.OriginalMessageSize, len(b)-TransformHeaderSize)
	}
	return t, nil
}
