package smb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/smb/smbcrypto"
	"github.com/gosmb/gosmb/smb/wire"
)

// Session is an authenticated SMB2 session on a connection, MS-SMB2 3.2.1.3.
type Session struct {
	conn         *Conn
	id           uint64
	flags        uint16
	signer       smbcrypto.Signer
	sealer       *smbcrypto.Sealer
	signRequired bool
	encrypt      bool
	keys         smbcrypto.Keys
	sessionKey   []byte
	user         string

	mu           sync.Mutex
	encryptTrees map[uint32]bool
	loggedOff    bool
}

// ID returns the SessionId.
func (s *Session) ID() uint64 { return s.id }

// Conn returns the session's connection.
func (s *Session) Conn() *Conn { return s.conn }

// Signed reports whether the session signs its messages.
func (s *Session) Signed() bool { return s.signer != nil && s.signRequired }

// Encrypted reports whether every message of the session is sealed.
func (s *Session) Encrypted() bool { return s.encrypt }

// Guest reports a guest or anonymous session.
func (s *Session) Guest() bool {
	return s.flags&(wire.SessionFlagIsGuest|wire.SessionFlagIsNull) != 0
}

// Keys returns the session's derived keys and the session key, for `gosmb
// keys` (Wireshark decryption). Never log them.
func (s *Session) Keys() (sessionKey []byte, k smbcrypto.Keys) { return s.sessionKey, s.keys }

func (s *Session) treeEncrypts(tid uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.encryptTrees[tid]
}

// verify checks a response signature, MS-SMB2 3.2.5.1.3.
func (s *Session) verify(msg []byte, h *wire.Header) error {
	if h.Flags&wire.FlagSigned == 0 {
		return &SecurityError{Server: s.conn.server, What: fmt.Sprintf("unsigned %s response (status %s) on a signed session", h.Command, h.Status)}
	}
	if err := s.signer.Verify(msg); err != nil {
		return &SecurityError{Server: s.conn.server, What: fmt.Sprintf("bad signature on %s response (mid %d)", h.Command, h.MessageID)}
	}
	return nil
}

// ErrLogonFailure wraps authentication rejections so callers can tell a wrong
// password from a network problem.
var ErrLogonFailure = errors.New("logon failure")

// SessionSetup authenticates with mech, MS-SMB2 3.2.4.2.3 and 3.2.5.3.
func (c *Conn) SessionSetup(ctx context.Context, mech auth.Mechanism) (*Session, error) {
	s := &Session{conn: c, encryptTrees: make(map[uint32]bool)}
	preauth := c.preauth
	var in []byte
	for round := 0; ; round++ {
		if round > 16 {
			return nil, c.protocolErr(errors.New("session setup did not finish after 16 rounds"))
		}
		out, _, err := mech.Step(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("smb: %s: authentication (%s): %w", c.server, mech.Name(), err)
		}
		secMode := uint8(wire.NegotiateSigningEnabled)
		if c.opts.RequireSigning {
			secMode |= uint8(wire.NegotiateSigningRequired)
		}
		req := &Request{Cmd: wire.CmdSessionSetup, Body: &wire.SessionSetupRequest{
			SecurityMode:   secMode,
			SecurityBuffer: out,
		}}
		resps, err := c.roundTrip(ctx, s, req)
		if err != nil {
			return nil, err
		}
		resp := resps[0]
		if c.dialect == wire.SMB311 {
			preauth.Update(req.sent)
		}
		st := resp.Status()
		if st != wire.StatusSuccess && st != wire.StatusMoreProcessingRequired {
			se := &StatusError{Cmd: wire.CmdSessionSetup, Status: st, Server: c.server}
			switch st {
			case wire.StatusLogonFailure, wire.StatusWrongPassword, wire.StatusNoSuchUser,
				wire.StatusAccountDisabled, wire.StatusAccountLockedOut, wire.StatusPasswordExpired,
				wire.StatusPasswordMustChange, wire.StatusAccountRestriction:
				return nil, fmt.Errorf("%w: %w", ErrLogonFailure, se)
			}
			return nil, se
		}
		sr, err := wire.ParseSessionSetupResponse(resp.Msg)
		if err != nil {
			return nil, c.protocolErr(err)
		}
		if s.id == 0 {
			s.id = resp.Header.SessionID
			c.mu.Lock()
			c.sessions[s.id] = s
			c.mu.Unlock()
		}
		if st == wire.StatusMoreProcessingRequired {
			if c.dialect == wire.SMB311 {
				preauth.Update(resp.Msg)
			}
			in = sr.SecurityBuffer
			continue
		}
		// Success: let the mechanism check the server's final token (SPNEGO
		// mechListMIC, Kerberos AP-REP) before trusting the session.
		if len(sr.SecurityBuffer) > 0 {
			if _, _, err := mech.Step(ctx, sr.SecurityBuffer); err != nil {
				return nil, fmt.Errorf("smb: %s: authentication (%s): %w", c.server, mech.Name(), err)
			}
		}
		s.flags = sr.SessionFlags
		if err := s.establish(mech, preauth, resp); err != nil {
			c.forget(s)
			return nil, err
		}
		return s, nil
	}
}

