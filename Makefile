# gosmb — see README.md. Every target that needs system packages installs
# them first (test/scripts/install-deps.sh, Debian 12, as root).

GO      ?= go
BIN     := bin
PREFIX  ?= /usr/local
SBINDIR ?= /sbin
# Packages whose tests run under the race detector: everything with
# goroutines and locks.
RACE_PKGS := ./smb/... ./transport/... ./auth/... ./cache/... ./fs/... ./cmd/...

.PHONY: all build deps test test-unit test-race lint demo bench fuzz install uninstall clean

all: build

build:
	$(GO) build -o $(BIN)/gosmb ./cmd/gosmb
	ln -sf gosmb $(BIN)/mount.gosmb

deps:
	bash test/scripts/install-deps.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The whole suite: unit, fuzz seed corpora, race, and integration tests
# against a real Samba started by the tests themselves.
test: deps lint build
	$(GO) test -count=1 -race -timeout 6m $(RACE_PKGS)
	$(GO) test -count=1 -timeout 10m $$($(GO) list ./... | grep -v -e /smb -e /transport -e /auth -e /cache -e /fs -e /cmd)

demo: deps build
	bash test/scripts/demo.sh

# A table of gosmb against local disk, the FUSE ceiling, rclone mount and
# smbclient, from one run (about 10 minutes).
bench: build
	bash test/scripts/install-deps.sh bench
	$(GO) run ./test/bench

# Run every fuzz target for FUZZTIME each (seed corpora run in `make test`).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

install: build
	install -D -m 0755 $(BIN)/gosmb $(DESTDIR)$(PREFIX)/bin/gosmb
	install -d $(DESTDIR)$(SBINDIR)
	ln -sf $(PREFIX)/bin/gosmb $(DESTDIR)$(SBINDIR)/mount.gosmb
	# mount(8) names a live mount's type fuse.gosmb (remount, umount).
	ln -sf $(PREFIX)/bin/gosmb $(DESTDIR)$(SBINDIR)/mount.fuse.gosmb

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/gosmb $(DESTDIR)$(SBINDIR)/mount.gosmb $(DESTDIR)$(SBINDIR)/mount.fuse.gosmb

clean:
	rm -rf $(BIN)
