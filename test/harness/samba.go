// Package harness starts real servers for gosmb's integration tests: a
// private smbd per test on 127.0.0.1 with a generated smb.conf, its own port,
// private/state/lock directories and users, stopped by PID at the end.
//
// Nothing here skips: a test that needs Samba fails when smbd is missing,
// because `make test` installs it (test/scripts/install-deps.sh).
package harness

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Share is one share of a test server.
type Share struct {
	Name string
	// Params are extra smb.conf lines for the share, e.g. "smb encrypt":
	// "required".
	Params map[string]string
}

// Config describes a test server. The zero value has one share "share" and
// the user gosmbtest with password gosmb-Pass1.
type Config struct {
	// Global holds extra [global] parameters; they override the defaults.
	Global map[string]string
	Shares []Share
	// Port is the TCP port; 0 picks a free one. The capture tests use 445,
	// the only port where Wireshark decodes direct-TCP framing.
	Port int
	// Users maps user names to passwords; each is created as a system user
	// (useradd) if missing and added to Samba's passdb.
	Users map[string]string
}

// DefaultUser and DefaultPassword are the credentials of a zero Config.
const (
	DefaultUser     = "gosmbtest"
	DefaultPassword = "gosmb-Pass1"
)

// Samba is a running smbd.
type Samba struct {
	Dir      string
	Port     int
	Host     string // 127.0.0.1
	User     string
	Password string
	cmd      *exec.Cmd
	conf     string
	exited   chan struct{}
}

// SharePath returns the directory behind a share.
func (s *Samba) SharePath(share string) string { return filepath.Join(s.Dir, "shares", share) }

// ConfPath returns the generated smb.conf.
func (s *Samba) ConfPath() string { return s.conf }

// UNC returns //127.0.0.1/share.
func (s *Samba) UNC(share string) string { return "//" + s.Host + "/" + share }

