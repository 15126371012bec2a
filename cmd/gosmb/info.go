package main

// gosmb info and gosmb keys: what a mount's connection negotiated, and its
// session's keys for Wireshark, read from the daemon over the control
// socket. The daemon answers "info" and "keys" with one JSON object each.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gosmb/gosmb/smb/wire"
)

// infoReport is the answer to "info" and the output of `gosmb info --json`.
// Field names are stable: scripts and tests read them.
type infoReport struct {
	Mountpoint   string      `json:"mountpoint"`
	Share        string      `json:"share"`
	Server       string      `json:"server"`
	Dialect      string      `json:"dialect"`
	Signing      string      `json:"signing"`    // the algorithm, or "off"
	Encryption   string      `json:"encryption"` // the cipher, or "off"
	SessionID    string      `json:"session_id"` // hex, as Wireshark shows it
	TreeID       uint32      `json:"tree_id"`
	ClientGUID   string      `json:"client_guid"`
	Capabilities []string    `json:"capabilities"` // the server's, from NEGOTIATE
	POSIX        bool        `json:"posix"`        // SMB3.1.1 POSIX extensions in use
	MaxRead      int         `json:"max_read"`
	MaxWrite     int         `json:"max_write"`
	Credits      int         `json:"credits"`  // granted and unused now
	InFlight     int         `json:"inflight"` // credits charged to requests on the wire
	Channels     []channel   `json:"channels"`
	Leases       leaseCounts `json:"leases"`
	Credentials  credentials `json:"credentials"`
	Mounted      time.Time   `json:"mounted"`
}

type channel struct {
	Local  string `json:"local"`
	Remote string `json:"remote"`
	State  string `json:"state"` // "connected", or why it is not
}

type leaseCounts struct {
	Files       int `json:"files"`
	Directories int `json:"directories"`
}

// credentials says how the mount authenticates, never with what.
type credentials struct {
	User      string `json:"user"`
	Domain    string `json:"domain,omitempty"`
	Source    string `json:"source"`    // where the password came from
	Password2 bool   `json:"password2"` // a second password is kept for rotation
}

// capNames are the server capabilities of MS-SMB2 2.2.4, by bit.
var capNames = []struct {
	bit  uint32
	name string
}{
	{wire.CapDFS, "DFS"}, {wire.CapLeasing, "LEASING"}, {wire.CapLargeMTU, "LARGE_MTU"},
	{wire.CapMultiChannel, "MULTI_CHANNEL"}, {wire.CapPersistentHandles, "PERSISTENT_HANDLES"},
	{wire.CapDirectoryLeasing, "DIRECTORY_LEASING"}, {wire.CapEncryption, "ENCRYPTION"},
	{wire.CapNotifications, "NOTIFICATIONS"},
}

func (cs *controlServer) info() infoReport {
	sh := cs.m.Share()
	conn := sh.Conn
	r := infoReport{
		Mountpoint: cs.dir,
		Share:      cs.t.unc.String(),
		Server:     conn.Server(),
		Dialect:    conn.Dialect().String(),
		Signing:    "off",
		Encryption: "off",
		SessionID:  sessionIDHex(sh.Session.ID()),
		TreeID:     sh.Tree.ID(),
		POSIX:      conn.POSIX(),
		MaxRead:    conn.MaxRead(),
		MaxWrite:   conn.MaxWrite(),
		Mounted:    cs.mounted.UTC().Truncate(time.Second),
	}
	if sh.Tree.Encrypted() {
		r.Encryption = conn.Cipher().String()
	} else if sh.Session.Signed() {
		r.Signing = conn.SigningAlg().String()
	}
	r.ClientGUID = guidString(conn.ClientGUID())
	caps := conn.ServerCapabilities()
	for _, c := range capNames {
		if caps&c.bit != 0 {
			r.Capabilities = append(r.Capabilities, c.name)
		}
	}
	r.Credits, r.InFlight = conn.Credits()
	state := "connected"
	if err := conn.Err(); err != nil {
		state = "down: " + err.Error()
	}
	r.Channels = []channel{{Local: conn.LocalAddr(), Remote: conn.RemoteAddr(), State: state}}
	r.Leases.Files, r.Leases.Directories = cs.m.Leases()
	o := cs.t.opts
	r.Credentials = credentials{User: o.Username, Domain: o.Domain, Password2: o.Password2 != ""}
	switch {
	case o.Credentials != "":
		r.Credentials.Source = "credentials file " + o.Credentials
	case o.Password != "":
		r.Credentials.Source = "password option"
	case o.Username == "" || o.Guest:
		r.Credentials.Source = "none (guest)"
	default:
		r.Credentials.Source = "prompt or PASSWD"
	}
	return r
}

// sessionIDHex is the session id as its eight bytes appear on the wire,
// the form Wireshark's SMB2 key table takes.
func sessionIDHex(id uint64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], id)
	return hex.EncodeToString(b[:])
}

