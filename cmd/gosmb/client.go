package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/gosmb/gosmb/auth"
	"github.com/gosmb/gosmb/cmd/options"
	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/wire"
)

// target is what a command resolved from its UNC and -o options.
type target struct {
	unc  options.UNC
	opts options.Options
}

func parseTarget(c *cli.Context, uncArg string) (*target, error) {
	unc, err := options.ParseUNC(uncArg)
	if err != nil {
		return nil, err
	}
	o := options.Defaults()
	for _, s := range c.StringSlice("options") {
		if err := o.Parse(s); err != nil {
			return nil, err
		}
	}
	if o.Credentials != "" {
		if err := o.LoadCredentials(o.Credentials); err != nil {
			return nil, err
		}
	}
	if o.Password == "" {
		o.Password = os.Getenv("PASSWD")
	}
	if o.Username == "" && !o.Guest && o.Sec != "none" {
		o.Username = os.Getenv("USER")
		if o.Username == "" {
			o.Username = "root"
		}
	}
	if o.Password == "" && !o.Guest && o.Sec != "none" && os.Getenv(daemonEnv) != "1" {
		pw, err := promptPassword(o.Username, unc.String())
		if err != nil {
			return nil, err
		}
		o.Password = pw
	}
	return &target{unc: unc, opts: o}, nil
}

// promptPassword asks on the terminal, as mount.cifs does. Echo goes off
// before the prompt appears, so nothing typed after it is ever shown.
// Without a terminal it says how to give the password instead.
func promptPassword(user, unc string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		return "", fmt.Errorf("no password for user %q on %s: give password=, credentials= or PASSWD (there is no terminal to ask on)", user, unc)
	}
	defer tty.Close()
	fd := int(tty.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	fmt.Fprintf(tty, "Password for %s@%s: ", user, unc)
	line, err := bufio.NewReader(tty).ReadString('\n')
	fmt.Fprintln(tty)
	if err != nil && line == "" {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (t *target) credentials() auth.Credentials {
	return auth.Credentials{
		Username:  t.opts.Username,
		Domain:    t.opts.Domain,
		Password:  t.opts.Password,
		Guest:     t.opts.Guest,
		Anonymous: t.opts.Sec == "none",
	}
}

func (t *target) smbOptions() smb.Options {
	return smb.Options{
		Port:           t.opts.Port,
		MinDialect:     t.opts.MinDialect,
		MaxDialect:     t.opts.MaxDialect,
		RequireSigning: t.opts.Sign,
		Seal:           t.opts.Seal,
		POSIX:          t.opts.POSIX,
		DialTimeout:    15 * time.Second,
	}
}

func (t *target) dial(ctx context.Context) (*smb.Share, error) {
	host := t.unc.Host
	if t.opts.IP != "" {
		host = t.opts.IP
	}
	mech := auth.NewSPNEGO(auth.NewNTLM(t.credentials()))
	sh, err := smb.DialShare(ctx, host, t.unc.Share, mech, t.smbOptions())
	if err != nil {
		return nil, &shareError{t: t, err: err}
	}
	return sh, nil
}

// shareError turns a failure into a one-line message that names the server,
// share and the likely fix.
type shareError struct {
	t    *target
	path string
	err  error
}

func (e *shareError) Unwrap() error { return e.err }

func (e *shareError) Error() string {
	t := e.t
	where := "//" + t.unc.Host + "/" + t.unc.Share
	if e.path != "" {
		where += "/" + e.path
	}
	var ce *smb.ConnError
	var se *smb.StatusError
	var sec *smb.SecurityError
	switch {
	case errors.As(e.err, &ce) && ce.Op == "dial":
		var dnsErr *net.DNSError
		if errors.As(ce.Err, &dnsErr) {
			return fmt.Sprintf("%s: cannot resolve host %q: %v", where, t.unc.Host, dnsErr.Err)
		}
		if errors.Is(ce.Err, syscall.ECONNREFUSED) {
			return fmt.Sprintf("%s: connection refused by %s port %d: is the SMB server running? (set the port with -o port=N)", where, t.unc.Host, t.opts.Port)
		}
		return fmt.Sprintf("%s: cannot connect to %s port %d: %v", where, t.unc.Host, t.opts.Port, unwrapNet(ce.Err))
	case errors.Is(e.err, smb.ErrLogonFailure):
		return fmt.Sprintf("%s: logon failure for user %q: wrong user name or password (check username=, password=, domain= or the credentials file)", where, t.opts.Username)
	case errors.As(e.err, &se) && se.Cmd == wire.CmdTreeConnect && se.Status == wire.StatusBadNetworkName:
		return fmt.Sprintf("%s: the server has no share named %q (list shares with: smbclient -L %s)", where, t.unc.Share, t.unc.Host)
	case errors.As(e.err, &se) && se.Status == wire.StatusAccessDenied:
		return fmt.Sprintf("%s: access denied for user %q", where, t.opts.Username)
	case errors.As(e.err, &se) && (se.Status == wire.StatusObjectNameNotFound || se.Status == wire.StatusObjectPathNotFound):
		return fmt.Sprintf("%s: no such file or directory", where)
	case errors.As(e.err, &sec):
		return fmt.Sprintf("%s: security check failed: %s", where, sec.What)
	}
	return fmt.Sprintf("%s: %v", where, e.err)
}

func unwrapNet(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// describe renders an error for the terminal: option errors get a hint.
func describe(err error) string {
	var oe *options.Error
	if errors.As(err, &oe) {
		return "bad option: " + oe.Error()
	}
	return strings.TrimPrefix(err.Error(), "smb: ")
}
