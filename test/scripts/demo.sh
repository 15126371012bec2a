#!/bin/bash
# make demo: start a private Samba on loopback, mount it with mount.gosmb,
# show a few file operations, unmount, stop Samba. Needs root (mount), and
# `make deps build` first (the Makefile's demo target does both).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$PWD/bin
work=$(mktemp -d /tmp/gosmb-demo.XXXXXX)
mnt=$work/mnt
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 44555)
cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && { umount "$mnt" 2>/dev/null || fusermount3 -u -z "$mnt" 2>/dev/null || true; }
	bash test/scripts/samba.sh stop "$work/samba" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
show() { echo; echo "\$ $*"; "$@"; }

echo "== starting Samba $(smbd --version | sed 's/Version //') on 127.0.0.1:$port"
bash test/scripts/samba.sh start "$work/samba" "$port" gosmbdemo 'Demo-Pass1' >/dev/null
mkdir -p "$mnt"
printf 'username=gosmbdemo\npassword=Demo-Pass1\n' >"$work/cred"
chmod 600 "$work/cred"

show "$bin/mount.gosmb" //127.0.0.1/share "$mnt" -o "port=$port,credentials=$work/cred,vers=3.1.1"
show findmnt "$mnt"
show cp /etc/os-release "$mnt/os-release"
show mkdir "$mnt/photos"
show sh -c "seq 1 100000 > '$mnt/photos/numbers.txt'"
show ls -la "$mnt" "$mnt/photos"
show head -3 "$mnt/os-release"
show stat "$mnt/photos/numbers.txt"
show mv "$mnt/photos/numbers.txt" "$mnt/numbers.txt"
show sh -c "wc -l < '$mnt/numbers.txt'"
echo; echo "== the same files, seen on the server's disk:"
show ls -la "$work/samba/share" "$work/samba/share/photos"
show umount "$mnt"
echo; echo "== unmounted; demo done"
