package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sambaSeeds returns the real Samba replies recorded under testdata/samba
// (see smb/seeds_test.go).
func sambaSeeds(t testing.TB) map[string][]byte {
	files, _ := filepath.Glob(filepath.Join("testdata", "samba", "*.bin"))
	if len(files) == 0 {
		t.Fatal("no seeds in testdata/samba")
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// parseResponse decodes any server message with the parser its command and
// status call for.
func parseResponse(msg []byte) error {
	h, err := ParseHeader(msg)
	if err != nil {
		return err
	}
	if h.Status.IsError() && !(h.Command == CmdSessionSetup && h.Status == StatusMoreProcessingRequired) {
		_, err = ParseErrorResponse(msg)
		return err
	}
	if h.Status == StatusPending {
		_, err = ParseErrorResponse(msg)
		return err
	}
	switch h.Command {
	case CmdNegotiate:
		_, err = ParseNegotiateResponse(msg)
	case CmdSessionSetup:
		_, err = ParseSessionSetupResponse(msg)
	case CmdLogoff:
		err = ParseLogoffResponse(msg)
	case CmdTreeConnect:
		_, err = ParseTreeConnectResponse(msg)
	case CmdTreeDisconnect:
		err = ParseTreeDisconnectResponse(msg)
	case CmdCreate:
		_, err = ParseCreateResponse(msg)
	case CmdClose:
		_, err = ParseCloseResponse(msg)
	case CmdFlush:
		err = ParseFlushResponse(msg)
	case CmdRead:
		_, err = ParseReadResponse(msg)
	case CmdWrite:
		_, err = ParseWriteResponse(msg)
	case CmdLock:
		err = ParseLockResponse(msg)
	case CmdIoctl:
		_, err = ParseIoctlResponse(msg)
	case CmdEcho:
		err = ParseEchoResponse(msg)
	case CmdQueryDirectory:
		_, err = ParseQueryDirectoryResponse(msg)
	case CmdChangeNotify:
		_, err = ParseChangeNotifyResponse(msg)
	case CmdQueryInfo:
		_, err = ParseQueryInfoResponse(msg)
	case CmdSetInfo:
		err = ParseSetInfoResponse(msg)
	case CmdOplockBreak:
		_, err = ParseBreak(msg)
	}
	return err
}

func TestSambaRepliesParse(t *testing.T) {
	seen := map[Command]bool{}
	for name, msg := range sambaSeeds(t) {
		if err := parseResponse(msg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		h, _ := ParseHeader(msg)
		seen[h.Command] = true
	}
	for _, c := range []Command{CmdNegotiate, CmdSessionSetup, CmdTreeConnect, CmdCreate, CmdClose, CmdRead, CmdQueryDirectory, CmdQueryInfo} {
		if !seen[c] {
			t.Errorf("no recorded %s reply", c)
		}
	}
}

// Every truncated prefix of a real reply must fail cleanly or parse; none
// may panic, and a prefix shorter than the header must fail.
func TestSambaRepliesTruncated(t *testing.T) {
	for name, msg := range sambaSeeds(t) {
		for n := 0; n < len(msg); n++ {
			err := parseResponse(msg[:n])
			if n < HeaderSize && err == nil {
				t.Fatalf("%s: %d-byte prefix parsed", name, n)
			}
		}
	}
}

func TestNegotiateResponse311Golden(t *testing.T) {
	for name, msg := range sambaSeeds(t) {
		if !strings.HasPrefix(name, "311-NEGOTIATE") {
			continue
		}
		r, err := ParseNegotiateResponse(msg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Dialect != SMB311 || r.MaxReadSize != 8<<20 {
			t.Errorf("dialect %s maxread %d", r.Dialect, r.MaxReadSize)
		}
		pc, ok := r.Context(CtxPreauthIntegrity)
		if !ok {
			t.Fatal("no preauth context")
		}
		p, err := ParsePreauthIntegrityCaps(pc.Data)
		if err != nil || len(p.HashAlgorithms) != 1 || p.HashAlgorithms[0] != HashSHA512 || len(p.Salt) != 32 {
			t.Errorf("preauth %+v %v", p, err)
		}
		if _, ok := r.Context(CtxSigning); !ok {
			t.Error("no signing context")
		}
		return
	}
	t.Fatal("no 3.1.1 NEGOTIATE seed")
}

type codec interface {
	Length() int
	Append([]byte) []byte
}

func encode(h Header, c codec) []byte {
	b := h.Append(nil)
	return c.Append(b)
}

func TestRoundTrips(t *testing.T) {
	fid := FileID{0x1122334455667788, 0x99AABBCCDDEEFF00}
	cases := []struct {
		name  string
		in    codec
		parse func([]byte) (any, error)
	}{
		{"negotiate request", &NegotiateRequest{SecurityMode: 1, Capabilities: 0x7f, ClientGUID: [16]byte{1, 2}, Dialects: []Dialect{SMB210, SMB311},
			Contexts: []NegContext{{CtxPreauthIntegrity, (&PreauthIntegrityCaps{[]uint16{1}, []byte("saltsaltsalt")}).Encode()}, {CtxNetname, (&NetnameContext{"srv"}).Encode()}, NewPOSIXContext()}},
			func(b []byte) (any, error) { return ParseNegotiateRequest(b) }},
		{"negotiate response", &NegotiateResponse{SecurityMode: 1, Dialect: SMB311, MaxReadSize: 1 << 20, SecurityBuffer: []byte{0x60, 1, 2},
			Contexts: []NegContext{{CtxEncryption, (&EncryptionCaps{[]Cipher{CipherAES128GCM}}).Encode()}, {CtxSigning, (&SigningCaps{[]SigningAlg{SigningAESGMAC}}).Encode()}}},
			func(b []byte) (any, error) { return ParseNegotiateResponse(b) }},
		{"session setup request", &SessionSetupRequest{SecurityMode: 1, PreviousSessionID: 7, SecurityBuffer: []byte("token")},
			func(b []byte) (any, error) { return ParseSessionSetupRequest(b) }},
		{"session setup response", &SessionSetupResponse{SessionFlags: SessionFlagEncryptData, SecurityBuffer: []byte("tok")},
			func(b []byte) (any, error) { return ParseSessionSetupResponse(b) }},
		{"tree connect request", &TreeConnectRequest{Path: `\\srv\share`}, func(b []byte) (any, error) { return ParseTreeConnectRequest(b) }},
		{"tree connect response", &TreeConnectResponse{ShareType: 1, ShareFlags: ShareFlagEncryptData, MaximalAccess: 0x1f01ff},
			func(b []byte) (any, error) { return ParseTreeConnectResponse(b) }},
		{"create request", &CreateRequest{DesiredAccess: GenericRead, CreateDisposition: FileOpenIf, Name: `dir\é.txt`,
			Contexts: []CreateContext{{CtxLease, (&LeaseV2{Key: [16]byte{9}, State: 7, Epoch: 3}).Encode()}, {CtxMaximalAccess, nil}, {CtxPOSIXCreate, POSIXCreateRequest(0o644)}}},
			func(b []byte) (any, error) { return ParseCreateRequest(b) }},
		{"create response", &CreateResponse{OplockLevel: OplockLevelLease, CreateAction: FileCreated, EndOfFile: 5, FileID: fid,
			Contexts: []CreateContext{{CtxMaximalAccess, []byte{0, 0, 0, 0, 0xff, 1, 0x1f, 0}}}},
			func(b []byte) (any, error) { return ParseCreateResponse(b) }},
		{"close request", &CloseRequest{Flags: ClosePostQueryAttrib, FileID: fid}, func(b []byte) (any, error) { return ParseCloseRequest(b) }},
		{"close response", &CloseResponse{Flags: 1, EndOfFile: 9, FileAttributes: 0x20}, func(b []byte) (any, error) { return ParseCloseResponse(b) }},
		{"read request", &ReadRequest{ReadLength: 4096, Offset: 1 << 33, FileID: fid}, func(b []byte) (any, error) { return ParseReadRequest(b) }},
		{"read response", &ReadResponse{DataOffset: 80, Data: []byte("data")}, func(b []byte) (any, error) { return ParseReadResponse(b) }},
		{"write request", &WriteRequest{Offset: 5, FileID: fid, Data: []byte("payload")}, func(b []byte) (any, error) { return ParseWriteRequest(b) }},
		{"write response", &WriteResponse{Count: 7}, func(b []byte) (any, error) { return ParseWriteResponse(b) }},
		{"lock request", &LockRequest{FileID: fid, Locks: []LockElement{{1, 2, LockFlagExclusive}}}, func(b []byte) (any, error) { return ParseLockRequest(b) }},
		{"ioctl request", &IoctlRequest{CtlCode: FsctlValidateNegotiateInfo, FileID: FileIDAny, Input: []byte{1, 2, 3}, MaxOutputResponse: 24, Flags: IoctlIsFsctl},
			func(b []byte) (any, error) { return ParseIoctlRequest(b) }},
		{"ioctl response", &IoctlResponse{CtlCode: 1, FileID: fid, Input: []byte{1}, Output: []byte{1, 2, 3, 4}}, func(b []byte) (any, error) { return ParseIoctlResponse(b) }},
		{"query directory response", &QueryDirectoryResponse{Buffer: []byte{1, 2, 3}}, func(b []byte) (any, error) { return ParseQueryDirectoryResponse(b) }},
		{"change notify response", &ChangeNotifyResponse{Buffer: []byte{1, 2, 3}}, func(b []byte) (any, error) { return ParseChangeNotifyResponse(b) }},
		{"query info response", &QueryInfoResponse{Buffer: []byte{9}}, func(b []byte) (any, error) { return ParseQueryInfoResponse(b) }},
		{"oplock break", &OplockBreak{OplockLevel: 1, FileID: fid}, func(b []byte) (any, error) { return ParseBreak(b) }},
		{"lease break", &LeaseBreakNotification{NewEpoch: 2, Flags: 1, LeaseKey: [16]byte{3}, CurrentLeaseState: 7, NewLeaseState: 1}, func(b []byte) (any, error) { return ParseBreak(b) }},
		{"lease ack", &LeaseBreakAck{LeaseKey: [16]byte{3}, LeaseState: 1}, func(b []byte) (any, error) { return ParseBreak(b) }},
	}
	for _, c := range cases {
		msg := encode(Header{Command: CmdCreate, MessageID: 1}, c.in)
		if got := len(msg) - HeaderSize; got != c.in.Length() {
			t.Errorf("%s: Length() %d, encoded %d", c.name, c.in.Length(), got)
		}
		out, err := c.parse(msg)
		if err != nil {
			t.Errorf("%s: parse: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(normalize(out), normalize(c.in)) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", c.name, out, c.in)
		}
		for n := 0; n < len(msg); n++ {
			c.parse(msg[:n]) // must not panic
		}
	}
}

// normalize makes nil and empty slices compare equal.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return v
	}
	cp := reflect.New(rv.Elem().Type())
	cp.Elem().Set(rv.Elem())
	e := cp.Elem()
	for i := 0; i < e.NumField(); i++ {
		f := e.Field(i)
		if f.Kind() == reflect.Slice && f.Len() == 0 && f.CanSet() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return cp.Interface()
}

func TestSplitCompound(t *testing.T) {
	a := Pad8((&EchoResponse{}).Append(Header{Command: CmdEcho}.appendTo()))
	le.PutUint32(a[OffNextCommand:], uint32(len(a)))
	b := (&EchoResponse{}).Append(Header{Command: CmdEcho, MessageID: 2}.appendTo())
	msgs, err := SplitCompound(append(append([]byte(nil), a...), b...))
	if err != nil || len(msgs) != 2 || !bytes.Equal(msgs[1], b) {
		t.Fatalf("SplitCompound: %d msgs, %v", len(msgs), err)
	}
	bad := append([]byte(nil), a...)
	le.PutUint32(bad[OffNextCommand:], 12) // not aligned, inside the header
	if _, err := SplitCompound(bad); err == nil {
		t.Fatal("misaligned NextCommand accepted")
	}
}

func (h Header) appendTo() []byte { return h.Append(nil) }

func TestStatusNames(t *testing.T) {
	if StatusAccessDenied.String() != "STATUS_ACCESS_DENIED" || Status(0xC0FFEE00).String() != "NTSTATUS_0xC0FFEE00" {
		t.Fatal(StatusAccessDenied.String())
	}
	if !StatusAccessDenied.IsError() || StatusBufferOverflow.IsError() || !StatusBufferOverflow.IsWarning() {
		t.Fatal("severity")
	}
}

func TestSymlinkError(t *testing.T) {
	// Build the MS-SMB2 2.2.2.2.1 structure for target "a\b".
	sub := []byte{'a', 0, '\\', 0, 'b', 0}
	d := le.AppendUint32(nil, 0)
	d = le.AppendUint32(d, 0x4C4D5953)
	d = le.AppendUint32(d, 0xA000000C)
	d = le.AppendUint16(d, 0)
	d = le.AppendUint16(d, 0)
	d = le.AppendUint16(d, 0)
	d = le.AppendUint16(d, uint16(len(sub)))
	d = le.AppendUint16(d, uint16(len(sub)))
	d = le.AppendUint16(d, uint16(len(sub)))
	d = le.AppendUint32(d, SymlinkFlagRelative)
	d = append(d, sub...)
	d = append(d, sub...)
	msg := (&ErrorResponse{ErrorData: d}).Append(Header{Status: StatusStoppedOnSymlink}.appendTo())
	s, err := SymlinkFromError(msg)
	if err != nil || s.SubstituteName != `a\b` || s.Flags != SymlinkFlagRelative {
		t.Fatalf("%+v %v", s, err)
	}
	for n := range d {
		ParseSymlinkErrorResponse(d[:n])
	}
}
