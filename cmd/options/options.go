// Package options parses mount.cifs-style option strings ("-o
// username=alice,vers=3.1.1,seal") into one typed struct. Names, aliases and
// defaults follow mount.cifs(8); an unknown or malformed option is an error
// that names it, never silently ignored.
package options

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gosmb/gosmb/smb/wire"
)

// Options is every option gosmb understands. Zero values mean "default".
type Options struct {
	// Credentials.
	Username    string
	Password    string
	Password2   string
	Domain      string
	Credentials string // path of a credentials file
	Guest       bool
	Sec         string // ntlmssp (default), krb5, krb5i, none

	// Connection.
	Port         int
	IP           string // connect to this address instead of resolving the host
	MinDialect   wire.Dialect
	MaxDialect   wire.Dialect
	Sign         bool
	Seal         bool
	EchoInterval time.Duration
	NoShareSock  bool
	POSIX        bool // SMB3.1.1 POSIX extensions (posix / noposix)
	Rsize        int
	Wsize        int

	// File ownership and permissions without POSIX extensions.
	UID      uint32
	GID      uint32
	UIDSet   bool
	GIDSet   bool
	ForceUID bool
	ForceGID bool
	FileMode uint32
	DirMode  uint32
	NoPerm   bool
	ReadOnly bool

	// Caching.
	Cache      string // strict (default), loose, none
	ActimeO    time.Duration
	AcRegMax   time.Duration
	AcDirMax   time.Duration
	CloseTimeo time.Duration
	CacheSize  int64 // bytes of buffered writes (cache_size=)
	// Directory caching under directory leases.
	DirCacheTimeout time.Duration
	MaxCachedDirs   int
	// Notify watches listed directories for other clients' changes.
	Notify bool
	// HandleTimeout is the durable-handle timeout asked of the server.
	HandleTimeout time.Duration

	// Mount behaviour passed by mount(8); recorded, handled by the helper.
	Generic    []string // rw, ro, exec, nosuid, _netdev, nofail, ...
	Foreground bool
	Debug      bool
}

// Defaults returns the options a bare mount gets, as mount.cifs documents.
func Defaults() Options {
	return Options{
		Sec:             "ntlmssp",
		Port:            445,
		FileMode:        0o755,
		DirMode:         0o755,
		Cache:           "strict",
		ActimeO:         1 * time.Second,
		AcRegMax:        1 * time.Second,
		AcDirMax:        1 * time.Second,
		CloseTimeo:      1 * time.Second,
		CacheSize:       128 << 20,
		DirCacheTimeout: 30 * time.Second,
		MaxCachedDirs:   4096,
		EchoInterval:    60 * time.Second,
		POSIX:           false,
	}
}

// Error names the offending option.
type Error struct {
	Option string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("option %q: %s", e.Option, e.Reason) }

// Parse applies a comma-separated option string to o. It may be called more
// than once (several -o flags, fstab plus command line); later values win.
func (o *Options) Parse(s string) error {
	for _, item := range splitOptions(s) {
		if item == "" {
			continue
		}
		name, val, hasVal := strings.Cut(item, "=")
		if err := o.set(strings.ToLower(name), val, hasVal); err != nil {
			return err
		}
	}
	return nil
}

// splitOptions splits on commas; mount.cifs lets a password contain a comma
// by doubling it (",,").
func splitOptions(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			if i+1 < len(s) && s[i+1] == ',' {
				cur.WriteByte(',')
				i++
				continue
			}
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(s[i])
	}
	return append(out, cur.String())
}

