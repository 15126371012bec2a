package wire

import (
	"encoding/binary"
	"fmt"
)

var le = binary.LittleEndian

// Command is the SMB2 command code, MS-SMB2 2.2.1.
type Command uint16

const (
	CmdNegotiate      Command = 0x0000
	CmdSessionSetup   Command = 0x0001
	CmdLogoff         Command = 0x0002
	CmdTreeConnect    Command = 0x0003
	CmdTreeDisconnect Command = 0x0004
	CmdCreate         Command = 0x0005
	CmdClose          Command = 0x0006
	CmdFlush          Command = 0x0007
	CmdRead           Command = 0x0008
	CmdWrite          Command = 0x0009
	CmdLock           Command = 0x000A
	CmdIoctl          Command = 0x000B
	CmdCancel         Command = 0x000C
	CmdEcho           Command = 0x000D
	CmdQueryDirectory Command = 0x000E
	CmdChangeNotify   Command = 0x000F
	CmdQueryInfo      Command = 0x0010
	CmdSetInfo        Command = 0x0011
	CmdOplockBreak    Command = 0x0012
	numCommands               = 0x0013
)

var commandNames = [numCommands]string{
	"NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT",
	"CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO",
	"QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO", "OPLOCK_BREAK",
}

func (c Command) String() string {
	if int(c) < len(commandNames) {
		return commandNames[c]
	}
	return fmt.Sprintf("CMD_0x%04x", uint16(c))
}

// NumCommands is the number of defined commands, for per-command counters.
const NumCommands = numCommands

// HeaderFlags, MS-SMB2 2.2.1.
type HeaderFlags uint32

const (
	FlagServerToRedir     HeaderFlags = 0x00000001
	FlagAsyncCommand      HeaderFlags = 0x00000002
	FlagRelatedOperations HeaderFlags = 0x00000004
	FlagSigned            HeaderFlags = 0x00000008
	FlagPriorityMask      HeaderFlags = 0x00000070
	FlagDFSOperations     HeaderFlags = 0x10000000
	FlagReplayOperation   HeaderFlags = 0x20000000
)

// HeaderSize is the fixed size of the SMB2 header.
const HeaderSize = 64

// ProtocolID is the first four bytes of every SMB2 message.
var ProtocolID = [4]byte{0xFE, 'S', 'M', 'B'}

// Header is the SMB2 packet header, sync and async forms, MS-SMB2 2.2.1.1 and
// 2.2.1.2. In requests of dialect 3.x the Status field carries the
// ChannelSequence in its low 16 bits (MS-SMB2 2.2.1.2); use
// SetChannelSequence rather than writing Status.
type Header struct {
	CreditCharge uint16
	Status       Status
	Command      Command
	Credits      uint16 // CreditRequest in requests, CreditResponse in responses
	Flags        HeaderFlags
	NextCommand  uint32
	MessageID    uint64
	AsyncID      uint64 // valid when Flags has FlagAsyncCommand
	ProcessID    uint32 // sync form only (Reserved in MS-SMB2)
	TreeID       uint32 // sync form only
	SessionID    uint64
	Signature    [16]byte
}

// SetChannelSequence stores a 3.x request's ChannelSequence.
func (h *Header) SetChannelSequence(seq uint16) { h.Status = Status(seq) }

// IsAsync reports whether the header is in the async form.
func (h *Header) IsAsync() bool { return h.Flags&FlagAsyncCommand != 0 }

// IsResponse reports whether the message goes from server to client.
func (h *Header) IsResponse() bool { return h.Flags&FlagServerToRedir != 0 }

// Append encodes the header at the end of b.
func (h *Header) Append(b []byte) []byte {
	var x [HeaderSize]byte
	copy(x[0:4], ProtocolID[:])
	le.PutUint16(x[4:], HeaderSize)
	le.PutUint16(x[6:], h.CreditCharge)
	le.PutUint32(x[8:], uint32(h.Status))
	le.PutUint16(x[12:], uint16(h.Command))
	le.PutUint16(x[14:], h.Credits)
	le.PutUint32(x[16:], uint32(h.Flags))
	le.PutUint32(x[20:], h.NextCommand)
	le.PutUint64(x[24:], h.MessageID)
	if h.IsAsync() {
		le.PutUint64(x[32:], h.AsyncID)
	} else {
		le.PutUint32(x[32:], h.ProcessID)
		le.PutUint32(x[36:], h.TreeID)
	}
	le.PutUint64(x[40:], h.SessionID)
	copy(x[48:], h.Signature[:])
	return append(b, x[:]...)
}

// ParseHeader decodes the SMB2 header at the start of msg.
func ParseHeader(msg []byte) (*Header, error) {
	var h Header
	if err := h.Decode(msg); err != nil {
		return nil, err
	}
	return &h, nil
}

// Decode fills h from the SMB2 header at the start of msg without allocating.
func (h *Header) Decode(msg []byte) error {
	const s = "SMB2 header"
	if len(msg) < HeaderSize {
		return errShort(s, HeaderSize, len(msg))
	}
	if [4]byte(msg[0:4]) != ProtocolID {
		return errField(s, "ProtocolId", "% x, want fe 53 4d 42", msg[0:4])
	}
	if sz := le.Uint16(msg[4:]); sz != HeaderSize {
		return errField(s, "StructureSize", "%d, want 64", sz)
	}
	h.CreditCharge = le.Uint16(msg[6:])
	h.Status = Status(le.Uint32(msg[8:]))
	h.Command = Command(le.Uint16(msg[12:]))
	h.Credits = le.Uint16(msg[14:])
	h.Flags = HeaderFlags(le.Uint32(msg[16:]))
	h.NextCommand = le.Uint32(msg[20:])
	h.MessageID = le.Uint64(msg[24:])
	if h.IsAsync() {
		h.AsyncID = le.Uint64(msg[32:])
		h.ProcessID, h.TreeID = 0, 0
	} else {
		h.AsyncID = 0
		h.ProcessID = le.Uint32(msg[32:])
		h.TreeID = le.Uint32(msg[36:])
	}
	h.SessionID = le.Uint64(msg[40:])
	copy(h.Signature[:], msg[48:64])
	return nil
}

// Offsets of header fields that the connection layer patches in place
// (signing, credit charge, message id) after encoding.
const (
	OffCreditCharge = 6
	OffStatus       = 8
	OffCredits      = 14
	OffFlags        = 16
	OffNextCommand  = 20
	OffMessageID    = 24
	OffSessionID    = 40
	OffSignature    = 48
)

// SplitCompound splits a received buffer into its compounded messages by
// NextCommand, MS-SMB2 3.2.5.1.9. Each returned slice starts at an SMB2 header.
// Offsets must be 8-byte aligned and move forward; a chain is at most
// maxCompound messages long so a hostile peer cannot make us loop.
func SplitCompound(buf []byte) ([][]byte, error) {
	const s = "compound chain"
	const maxCompound = 256
	var out [][]byte
	for len(buf) > 0 {
		if len(out) == maxCompound {
			return nil, errField(s, "NextCommand", "more than %d messages", maxCompound)
		}
		if len(buf) < HeaderSize {
			return nil, errShort(s, HeaderSize, len(buf))
		}
		next := le.Uint32(buf[OffNextCommand:])
		if next == 0 {
			out = append(out, buf)
			break
		}
		if next < HeaderSize || next%8 != 0 || uint64(next) > uint64(len(buf)) {
			return nil, errField(s, "NextCommand", "%d invalid for %d remaining bytes", next, len(buf))
		}
		out = append(out, buf[:next])
		buf = buf[next:]
	}
	return out, nil
}
