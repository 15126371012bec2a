package wire

import (
	"strings"
	"testing"
)

// Every decoder of server bytes has a fuzz target seeded with real Samba
// replies (testdata/samba). Bad input must give an error, never a panic.

func seed(f *testing.F, cmd string) {
	for name, msg := range sambaSeeds(f) {
		if cmd == "" || strings.Contains(name, "-"+cmd+"-") {
			f.Add(msg)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	seed(f, "")
	f.Fuzz(func(t *testing.T, b []byte) { parseResponse(b) })
}

func FuzzParseHeader(f *testing.F) {
	seed(f, "")
	f.Fuzz(func(t *testing.T, b []byte) { ParseHeader(b) })
}

func FuzzSplitCompound(f *testing.F) {
	seed(f, "")
	f.Fuzz(func(t *testing.T, b []byte) { SplitCompound(b) })
}

func FuzzParseNegotiateResponse(f *testing.F) {
	seed(f, "NEGOTIATE")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseNegotiateResponse(b)
		if err != nil {
			return
		}
		for _, c := range r.Contexts {
			ParsePreauthIntegrityCaps(c.Data)
			ParseEncryptionCaps(c.Data)
			ParseSigningCaps(c.Data)
			ParseCompressionCaps(c.Data)
			ParseNetnameContext(c.Data)
			ParseRDMATransformCaps(c.Data)
			ParseTransportCaps(c.Data)
		}
	})
}

func FuzzParseSessionSetupResponse(f *testing.F) {
	seed(f, "SESSION_SETUP")
	f.Fuzz(func(t *testing.T, b []byte) { ParseSessionSetupResponse(b) })
}

func FuzzParseTreeConnectResponse(f *testing.F) {
	seed(f, "TREE_CONNECT")
	f.Fuzz(func(t *testing.T, b []byte) { ParseTreeConnectResponse(b) })
}

func FuzzParseErrorResponse(f *testing.F) {
	seed(f, "")
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseErrorResponse(b)
		SymlinkFromError(b)
	})
}

func FuzzParseCreateResponse(f *testing.F) {
	seed(f, "CREATE")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseCreateResponse(b)
		if err != nil {
			return
		}
		for _, c := range r.Contexts {
			ParseLease(c.Data)
			ParseMaximalAccessResponse(c.Data)
			ParseQueryOnDiskIDResponse(c.Data)
			ParseDurableV2Response(c.Data)
			ParsePOSIXCreateResponse(c.Data)
		}
	})
}

func FuzzParseReadResponse(f *testing.F) {
	seed(f, "READ")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReadResponse(b)
		if err == nil && len(r.Data) > len(b) {
			t.Fatal("data longer than message")
		}
	})
}

func FuzzParseIoctlResponse(f *testing.F) {
	seed(f, "IOCTL")
	f.Add((&IoctlResponse{Output: make([]byte, 152)}).Append(Header{Command: CmdIoctl}.appendTo()))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseIoctlResponse(b)
		if err != nil {
			return
		}
		ParseNetworkInterfaceInfo(r.Output)
		ParseValidateNegotiateInfoResponse(r.Output)
		ParseSrvCopychunkResponse(r.Output)
		ParseAllocatedRanges(r.Output)
		ParseResumeKey(r.Output)
	})
}

func FuzzParseOutputBuffers(f *testing.F) {
	seed(f, "QUERY")
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseQueryDirectoryResponse(b)
		ParseQueryInfoResponse(b)
		ParseChangeNotifyResponse(b)
	})
}

func FuzzParseBreak(f *testing.F) {
	f.Add((&LeaseBreakNotification{NewEpoch: 1}).Append(Header{Command: CmdOplockBreak}.appendTo()))
	f.Add((&OplockBreak{}).Append(Header{Command: CmdOplockBreak}.appendTo()))
	f.Add((&LeaseBreakAck{}).Append(Header{Command: CmdOplockBreak}.appendTo()))
	f.Fuzz(func(t *testing.T, b []byte) { ParseBreak(b) })
}

func FuzzParseTransformHeader(f *testing.F) {
	th := (&TransformHeader{OriginalMessageSize: 4, Flags: 1, SessionID: 9}).Append(nil)
	f.Add(append(th, 1, 2, 3, 4))
	f.Fuzz(func(t *testing.T, b []byte) { ParseTransformHeader(b) })
}
