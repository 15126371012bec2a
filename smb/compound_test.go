package smb

import (
	"context"
	"testing"
	"time"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/test/harness"
)

// An unrelated compound (MS-SMB2 3.2.4.1.4): independent requests in one
// frame, each with its own FileId, answered one by one.
func TestUnrelatedCompound(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mech := auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: s.User, Password: s.Password}))
	sh, err := DialShare(ctx, s.Host, "share", mech, Options{Port: s.Port, RequireSigning: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close(ctx)
	root, err := sh.Tree.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close(ctx)
	q := func(class uint8) *Request {
		return &Request{Cmd: wire.CmdQueryInfo, Body: &wire.QueryInfoRequest{InfoType: wire.InfoFilesystem, FileInfoClass: class, OutputBufferLength: 4096, FileID: root.ID}}
	}
	reqs := []*Request{q(uint8(fscc.FileFsFullSizeInformation)), {Cmd: wire.CmdEcho, Body: &wire.EchoRequest{}}, q(uint8(fscc.FileFsAttributeInformation))}
	for _, r := range reqs {
		r.TreeID = sh.Tree.ID()
	}
	resps, err := sh.Conn.roundTrip(ctx, sh.Session, reqs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 3 || resps[1].Header.Command != wire.CmdEcho {
		t.Fatalf("%d responses", len(resps))
	}
	buf, err := sh.Tree.queryInfoResult(resps[2], "")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := fscc.ParseFileFsAttributeInformation(buf); err != nil || a.FileSystemName == "" {
		t.Fatalf("%+v %v", a, err)
	}
}

// A server that demands encryption for every session seals the whole
// session, not just one share.
func TestServerDemandsEncryption(t *testing.T) {
	s := harness.StartSamba(t, harness.Config{Global: map[string]string{"server smb encrypt": "required"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mech := auth.NewSPNEGO(auth.NewNTLM(auth.Credentials{Username: s.User, Password: s.Password}))
	sh, err := DialShare(ctx, s.Host, "share", mech, Options{Port: s.Port})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close(ctx)
	if !sh.Session.Encrypted() {
		t.Fatal("session not encrypted although the server requires it")
	}
	if _, err := sh.Tree.Stat(ctx, ""); err != nil {
		t.Fatal(err)
	}
}
