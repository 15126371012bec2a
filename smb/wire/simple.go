package wire

// The commands whose bodies are a StructureSize and a reserved field:
// LOGOFF (2.2.7/2.2.8), TREE_DISCONNECT (2.2.11/2.2.12), ECHO (2.2.28/2.2.29),
// CANCEL (2.2.30), and the FLUSH, LOCK and SET_INFO responses.
type simple4 struct{}

func (simple4) Length() int            { return 4 }
func (simple4) Append(b []byte) []byte { return le.AppendUint32(b, 4) }
func parseSimple4(msg []byte, s string) error {
	if err := checkSize(msg, 4, s); err != nil {
		return err
	}
	if len(msg) < HeaderSize+4 {
		return errShort(s, HeaderSize+4, len(msg))
	}
	return nil
}

type (
	LogoffRequest          struct{ simple4 }
	LogoffResponse         struct{ simple4 }
	TreeDisconnectRequest  struct{ simple4 }
	TreeDisconnectResponse struct{ simple4 }
	EchoRequest            struct{ simple4 }
	EchoResponse           struct{ simple4 }
	CancelRequest          struct{ simple4 }
)

func ParseLogoffResponse(msg []byte) error { return parseSimple4(msg, "LOGOFF response") }
func ParseTreeDisconnectResponse(msg []byte) error {
	return parseSimple4(msg, "TREE_DISCONNECT response")
}
func ParseEchoResponse(msg []byte) error  { return parseSimple4(msg, "ECHO response") }
func ParseCancelRequest(msg []byte) error { return parseSimple4(msg, "CANCEL request") }
