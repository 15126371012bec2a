package smb

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/transport"
)

// Options configure Dial. The zero value negotiates SMB 2.1 through 3.1.1
// on port 445, as mount.cifs's vers=default does.
type Options struct {
	Port int
	// MinDialect and MaxDialect bound the offered dialects (vers=).
	MinDialect, MaxDialect wire.Dialect
	// RequireSigning refuses unsigned sessions (the cifs "sign" option).
	RequireSigning bool
	// Seal encrypts every message of the session (the cifs "seal" option);
	// Dial fails when the server cannot encrypt.
	Seal bool
	// Ciphers and SigningAlgs are offered in preference order; nil means
	// all, strongest first.
	Ciphers     []wire.Cipher
	SigningAlgs []wire.SigningAlg
	// POSIX offers the SMB3.1.1 POSIX extensions.
	POSIX       bool
	ClientGUID  [16]byte
	DialTimeout time.Duration
	Logger      *zap.Logger
	// Transport, when set, is used instead of dialling TCP (tests).
	Transport transport.Transport
	// OnMessage, when set, sees every message the server sends (after
	// decryption, one compound element at a time) before it is decoded.
	// Tests use it to record real server replies as fuzz seeds.
	OnMessage func(msg []byte)
}

// DefaultCiphers is the cipher preference when Options.Ciphers is nil. GCM
// first: it is the fastest with AES-NI; CCM last for servers without GCM.
var DefaultCiphers = []wire.Cipher{wire.CipherAES128GCM, wire.CipherAES256GCM, wire.CipherAES128CCM, wire.CipherAES256CCM}

// DefaultSigningAlgs is the signing preference when Options.SigningAlgs is nil.
var DefaultSigningAlgs = []wire.SigningAlg{wire.SigningAESGMAC, wire.SigningAESCMAC, wire.SigningHMACSHA256}

var allDialects = []wire.Dialect{wire.SMB202, wire.SMB210, wire.SMB300, wire.SMB302, wire.SMB311}