func (o *Options) set(name, val string, hasVal bool) error {
	need := func() error {
		if !hasVal || val == "" {
			return &Error{name, "needs a value (" + name + "=...)"}
		}
		return nil
	}
	noVal := func() error {
		if hasVal {
			return &Error{name, "takes no value"}
		}
		return nil
	}
	switch name {
	case "username", "user":
		if name == "user" && !hasVal {
			// mount(8)'s "user" flag (an fstab entry users may mount).
			o.Generic = append(o.Generic, name)
			return nil
		}
		if err := need(); err != nil {
			return err
		}
		// mount.cifs accepts user%password and domain/user.
		if u, p, ok := strings.Cut(val, "%"); ok {
			val, o.Password = u, p
		}
		if d, u, ok := strings.Cut(val, "/"); ok {
			o.Domain, val = d, u
		} else if d, u, ok := strings.Cut(val, `\`); ok {
			o.Domain, val = d, u
		}
		o.Username = val
	case "password", "pass":
		if !hasVal {
			return &Error{name, "needs a value"}
		}
		o.Password = val
	case "password2":
		if !hasVal {
			return &Error{name, "needs a value"}
		}
		o.Password2 = val
	case "domain", "dom", "workgroup":
		if err := need(); err != nil {
			return err
		}
		o.Domain = val
	case "credentials", "cred":
		if err := need(); err != nil {
			return err
		}
		o.Credentials = val
	case "guest":
		if err := noVal(); err != nil {
			return err
		}
		o.Guest = true
	case "sec":
		if err := need(); err != nil {
			return err
		}
		switch val {
		case "ntlmssp", "ntlmsspi", "none":
			o.Sec = val
		case "krb5", "krb5i":
			return &Error{name, "Kerberos (sec=" + val + ") is not supported yet; use sec=ntlmssp"}
		default:
			return &Error{name, "unknown security mode " + strconv.Quote(val) + " (want ntlmssp, krb5, krb5i or none)"}
		}
		if val == "ntlmsspi" {
			o.Sign = true
			o.Sec = "ntlmssp"
		}
	case "port":
		n, err := parseUint(name, val, hasVal, 1, 65535)
		if err != nil {
			return err
		}
		o.Port = int(n)
	case "ip", "addr":
		if err := need(); err != nil {
			return err
		}
		o.IP = val
	case "vers":
		if err := need(); err != nil {
			return err
		}
		return o.setVers(val)
	case "sign":
		if err := noVal(); err != nil {
			return err
		}
		o.Sign = true
	case "seal":
		if err := noVal(); err != nil {
			return err
		}
		o.Seal = true
	case "posix", "unix", "linux":
		if err := noVal(); err != nil {
			return err
		}
		o.POSIX = true
	case "noposix", "nounix", "nolinux":
		if err := noVal(); err != nil {
			return err
		}
		o.POSIX = false
	case "echo_interval":
		n, err := parseUint(name, val, hasVal, 1, 600)
		if err != nil {
			return err
		}
		o.EchoInterval = time.Duration(n) * time.Second
	case "nosharesock":
		if err := noVal(); err != nil {
			return err
		}
		o.NoShareSock = true
	case "rsize", "wsize":
		n, err := parseUint(name, val, hasVal, 4096, 16<<20)
		if err != nil {
			return err
		}
		if name == "rsize" {
			o.Rsize = int(n)
		} else {
			o.Wsize = int(n)
		}
	case "uid", "gid":
		n, err := parseUint(name, val, hasVal, 0, 1<<32-1)
		if err != nil {
			return err
		}
		if name == "uid" {
			o.UID, o.UIDSet = uint32(n), true
		} else {
			o.GID, o.GIDSet = uint32(n), true
		}
	case "forceuid", "forcegid", "noforceuid", "noforcegid":
		if err := noVal(); err != nil {
			return err
		}
		on := !strings.HasPrefix(name, "no")
		if strings.HasSuffix(name, "uid") {
			o.ForceUID = on
		} else {
			o.ForceGID = on
		}
	case "file_mode", "dir_mode":
		if err := need(); err != nil {
			return err
		}
		n, err := strconv.ParseUint(val, 8, 32)
		if err != nil || n > 0o7777 {
			return &Error{name, "want an octal mode such as 0644, got " + strconv.Quote(val)}
		}
		if name == "file_mode" {
			o.FileMode = uint32(n)
		} else {
			o.DirMode = uint32(n)
		}
	case "noperm", "perm":
		if err := noVal(); err != nil {
			return err
		}
		o.NoPerm = name == "noperm"
	case "ro", "rw":
		if err := noVal(); err != nil {
			return err
		}
		o.ReadOnly = name == "ro"
		o.Generic = append(o.Generic, name)
	case "cache":
		if err := need(); err != nil {
			return err
		}
		switch val {
		case "strict", "loose", "none":
			o.Cache = val
		default:
			return &Error{name, "want strict, loose or none, got " + strconv.Quote(val)}
		}
	case "actimeo", "acregmax", "acdirmax", "closetimeo":
		n, err := parseUint(name, val, hasVal, 0, 1<<31)
		if err != nil {
			return err
		}
		d := time.Duration(n) * time.Second
		switch name {
		case "actimeo":
			o.ActimeO, o.AcRegMax, o.AcDirMax = d, d, d
		case "acregmax":
			o.AcRegMax = d
		case "acdirmax":
			o.AcDirMax = d
		case "closetimeo":
			o.CloseTimeo = d
		}
	case "dir_cache_timeout":
		n, err := parseUint(name, val, hasVal, 0, 1<<31)
		if err != nil {
			return err
		}
		o.DirCacheTimeout = time.Duration(n) * time.Second
	case "max_cached_dirs":
		n, err := parseUint(name, val, hasVal, 1, 1<<20)
		if err != nil {
			return err
		}
		o.MaxCachedDirs = int(n)
	case "notify", "nonotify":
		if err := noVal(); err != nil {
			return err
		}
		o.Notify = name == "notify"
	case "handletimeout":
		n, err := parseUint(name, val, hasVal, 0, 16*60*1000)
		if err != nil {
			return err
		}
		o.HandleTimeout = time.Duration(n) * time.Millisecond
	case "cache_size":
		n, err := parseSize(name, val, hasVal)
		if err != nil {
			return err
		}
		o.CacheSize = n
	case "foreground", "fg":
		o.Foreground = true
	case "debug":
		o.Debug = true
	case "_netdev", "nofail", "auto", "noauto", "users", "nouser", "exec", "noexec",
		"suid", "nosuid", "dev", "nodev", "atime", "noatime", "relatime", "norelatime",
		"strictatime", "diratime", "nodiratime", "sync", "async", "defaults", "owner", "group",
		"nocase", "iocharset", "sloppy", "remount",
		// FUSE's own mount options, which mount(8) repeats on remount.
		"user_id", "group_id", "allow_other", "default_permissions", "max_read", "blksize", "rootmode", "fd":
		o.Generic = append(o.Generic, name)
	default:
		if strings.HasPrefix(name, "x-") || name == "comment" {
			return nil // systemd and fstab annotations, meant for others
		}
		return &Error{name, "unknown option (the list of options is in README.md)"}
	}
	return nil
}

func parseUint(name, val string, hasVal bool, lo, hi uint64) (uint64, error) {
	if !hasVal || val == "" {
		return 0, &Error{name, "needs a number"}
	}
	n, err := strconv.ParseUint(val, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, &Error{name, fmt.Sprintf("want a number from %d to %d, got %q", lo, hi, val)}
	}
	return n, nil
}

// parseSize reads a byte count with an optional K, M or G suffix (powers
// of 1024), at least 1 MiB.
func parseSize(name, val string, hasVal bool) (int64, error) {
	bad := &Error{name, fmt.Sprintf("want a size such as 64M or 1G (at least 1M), got %q", val)}
	if !hasVal || val == "" {
		return 0, bad
	}
	mult := int64(1)
	switch val[len(val)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	}
	if mult > 1 {
		val = val[:len(val)-1]
	}
	n, err := strconv.ParseInt(val, 10, 64)
	if err != nil || n <= 0 || n > (1<<50)/mult || n*mult < 1<<20 {
		return 0, bad
	}
	return n * mult, nil
}

// setVers maps mount.cifs's vers= values to a dialect range.
func (o *Options) setVers(v string) error {
	switch v {
	case "2.0":
		o.MinDialect, o.MaxDialect = wire.SMB202, wire.SMB202
	case "2.1":
		o.MinDialect, o.MaxDialect = wire.SMB210, wire.SMB210
	case "3.0":
		o.MinDialect, o.MaxDialect = wire.SMB300, wire.SMB300
	case "3.02", "3.0.2":
		o.MinDialect, o.MaxDialect = wire.SMB302, wire.SMB302
	case "3.1.1", "3.11":
		o.MinDialect, o.MaxDialect = wire.SMB311, wire.SMB311
	case "3", "3.x":
		o.MinDialect, o.MaxDialect = wire.SMB300, wire.SMB311
	case "default":
		o.MinDialect, o.MaxDialect = wire.SMB210, wire.SMB311
	case "1.0":
		return &Error{"vers", "SMB1 is not supported (and should not be used); use vers=2.0 or later"}
	default:
		return &Error{"vers", "unknown dialect " + strconv.Quote(v) + " (want 2.0, 2.1, 3.0, 3.02, 3.1.1, 3 or default)"}
	}
	return nil
}

// LoadCredentials reads a mount.cifs credentials file (username=, password=,
// password2=, domain= lines). The file must not be readable by group or
// others: it holds a password.
func (o *Options) LoadCredentials(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("credentials file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("credentials file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("credentials file %s has mode %04o: it holds a password, so it must not be readable by others; run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return fmt.Errorf("credentials file %s line %d: want key=value", path, line)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "username", "user":
			if err := o.set("username", v, true); err != nil {
				return err
			}
		case "password", "pass":
			o.Password = v
		case "password2":
			o.Password2 = v
		case "domain", "dom", "workgroup":
			o.Domain = strings.TrimSpace(v)
		default:
			return fmt.Errorf("credentials file %s line %d: unknown key %q (want username, password, password2 or domain)", path, line, k)
		}
	}
	return sc.Err()
}

// String renders the options for logs and /proc/mounts-like displays,
// never including a password.
func (o *Options) String() string {
	var parts []string
	if o.Username != "" {
		parts = append(parts, "username="+o.Username)
	}
	if o.Domain != "" {
		parts = append(parts, "domain="+o.Domain)
	}
	if o.Port != 0 && o.Port != 445 {
		parts = append(parts, "port="+strconv.Itoa(o.Port))
	}
	if o.MaxDialect != 0 {
		parts = append(parts, "vers="+o.MaxDialect.String())
	}
	if o.Seal {
		parts = append(parts, "seal")
	}
	if o.Sign {
		parts = append(parts, "sign")
	}
	if o.POSIX {
		parts = append(parts, "posix")
	}
	parts = append(parts, "cache="+o.Cache)
	return strings.Join(parts, ",")
}

// UNC is a parsed //host/share[/path].
type UNC struct {
	Host  string
	Share string
	Path  string // slash-separated, no leading slash
}

func (u UNC) String() string {
	s := "//" + u.Host + "/" + u.Share
	if u.Path != "" {
		s += "/" + u.Path
	}
	return s
}

// ParseUNC parses //host/share[/path] or \\host\share[\path].
func ParseUNC(s string) (UNC, error) {
	t := strings.ReplaceAll(s, `\`, "/")
	if !strings.HasPrefix(t, "//") {
		return UNC{}, fmt.Errorf("%q is not a share name: want //HOST/SHARE[/PATH]", s)
	}
	parts := strings.SplitN(strings.TrimPrefix(t, "//"), "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return UNC{}, fmt.Errorf("%q is not a share name: want //HOST/SHARE[/PATH]", s)
	}
	u := UNC{Host: parts[0], Share: parts[1]}
	if len(parts) == 3 {
		u.Path = strings.Trim(parts[2], "/")
	}
	return u, nil
}
