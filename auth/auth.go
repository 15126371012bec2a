// Package auth produces the security tokens of SMB2 SESSION_SETUP: NTLMSSP
// (package ntlm) wrapped in SPNEGO (package spnego). smb asks a Mechanism
// for tokens; nothing else in gosmb talks to an authentication protocol.
package auth

import (
	"context"
	"fmt"

	"github.com/gosmb/gosmb/auth/ntlm"
	"github.com/gosmb/gosmb/auth/spnego"
)

// Mechanism is one authentication exchange. The session-setup loop calls
// Step(nil) first, sends out, and feeds each server token back until done.
// SessionKey is valid once done.
type Mechanism interface {
	Name() string
	Step(ctx context.Context, in []byte) (out []byte, done bool, err error)
	SessionKey() []byte
}

// Credentials identify the user. String never shows the password.
type Credentials struct {
	Username    string
	Domain      string
	Password    string
	Workstation string
	Anonymous   bool
	Guest       bool
}

func (c Credentials) String() string {
	switch {
	case c.Anonymous:
		return "anonymous"
	case c.Domain != "":
		return c.Domain + `\` + c.Username
	}
	return c.Username
}

type ntlmMech struct {
	c    *ntlm.Client
	step int
}

// NewNTLM returns raw NTLMSSP (NTLMv2 with MIC).
func NewNTLM(c Credentials) Mechanism {
	user, pass := c.Username, c.Password
	if c.Anonymous {
		user, pass = "", ""
	}
	if c.Guest && user == "" {
		user = "guest"
	}
	return &ntlmMech{c: &ntlm.Client{User: user, Password: pass, Domain: c.Domain, Workstation: c.Workstation}}
}

func (m *ntlmMech) Name() string { return "NTLMSSP" }

func (m *ntlmMech) Step(_ context.Context, in []byte) ([]byte, bool, error) {
	m.step++
	switch m.step {
	case 1:
		return m.c.Negotiate(), false, nil
	case 2:
		out, err := m.c.Authenticate(in)
		return out, err == nil, err
	}
	return nil, true, nil
}

func (m *ntlmMech) SessionKey() []byte { return m.c.SessionKey() }

// MIC signs data for SPNEGO's mechListMIC, or returns nil when the
// exchange has no MIC to extend (anonymous).
func (m *ntlmMech) MIC(data []byte) []byte {
	if !m.c.MICSent() {
		return nil
	}
	return m.c.Sign(data)
}

// VerifyMIC checks the server's mechListMIC.
func (m *ntlmMech) VerifyMIC(data, mic []byte) error { return m.c.VerifyServer(data, mic) }

// MechOID tells SPNEGO which mechanism this is.
func (m *ntlmMech) MechOID() spnego.OID { return spnego.OIDNTLMSSP }

// micMech is a mechanism that can protect SPNEGO's mechanism list.
type micMech interface {
	Mechanism
	MIC(data []byte) []byte
	VerifyMIC(data, mic []byte) error
	MechOID() spnego.OID
}

type spnegoMech struct {
	inner   micMech
	step    int
	done    bool
	sentMIC bool
}

// NewSPNEGO wraps a mechanism in SPNEGO (RFC 4178, MS-SPNG), as SMB2
// servers expect.
func NewSPNEGO(inner Mechanism) Mechanism {
	m, ok := inner.(micMech)
	if !ok {
		panic(fmt.Sprintf("auth: %s cannot be wrapped in SPNEGO", inner.Name()))
	}
	return &spnegoMech{inner: m}
}

func (s *spnegoMech) Name() string       { return "SPNEGO/" + s.inner.Name() }
func (s *spnegoMech) SessionKey() []byte { return s.inner.SessionKey() }

func (s *spnegoMech) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	s.step++
	if s.step == 1 {
		tok, _, err := s.inner.Step(ctx, nil)
		if err != nil {
			return nil, false, err
		}
		return spnego.EncodeInit([]spnego.OID{s.inner.MechOID()}, tok), false, nil
	}
	resp, err := spnego.ParseResp(in)
	if err != nil {
		return nil, false, err
	}
	if resp.State == spnego.Reject {
		return nil, false, spnego.ErrRejected
	}
	if s.done {
		// The server's final token: check its mechListMIC.
		if len(resp.MechListMIC) > 0 && s.sentMIC {
			if err := s.inner.VerifyMIC(spnego.EncodeMechTypes([]spnego.OID{s.inner.MechOID()}), resp.MechListMIC); err != nil {
				return nil, true, err
			}
		}
		return nil, true, nil
	}
	if len(resp.SupportedMech) > 0 && !resp.SupportedMech.Equal(s.inner.MechOID()) {
		return nil, false, fmt.Errorf("spnego: server chose mechanism %s", resp.SupportedMech)
	}
	tok, done, err := s.inner.Step(ctx, resp.ResponseToken)
	if err != nil {
		return nil, false, err
	}
	s.done = done
	var mic []byte
	if done {
		mic = s.inner.MIC(spnego.EncodeMechTypes([]spnego.OID{s.inner.MechOID()}))
		s.sentMIC = mic != nil
	}
	return spnego.EncodeResp(tok, mic), false, nil
}