// guidString formats a GUID as sent on the wire (its first three fields
// little-endian) the way Windows and Wireshark print it.
func guidString(g [16]byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(g[0:4]),
		binary.LittleEndian.Uint16(g[4:6]), binary.LittleEndian.Uint16(g[6:8]), g[8:10], g[10:])
}

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "show what a mount negotiated: dialect, signing, encryption, session, capabilities, leases",
		ArgsUsage: "MOUNTPOINT",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object for scripts"},
		},
		Description: `Asks the daemon serving MOUNTPOINT what its connection to the server
negotiated, like cifs.ko's /proc/fs/cifs/DebugData for one mount. Only root and
the user who mounted it are answered. Passwords and keys are never shown (see
gosmb keys).

  dialect       the SMB dialect both ends agreed on (3.1.1 unless vers= forced another).
  signing       the signing algorithm when messages are signed, or off. An
                encrypted session is not signed separately.
  encryption    the cipher when the session or share is sealed (seal, or the
                server's smb encrypt), or off.
  session id    as Wireshark shows it; tree id, client GUID likewise.
  capabilities  what the server announced in NEGOTIATE.
  credits       the server's grant unused now, and charged to requests in flight.
  channels      each TCP connection: local and remote address, state.
  leases        files and directories the mount holds leases on now.
  credentials   the user, and where the password came from; never the password.

--json prints the same as one JSON object: mountpoint, share, server, dialect,
signing, encryption, session_id, tree_id, client_guid, capabilities, posix,
max_read, max_write, credits, inflight, channels (local, remote, state),
leases (files, directories), credentials (user, domain, source, password2),
mounted.`,
		Action: func(c *cli.Context) error {
			asJSON, dirs := jsonFlag(c)
			if len(dirs) != 1 {
				return cli.Exit("usage: gosmb info [--json] MOUNTPOINT", 2)
			}
			return runInfo(os.Stdout, dirs[0], asJSON)
		},
	}
}

// jsonFlag returns --json, also when given after the mount point, and the
// other arguments.
func jsonFlag(c *cli.Context) (bool, []string) {
	asJSON := c.Bool("json")
	var rest []string
	for _, a := range c.Args().Slice() {
		if a == "--json" || a == "-json" {
			asJSON = true
			continue
		}
		rest = append(rest, a)
	}
	return asJSON, rest
}