// StartSamba starts smbd for the test and stops it at cleanup.
func StartSamba(t testing.TB, cfg Config) *Samba {
	t.Helper()
	s, err := Start(t.TempDir(), cfg)
	if err != nil {
		t.Fatalf("starting Samba: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts smbd with state under dir. Callers must call Stop.
func Start(dir string, cfg Config) (*Samba, error) {
	smbd, err := exec.LookPath("smbd")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/smbd"); e == nil {
			smbd = "/usr/sbin/smbd"
		} else {
			return nil, fmt.Errorf("smbd not installed: run `make deps` (test/scripts/install-deps.sh)")
		}
	}
	if len(cfg.Shares) == 0 {
		cfg.Shares = []Share{{Name: "share"}}
	}
	if len(cfg.Users) == 0 {
		cfg.Users = map[string]string{DefaultUser: DefaultPassword}
	}
	port := cfg.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	s := &Samba{Dir: dir, Port: port, Host: "127.0.0.1", exited: make(chan struct{})}
	if p, ok := cfg.Users[DefaultUser]; ok {
		s.User, s.Password = DefaultUser, p
	} else {
		for u, p := range cfg.Users {
			s.User, s.Password = u, p
			break
		}
	}
	// t.TempDir is 0700 (and so is its parent): the share's unix user must
	// be able to reach the share directories.
	for d := dir; d != "/" && d != os.TempDir() && d != "."; d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	for _, d := range []string{"private", "state", "cache", "lock", "run", "ncalrpc", "log", "shares"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	global := map[string]string{
		"server role":                  "standalone server",
		"workgroup":                    "WORKGROUP",
		"netbios name":                 "GOSMBTEST",
		"private dir":                  filepath.Join(dir, "private"),
		"state directory":              filepath.Join(dir, "state"),
		"cache directory":              filepath.Join(dir, "cache"),
		"lock directory":               filepath.Join(dir, "lock"),
		"pid directory":                filepath.Join(dir, "run"),
		"ncalrpc dir":                  filepath.Join(dir, "ncalrpc"),
		"log file":                     filepath.Join(dir, "log", "log.%m"),
		"log level":                    "1",
		"passdb backend":               "tdbsam:" + filepath.Join(dir, "private", "passdb.tdb"),
		"smb ports":                    fmt.Sprint(port),
		"interfaces":                   "127.0.0.1",
		"bind interfaces only":         "yes",
		"disable netbios":              "yes",
		"load printers":                "no",
		"printing":                     "bsd",
		"printcap name":                "/dev/null",
		"disable spoolss":              "yes",
		"server min protocol":          "SMB2_02",
		"server max protocol":          "SMB3_11",
		"smb3 unix extensions":         "yes",
		"smb3 directory leases":        "yes",
		"ea support":                   "yes",
		"kernel oplocks":               "no",
		"server multi channel support": "yes",
	}
	for k, v := range cfg.Global {
		global[k] = v
	}
	var conf bytes.Buffer
	conf.WriteString("[global]\n")
	writeParams(&conf, global)
	for _, sh := range cfg.Shares {
		p := s.SharePath(sh.Name)
		if err := os.MkdirAll(p, 0o777); err != nil {
			return nil, err
		}
		_ = os.Chmod(p, 0o777)
		params := map[string]string{"path": p, "read only": "no", "create mask": "0777", "directory mask": "0777"}
		for k, v := range sh.Params {
			params[k] = v
		}
		fmt.Fprintf(&conf, "[%s]\n", sh.Name)
		writeParams(&conf, params)
	}
	s.conf = filepath.Join(dir, "smb.conf")
	if err := os.WriteFile(s.conf, conf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	for u, p := range cfg.Users {
		if err := s.AddUser(u, p); err != nil {
			return nil, err
		}
	}
	log, err := os.Create(filepath.Join(dir, "log", "smbd.out"))
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(smbd, "-s", s.conf, "--foreground", "--no-process-group")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.cmd.Wait(); log.Close(); close(s.exited) }()
	if err := s.waitListening(15 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func writeParams(b *bytes.Buffer, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "\t%s = %s\n", k, m[k])
	}
}

// AddUser creates (or updates) a Samba user with a system account behind it.
func (s *Samba) AddUser(user, password string) error {
	if err := exec.Command("id", user).Run(); err != nil {
		if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user).CombinedOutput(); err != nil {
			// A parallel test may have created it meanwhile.
			if exec.Command("id", user).Run() != nil {
				return fmt.Errorf("useradd %s: %v: %s", user, err, out)
			}
		}
	}
	return s.SetPassword(user, password)
}

// SetPassword changes a user's password on the server (smbpasswd).
func (s *Samba) SetPassword(user, password string) error {
	cmd := exec.Command("smbpasswd", "-c", s.conf, "-s", "-a", user)
	cmd.Stdin = strings.NewReader(password + "\n" + password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("smbpasswd -a %s: %v: %s", user, err, out)
	}
	return nil
}

func (s *Samba) waitListening(d time.Duration) error {
	deadline := time.Now().Add(d)
	addr := net.JoinHostPort(s.Host, fmt.Sprint(s.Port))
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			out, _ := os.ReadFile(filepath.Join(s.Dir, "log", "smbd.out"))
			return fmt.Errorf("smbd exited at start: %s", out)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("smbd did not listen on %s within %v; logs in %s", addr, d, filepath.Join(s.Dir, "log"))
}

// Stop stops smbd and its children by PID (the whole process group).
func (s *Samba) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	pid := s.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-s.exited
	}
	// smbd forks a child per client; make sure none outlives the test.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// Restart stops and starts smbd on the same port and state.
func (s *Samba) Restart() error {
	s.Stop()
	s.exited = make(chan struct{})
	log, err := os.OpenFile(filepath.Join(s.Dir, "log", "smbd.out"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(s.cmd.Path, s.cmd.Args[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	go func() { s.cmd.Wait(); log.Close(); close(s.exited) }()
	return s.waitListening(15 * time.Second)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Smbclient runs smbclient against a share of s with the given commands and
// returns its combined output; extra arguments come before -c.
func (s *Samba) Smbclient(share, commands string, extra ...string) (string, error) {
	args := append([]string{"-p", fmt.Sprint(s.Port), "//" + s.Host + "/" + share, "-U", s.User + "%" + s.Password}, extra...)
	args = append(args, "-c", commands)
	out, err := exec.Command("smbclient", args...).CombinedOutput()
	return string(out), err
}