// establish derives keys and decides signing and encryption once the
// session setup succeeded, MS-SMB2 3.2.5.3.1.
func (s *Session) establish(mech auth.Mechanism, preauth smbcrypto.PreauthHash, final *Response) error {
	c := s.conn
	// An anonymous exchange yields no session key: a null session, whatever
	// flags the server set.
	if len(mech.SessionKey()) == 0 {
		s.flags |= wire.SessionFlagIsNull
	}
	if s.Guest() {
		if c.opts.RequireSigning || c.opts.Seal {
			return &SecurityError{Server: c.server, What: "server made this a guest session, which cannot be signed or encrypted (sign/seal requested); check the user name and password"}
		}
		if c.serverSecurityMode&wire.NegotiateSigningRequired != 0 {
			return &SecurityError{Server: c.server, What: "server requires signing but granted only a guest session"}
		}
		return nil
	}
	key := mech.SessionKey()
	s.sessionKey = append([]byte(nil), key...)
	s.keys = smbcrypto.DeriveKeys(c.dialect, c.cipher, key, preauth[:])
	signer, err := smbcrypto.NewSigner(c.signingAlg, s.keys.Signing)
	if err != nil {
		return err
	}
	s.signer = signer
	s.signRequired = c.opts.RequireSigning || c.serverSecurityMode&wire.NegotiateSigningRequired != 0
	if c.dialect.Is3() && c.cipher != wire.CipherNone {
		s.sealer, err = smbcrypto.NewSealer(c.cipher, s.keys.Encryption, s.keys.Decryption)
		if err != nil {
			return err
		}
	}
	if s.flags&wire.SessionFlagEncryptData != 0 || c.opts.Seal {
		if s.sealer == nil {
			return &SecurityError{Server: c.server, What: "session requires encryption but no cipher was negotiated"}
		}
		s.encrypt = true
	}
	// The final SESSION_SETUP response of a 3.x session is signed with the
	// new key (MS-SMB2 3.2.5.3.1); 3.1.1 requires it, so an unsigned one
	// would let an attacker strip signing.
	if c.dialect.Is3() && !s.encrypt {
		h := final.Header
		if h.Flags&wire.FlagSigned != 0 {
			if err := s.signer.Verify(final.Msg); err != nil {
				return &SecurityError{Server: c.server, What: "bad signature on the final SESSION_SETUP response"}
			}
		} else if c.dialect == wire.SMB311 || s.signRequired {
			return &SecurityError{Server: c.server, What: "final SESSION_SETUP response is not signed"}
		}
	}
	c.log.Debug("session established", zap.Uint64("session", s.id), zap.Bool("signed", s.Signed()), zap.Bool("encrypted", s.encrypt))
	return nil
}

func (c *Conn) forget(s *Session) {
	c.mu.Lock()
	delete(c.sessions, s.id)
	c.mu.Unlock()
}

// Logoff ends the session, MS-SMB2 3.2.4.7.
func (s *Session) Logoff(ctx context.Context) error {
	s.mu.Lock()
	if s.loggedOff {
		s.mu.Unlock()
		return nil
	}
	s.loggedOff = true
	s.mu.Unlock()
	resps, err := s.conn.roundTrip(ctx, s, &Request{Cmd: wire.CmdLogoff, Body: &wire.LogoffRequest{}})
	s.conn.forget(s)
	if err != nil {
		return err
	}
	if st := resps[0].Status(); st != wire.StatusSuccess {
		return &StatusError{Cmd: wire.CmdLogoff, Status: st, Server: s.conn.server}
	}
	return nil
}
