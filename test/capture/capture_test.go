// Package capture proves gosmb's wire format against Wireshark's SMB2
// dissector: a workload that uses every command runs against real Samba
// while tshark captures it, and the decoded capture must contain every
// command and no malformed packet.
package capture

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

func workload(t *testing.T, s *harness.Samba, opts smb.Options) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts.Port = s.Port
	mech := auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: s.User, Password: s.Password}))
	sh, err := smb.DialShare(ctx, s.Host, "share", mech, opts)
	if err != nil {
		t.Fatal(err)
	}
	tr := sh.Tree
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("echo", sh.Conn.Echo(ctx))
	_, err = tr.Mkdir(ctx, "d", 0o755)
	must("mkdir", err)
	f, err := tr.Create(ctx, "d/f.txt", wire.CreateRequest{
		DesiredAccess: wire.GenericRead | wire.GenericWrite | wire.Delete, ShareAccess: wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileCreate, CreateOptions: wire.FileNonDirectoryFile,
	})
	must("create", err)
	_, err = f.WriteAt(ctx, bytes.Repeat([]byte("gosmb "), 100000), 0)
	must("write", err)
	buf := make([]byte, 600000)
	_, err = f.ReadAt(ctx, buf, 0)
	must("read", err)
	must("flush", f.Flush(ctx))
	must("lock", f.Lock(ctx, []wire.LockElement{{Offset: 0, Length: 10, Flags: wire.LockFlagExclusive | wire.LockFlagFailImmediately}}))
	must("unlock", f.Lock(ctx, []wire.LockElement{{Offset: 0, Length: 10, Flags: wire.LockFlagUnlock}}))
	_, err = f.QueryInfo(ctx, wire.InfoFile, uint8(fscc.FileAllInformation), 0, 4096)
	must("query info", err)
	_, err = f.QueryInfo(ctx, wire.InfoSecurity, 0, wire.OwnerSecurityInformation|wire.GroupSecurityInformation|wire.DACLSecurityInformation, 4096)
	must("query security", err)
	must("set info", f.SetInfo(ctx, wire.InfoFile, uint8(fscc.FileEndOfFileInformationClass), 0, (&fscc.FileEndOfFileInformation{EndOfFile: 1000}).Append(nil)))
	_, err = f.Ioctl(ctx, wire.FsctlSrvRequestResumeKey, nil, 32)
	must("ioctl", err)
	_, err = f.Close(ctx)
	must("close", err)
	_, err = tr.Stat(ctx, "d/f.txt")
	must("stat", err)
	must("rename", tr.Rename(ctx, "d/f.txt", "d/g.txt", false, nil))
	_, err = tr.ReadDir(ctx, "d")
	must("readdir", err)
	dir, err := tr.Create(ctx, "d", wire.CreateRequest{
		DesiredAccess: wire.FileListDirectory | wire.FileReadAttributes, ShareAccess: wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen, CreateOptions: wire.FileDirectoryFile,
	})
	must("open dir", err)
	nctx, ncancel := context.WithTimeout(ctx, 200*time.Millisecond)
	dir.ChangeNotify(nctx, wire.FileNotifyChangeFileName, false, 4096) // cancelled: sends CANCEL
	ncancel()
	dir.Close(ctx)
	_, err = tr.StatFS(ctx)
	must("statfs", err)
	must("remove", tr.Remove(ctx, "d/g.txt", false, nil))
	must("rmdir", tr.Remove(ctx, "d", true, nil))
	must("close share", sh.Close(ctx))
}

func TestCaptureHasNoMalformedPackets(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts smb.Options
	}{
		{"3.1.1-signed-posix", smb.Options{RequireSigning: true, POSIX: true}},
		{"3.0-signed", smb.Options{MinDialect: wire.SMB300, MaxDialect: wire.SMB300, RequireSigning: true}},
		{"2.0.2", smb.Options{MinDialect: wire.SMB202, MaxDialect: wire.SMB202}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := harness.StartSamba(t, harness.Config{Port: 445})
			pcap := filepath.Join(t.TempDir(), "run.pcap")
			stop := harness.StartCapture(t, s.Port, pcap)
			workload(t, s, tc.opts)
			stop()
			cmds := harness.Tshark(t, pcap, "-Y", "smb2", "-T", "fields", "-e", "smb2.cmd")
			seen := map[string]bool{}
			for _, l := range strings.Fields(strings.ReplaceAll(cmds, ",", " ")) {
				seen[l] = true
			}
			for _, want := range []wire.Command{wire.CmdNegotiate, wire.CmdSessionSetup, wire.CmdTreeConnect, wire.CmdCreate,
				wire.CmdClose, wire.CmdFlush, wire.CmdRead, wire.CmdWrite, wire.CmdLock, wire.CmdIoctl, wire.CmdCancel,
				wire.CmdEcho, wire.CmdQueryDirectory, wire.CmdChangeNotify, wire.CmdQueryInfo, wire.CmdSetInfo,
				wire.CmdLogoff, wire.CmdTreeDisconnect} {
				if !seen[fmt.Sprint(uint16(want))] {
					t.Errorf("capture has no %s", want)
				}
			}
			if os.Getenv("GOSMB_KEEP_PCAP") != "" {
				exec.Command("cp", pcap, os.Getenv("GOSMB_KEEP_PCAP")).Run()
			}
			bad := harness.Tshark(t, pcap, "-Y", "_ws.malformed || _ws.expert.severity == error")
			if strings.TrimSpace(bad) != "" {
				t.Errorf("tshark marks packets malformed or in error:\n%s", bad)
			}
			if t.Failed() {
				t.Logf("full decode:\n%s", harness.Tshark(t, pcap, "-Y", "smb2"))
			}
		})
	}
}
