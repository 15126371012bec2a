#!/bin/bash
# Installs everything gosmb's tests, demo and benchmarks use, on Debian 12 as root.
# Samba comes from bookworm-backports (4.22): plain bookworm's 4.17 lacks SMB3 POSIX
# extensions and directory leases. Idempotent; quiet when all is present.
# With the argument "bench" it also installs the benchmark's peers (rclone).
set -euo pipefail
bench=${1:-}

need=()
have() { command -v "$1" >/dev/null 2>&1; }

smbd_ok() {
	have smbd || return 1
	local v
	v=$(smbd --version 2>/dev/null | sed -n 's/^Version \([0-9]*\.[0-9]*\).*/\1/p')
	[ -n "$v" ] || return 1
	# 4.22 or newer
	[ "$(printf '%s\n4.22\n' "$v" | sort -V | head -n1)" = "4.22" ]
}

smbd_ok || need+=(samba)
have smbclient || need+=(smbclient)
have fusermount3 || need+=(fuse3)
have tshark || need+=(tshark)
have ip || need+=(iproute2)
have fio || need+=(fio)
have ss || need+=(iproute2)
have pdbedit || need+=(samba)
if [ "$bench" = bench ]; then
	have rclone || need+=(rclone)
fi

if [ ${#need[@]} -eq 0 ] && smbd_ok; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing ${need[*]}; run as root (or: sudo make deps)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
src=/etc/apt/sources.list.d/debian.sources
bp=/etc/apt/sources.list.d/gosmb-backports.sources
if [ ! -f "$bp" ]; then
	uris=$(grep -m1 '^URIs:' "$src" 2>/dev/null || true)
	if [ -z "$uris" ]; then
		echo "install-deps: no URIs line in $src; add bookworm-backports by hand" >&2
		exit 1
	fi
	cat >"$bp" <<EOT
Types: deb
$uris
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
fi

# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections

apt-get update -qq
apt-get install -y -qq --no-install-recommends -t bookworm-backports samba smbclient samba-common-bin >/dev/null
apt-get install -y -qq --no-install-recommends fuse3 tshark iproute2 fio git tar psmisc procps >/dev/null
if [ "$bench" = bench ]; then
	apt-get install -y -qq --no-install-recommends rclone >/dev/null
fi
# Debian starts smbd/nmbd as services on install; the tests run their own.
for s in smbd nmbd samba-ad-dc winbind; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
	pkill -x "$s" >/dev/null 2>&1 || true
done
smbd_ok || { echo "install-deps: smbd is $(smbd --version 2>&1), need 4.22 from bookworm-backports" >&2; exit 1; }
echo "install-deps: $(smbd --version), $(tshark --version 2>/dev/null | head -n1)"