func runInfo(w io.Writer, dir string, asJSON bool) error {
	var r infoReport
	reply, err := queryJSON(dir, "info", "its state", &r)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(w, reply)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s, mounted %s\n", r.Share, r.Mountpoint, r.Mounted.Local().Format("2006-01-02 15:04:05"))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "server\t%s\n", r.Server)
	fmt.Fprintf(tw, "dialect\tSMB %s\n", r.Dialect)
	fmt.Fprintf(tw, "signing\t%s\n", r.Signing)
	fmt.Fprintf(tw, "encryption\t%s\n", r.Encryption)
	fmt.Fprintf(tw, "session id\t%s\n", r.SessionID)
	fmt.Fprintf(tw, "tree id\t%#x\n", r.TreeID)
	fmt.Fprintf(tw, "client GUID\t%s\n", r.ClientGUID)
	fmt.Fprintf(tw, "capabilities\t%s\n", strings.Join(r.Capabilities, " "))
	posix := "no"
	if r.POSIX {
		posix = "yes"
	}
	fmt.Fprintf(tw, "POSIX extensions\t%s\n", posix)
	fmt.Fprintf(tw, "max read, write\t%s, %s\n", bytesString(uint64(r.MaxRead)), bytesString(uint64(r.MaxWrite)))
	fmt.Fprintf(tw, "credits\t%d unused, %d in flight\n", r.Credits, r.InFlight)
	for i, ch := range r.Channels {
		fmt.Fprintf(tw, "channel %d\t%s -> %s, %s\n", i, ch.Local, ch.Remote, ch.State)
	}
	fmt.Fprintf(tw, "leases\t%d files, %d directories\n", r.Leases.Files, r.Leases.Directories)
	user := r.Credentials.User
	if r.Credentials.Domain != "" {
		user = r.Credentials.Domain + `\` + user
	}
	pw2 := "no password2"
	if r.Credentials.Password2 {
		pw2 = "password2 kept for rotation"
	}
	fmt.Fprintf(tw, "credentials\tuser %s, from %s, %s\n", user, r.Credentials.Source, pw2)
	tw.Flush()
	_, err = io.WriteString(w, b.String())
	return err
}

// keysReport is the answer to "keys": a session's keys, in hex.
type keysReport struct {
	Share          string `json:"share"`
	Mountpoint     string `json:"mountpoint"`
	Dialect        string `json:"dialect"`
	Cipher         string `json:"cipher"`
	SessionID      string `json:"session_id"`       // the eight bytes as on the wire
	SessionKey     string `json:"session_key"`      // what the others are derived from
	ServerToClient string `json:"server_to_client"` // decrypts what the server sends
	ClientToServer string `json:"client_to_server"` // decrypts what we send
	SigningKey     string `json:"signing_key"`
}

func (cs *controlServer) keys() keysReport {
	sh := cs.m.Share()
	sk, k := sh.Session.Keys()
	return keysReport{
		Share: cs.t.unc.String(), Mountpoint: cs.dir,
		Dialect: sh.Conn.Dialect().String(), Cipher: sh.Conn.Cipher().String(),
		SessionID:  sessionIDHex(sh.Session.ID()),
		SessionKey: hex.EncodeToString(sk), ServerToClient: hex.EncodeToString(k.Decryption),
		ClientToServer: hex.EncodeToString(k.Encryption), SigningKey: hex.EncodeToString(k.Signing),
	}
}

func keysCommand() *cli.Command {
	return &cli.Command{
		Name:      "keys",
		Usage:     "print a mount's session keys for Wireshark (root only)",
		ArgsUsage: "MOUNTPOINT",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object for scripts"},
		},
		Description: `Prints the session id and keys of the mount's SMB session, so that
Wireshark or tshark can decrypt a capture of an encrypted (seal) session and
check a signed one. Anyone with these keys can read and forge the session's
traffic until it ends: only root is answered, and the daemon logs that keys
were handed out (never the keys). The keys change at every new session.

The lines that do not start with # are a Wireshark SMB2 key table: save them
as ~/.config/wireshark/smb2_seskey_list, or add them in Preferences >
Protocols > SMB2 > Secret session keys, or give one to tshark:

  tshark -r capture.pcap -o 'uat:smb2_seskey_list:SESSIONID,SESSIONKEY,S2C,C2S'

The server-to-client and client-to-server keys are given as well as the
session key, so AES-256 ciphers decrypt too.`,
		Action: func(c *cli.Context) error {
			asJSON, dirs := jsonFlag(c)
			if len(dirs) != 1 {
				return cli.Exit("usage: gosmb keys [--json] MOUNTPOINT", 2)
			}
			if os.Getuid() != 0 {
				return cli.Exit("gosmb keys: only root may read a mount's session keys", 1)
			}
			return runKeys(os.Stdout, dirs[0], asJSON)
		},
	}
}

func runKeys(w io.Writer, dir string, asJSON bool) error {
	var k keysReport
	reply, err := queryJSON(dir, "keys", "keys", &k)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(w, reply)
	}
	_, err = fmt.Fprintf(w, "# %s on %s: SMB %s, cipher %s\n"+
		"# session id, session key, server-to-client key, client-to-server key\n"+
		"# (signing key %s)\n"+
		"%s,%s,%s,%s\n",
		k.Share, k.Mountpoint, k.Dialect, k.Cipher, k.SigningKey,
		k.SessionID, k.SessionKey, k.ServerToClient, k.ClientToServer)
	return err
}

func debugdataCommand() *cli.Command {
	return &cli.Command{
		Name:  "debugdata",
		Usage: "show gosmb info for every gosmb mount on this machine",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array of the mounts' info"},
		},
		Description: `Lists the gosmb mounts in /proc/self/mountinfo and shows gosmb info for
each, like cifs.ko's /proc/fs/cifs/DebugData. Root sees every mount; another
user sees the mounts they own, and is told which others exist.`,
		Action: func(c *cli.Context) error {
			asJSON, _ := jsonFlag(c)
			mounts, err := gosmbMounts("/proc/self/mountinfo")
			if err != nil {
				return err
			}
			return runDebugdata(os.Stdout, mounts, asJSON)
		},
	}
}

// gosmbMounts returns the mount points of gosmb file systems in a
// mountinfo file, unescaped.
func gosmbMounts(mountinfo string) ([]string, error) {
	b, err := os.ReadFile(mountinfo)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, l := range strings.Split(string(b), "\n") {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(l, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 1 || g[0] != "fuse.gosmb" {
			continue
		}
		dirs = append(dirs, unescapeMountinfo(f[4]))
	}
	return dirs, nil
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' {
			var v byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func runDebugdata(w io.Writer, mounts []string, asJSON bool) error {
	if len(mounts) == 0 {
		if asJSON {
			_, err := fmt.Fprintln(w, "[]")
			return err
		}
		_, err := fmt.Fprintln(w, "no gosmb mounts")
		return err
	}
	var all []json.RawMessage
	for i, dir := range mounts {
		if asJSON {
			reply, err := queryControl(dir, "info")
			if err != nil {
				b, _ := json.Marshal(map[string]string{"mountpoint": dir, "error": err.Error()})
				reply = b
			}
			all = append(all, json.RawMessage(bytes.TrimSpace(reply)))
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := runInfo(w, dir, false); err != nil {
			fmt.Fprintf(w, "%s: %v\n", dir, err)
		}
	}
	if asJSON {
		b, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return nil
}