// Dial connects to host and negotiates a dialect.
func Dial(ctx context.Context, host string, opts Options) (*Conn, error) {
	t := opts.Transport
	if t == nil {
		dctx := ctx
		if opts.DialTimeout > 0 {
			var cancel context.CancelFunc
			dctx, cancel = context.WithTimeout(ctx, opts.DialTimeout)
			defer cancel()
		}
		tcp, err := transport.DialTCP(dctx, host, transport.TCPOptions{Port: opts.Port, DialTimeout: opts.DialTimeout})
		if err != nil {
			return nil, &ConnError{Server: host, Op: "dial", Err: err}
		}
		t = tcp
	}
	c := newConn(t, host, opts)
	if err := c.negotiate(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) negotiate(ctx context.Context) error {
	o := &c.opts
	lo, hi := o.MinDialect, o.MaxDialect
	if lo == 0 {
		lo = wire.SMB210
	}
	if hi == 0 {
		hi = wire.SMB311
	}
	for _, d := range allDialects {
		if d >= lo && d <= hi {
			c.offered = append(c.offered, d)
		}
	}
	if len(c.offered) == 0 {
		return fmt.Errorf("smb: no dialect between %s and %s", lo, hi)
	}
	if o.ClientGUID == ([16]byte{}) {
		_, _ = rand.Read(o.ClientGUID[:])
	}
	c.clientGUID = o.ClientGUID
	c.clientSecMode = wire.NegotiateSigningEnabled
	if o.RequireSigning {
		c.clientSecMode |= wire.NegotiateSigningRequired
	}
	if hi.Is3() {
		c.clientCaps = wire.CapLeasing | wire.CapLargeMTU | wire.CapEncryption | wire.CapDirectoryLeasing | wire.CapMultiChannel
	} else if hi >= wire.SMB210 {
		c.clientCaps = wire.CapLeasing | wire.CapLargeMTU
	}
	ciphers := o.Ciphers
	if ciphers == nil {
		ciphers = DefaultCiphers
	}
	algs := o.SigningAlgs
	if algs == nil {
		algs = DefaultSigningAlgs
	}
	req := &wire.NegotiateRequest{
		SecurityMode: c.clientSecMode,
		Capabilities: c.clientCaps,
		ClientGUID:   c.clientGUID,
		Dialects:     c.offered,
	}
	if slices.Contains(c.offered, wire.SMB311) {
		salt := make([]byte, 32)
		_, _ = rand.Read(salt)
		req.Contexts = append(req.Contexts,
			wire.NegContext{Type: wire.CtxPreauthIntegrity, Data: (&wire.PreauthIntegrityCaps{HashAlgorithms: []uint16{wire.HashSHA512}, Salt: salt}).Encode()},
			wire.NegContext{Type: wire.CtxEncryption, Data: (&wire.EncryptionCaps{Ciphers: ciphers}).Encode()},
			wire.NegContext{Type: wire.CtxSigning, Data: (&wire.SigningCaps{Algorithms: algs}).Encode()},
			wire.NegContext{Type: wire.CtxNetname, Data: (&wire.NetnameContext{Name: c.server}).Encode()},
		)
		if o.POSIX {
			req.Contexts = append(req.Contexts, wire.NewPOSIXContext())
		}
	}
	r := &Request{Cmd: wire.CmdNegotiate, Body: req}
	resps, err := c.roundTrip(ctx, nil, r)
	if err != nil {
		return err
	}
	resp := resps[0]
	if resp.Status() != wire.StatusSuccess {
		return &StatusError{Cmd: wire.CmdNegotiate, Status: resp.Status(), Server: c.server}
	}
	nr, err := wire.ParseNegotiateResponse(resp.Msg)
	if err != nil {
		return c.protocolErr(err)
	}
	// Downgrade protection: the server must pick one of ours.
	if !slices.Contains(c.offered, nr.Dialect) {
		return &SecurityError{Server: c.server, What: fmt.Sprintf("server chose dialect %s, which was not offered (offered %v)", nr.Dialect, c.offered)}
	}
	c.dialect = nr.Dialect
	c.serverSecurityMode = nr.SecurityMode
	c.serverCaps = nr.Capabilities
	c.serverGUID = nr.ServerGUID
	c.maxRead, c.maxWrite, c.maxTransact = nr.MaxReadSize, nr.MaxWriteSize, nr.MaxTransactSize
	c.negToken = nr.SecurityBuffer
	c.multiCredit = c.dialect != wire.SMB202 && c.serverCaps&wire.CapLargeMTU != 0
	if !c.multiCredit {
		// Without multi-credit, a payload is at most 64 KiB (MS-SMB2 3.2.4.1.5).
		c.maxRead = min(c.maxRead, 65536)
		c.maxWrite = min(c.maxWrite, 65536)
		c.maxTransact = min(c.maxTransact, 65536)
	}
	if c.maxRead < 4096 || c.maxWrite < 4096 {
		return c.protocolErr(fmt.Errorf("server limits reads to %d and writes to %d bytes", nr.MaxReadSize, nr.MaxWriteSize))
	}

	switch {
	case c.dialect == wire.SMB311:
		if err := c.negotiate311(nr, ciphers, algs, r.sent, resp.Msg); err != nil {
			return err
		}
	case c.dialect.Is3():
		c.signingAlg = wire.SigningAESCMAC
		if c.serverCaps&wire.CapEncryption != 0 {
			c.cipher = wire.CipherAES128CCM
		}
	default:
		c.signingAlg = wire.SigningHMACSHA256
	}
	if o.Seal && c.cipher == wire.CipherNone {
		return &SecurityError{Server: c.server, What: fmt.Sprintf("encryption (seal) requested but the server offers none with dialect %s", c.dialect)}
	}
	c.log.Debug("negotiated", zap.Stringer("dialect", c.dialect), zap.Stringer("cipher", c.cipher),
		zap.Stringer("signing", c.signingAlg), zap.Uint32("maxRead", c.maxRead), zap.Bool("posix", c.posix))
	return nil
}

func (c *Conn) negotiate311(nr *wire.NegotiateResponse, ciphers []wire.Cipher, algs []wire.SigningAlg, reqMsg, respMsg []byte) error {
	pc, ok := nr.Context(wire.CtxPreauthIntegrity)
	if !ok {
		return c.protocolErr(fmt.Errorf("3.1.1 NEGOTIATE response without a preauth integrity context"))
	}
	pre, err := wire.ParsePreauthIntegrityCaps(pc.Data)
	if err != nil {
		return c.protocolErr(err)
	}
	if len(pre.HashAlgorithms) != 1 || pre.HashAlgorithms[0] != wire.HashSHA512 {
		return &SecurityError{Server: c.server, What: fmt.Sprintf("server chose preauth hash %v, want SHA-512", pre.HashAlgorithms)}
	}
	if ec, ok := nr.Context(wire.CtxEncryption); ok {
		enc, err := wire.ParseEncryptionCaps(ec.Data)
		if err != nil {
			return c.protocolErr(err)
		}
		if len(enc.Ciphers) != 1 {
			return c.protocolErr(fmt.Errorf("encryption context with %d ciphers, want 1", len(enc.Ciphers)))
		}
		if enc.Ciphers[0] != wire.CipherNone {
			if !slices.Contains(ciphers, enc.Ciphers[0]) {
				return &SecurityError{Server: c.server, What: fmt.Sprintf("server chose cipher %s, which was not offered", enc.Ciphers[0])}
			}
			c.cipher = enc.Ciphers[0]
		}
	}
	c.signingAlg = wire.SigningAESCMAC
	if sc, ok := nr.Context(wire.CtxSigning); ok {
		sig, err := wire.ParseSigningCaps(sc.Data)
		if err != nil {
			return c.protocolErr(err)
		}
		if len(sig.Algorithms) != 1 || !slices.Contains(algs, sig.Algorithms[0]) {
			return &SecurityError{Server: c.server, What: fmt.Sprintf("server chose signing algorithm %v, which was not offered", sig.Algorithms)}
		}
		c.signingAlg = sig.Algorithms[0]
	}
	if _, ok := nr.Context(wire.CtxPOSIX); ok && c.opts.POSIX {
		c.posix = true
	}
	// Preauth integrity, MS-SMB2 3.2.5.2: H = SHA-512(H || message).
	c.preauth.Update(reqMsg)
	c.preauth.Update(respMsg)
	return nil
}

func (c *Conn) protocolErr(err error) error {
	return &ProtocolError{Server: c.server, Err: err}
}

// Echo sends SMB2 ECHO: a liveness probe that needs no session.
func (c *Conn) Echo(ctx context.Context) error {
	resps, err := c.roundTrip(ctx, nil, &Request{Cmd: wire.CmdEcho, Body: &wire.EchoRequest{}})
	if err != nil {
		return err
	}
	if st := resps[0].Status(); st != wire.StatusSuccess {
		return &StatusError{Cmd: wire.CmdEcho, Status: st, Server: c.server}
	}
	return nil
}
