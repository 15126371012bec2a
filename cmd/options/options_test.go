package options

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosmb/gosmb/smb/wire"
)

func TestParseCifsNames(t *testing.T) {
	o := Defaults()
	err := o.Parse("username=WORK/alice,password=p,,w,port=4455,vers=3.0,seal,sign,uid=1000,gid=100,file_mode=0644,dir_mode=0750,actimeo=5,cache=none,posix,_netdev,nofail,x-systemd.automount")
	if err != nil {
		t.Fatal(err)
	}
	if o.Username != "alice" || o.Domain != "WORK" || o.Password != "p,w" || o.Port != 4455 {
		t.Errorf("credentials: %+v", o)
	}
	if o.MinDialect != wire.SMB300 || o.MaxDialect != wire.SMB300 || !o.Seal || !o.Sign {
		t.Errorf("connection: %+v", o)
	}
	if !o.UIDSet || o.UID != 1000 || o.GID != 100 || o.FileMode != 0o644 || o.DirMode != 0o750 {
		t.Errorf("ownership: %+v", o)
	}
	if o.AcRegMax != 5*time.Second || o.AcDirMax != 5*time.Second || o.Cache != "none" || !o.POSIX {
		t.Errorf("cache: %+v", o)
	}
	if strings.Contains(o.String(), "p,w") {
		t.Errorf("String() shows the password: %s", o.String())
	}
}

func TestCachingOptions(t *testing.T) {
	o := Defaults()
	if o.Notify || o.MaxCachedDirs != 4096 || o.DirCacheTimeout != 30*time.Second {
		t.Errorf("defaults: %+v", o)
	}
	if err := o.Parse("notify,max_cached_dirs=16,dir_cache_timeout=0,acregmax=3,acdirmax=7,handletimeout=60000"); err != nil {
		t.Fatal(err)
	}
	if !o.Notify || o.MaxCachedDirs != 16 || o.DirCacheTimeout != 0 || o.AcRegMax != 3*time.Second || o.AcDirMax != 7*time.Second || o.HandleTimeout != time.Minute {
		t.Errorf("parsed: %+v", o)
	}
	if err := o.Parse("nonotify"); err != nil || o.Notify {
		t.Errorf("nonotify: %v %v", err, o.Notify)
	}
}

func TestUserPercentPassword(t *testing.T) {
	o := Defaults()
	if err := o.Parse("user=bob%secret"); err != nil {
		t.Fatal(err)
	}
	if o.Username != "bob" || o.Password != "secret" {
		t.Errorf("got %q %q", o.Username, o.Password)
	}
}

func TestBadOptionsNameTheOption(t *testing.T) {
	for in, name := range map[string]string{
		"bogus=1":           "bogus",
		"port=99999":        "port",
		"port=":             "port",
		"vers=1.0":          "vers",
		"vers=9":            "vers",
		"file_mode=999":     "file_mode",
		"cache=maybe":       "cache",
		"seal=yes":          "seal",
		"uid=-1":            "uid",
		"notify=1":          "notify",
		"max_cached_dirs=0": "max_cached_dirs",
		"handletimeout=x":   "handletimeout",
	} {
		o := Defaults()
		err := o.Parse(in)
		var oe *Error
		if !errors.As(err, &oe) || oe.Option != name {
			t.Errorf("Parse(%q) = %v, want an error naming %q", in, err, name)
		}
	}
}

func TestCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cred")
	os.WriteFile(p, []byte("# comment\nusername=carol\npassword=s3 cret=x\ndomain=LAB\npassword2=old\n"), 0o600)
	o := Defaults()
	if err := o.LoadCredentials(p); err != nil {
		t.Fatal(err)
	}
	if o.Username != "carol" || o.Password != "s3 cret=x" || o.Domain != "LAB" || o.Password2 != "old" {
		t.Errorf("got %+v", o)
	}
	os.Chmod(p, 0o644)
	if err := o.LoadCredentials(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable credentials file: %v", err)
	}
}

func TestParseUNC(t *testing.T) {
	for in, want := range map[string]UNC{
		"//srv/share":         {"srv", "share", ""},
		`\\srv\share\a\b`:     {"srv", "share", "a/b"},
		"//[::1]/s/dir/":      {"[::1]", "s", "dir"},
		"//127.0.0.1/share/x": {"127.0.0.1", "share", "x"},
	} {
		got, err := ParseUNC(in)
		if err != nil || got != want {
			t.Errorf("ParseUNC(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"srv/share", "//srv", "//srv/", "///share"} {
		if _, err := ParseUNC(bad); err == nil {
			t.Errorf("ParseUNC(%q) accepted", bad)
		}
	}
}
