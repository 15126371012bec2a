#!/bin/bash
# samba.sh start DIR PORT [USER PASSWORD]  - start a private smbd on 127.0.0.1:PORT
# samba.sh stop DIR                        - stop it by PID
# Everything (config, state, share) lives under DIR; nothing touches /etc/samba.
# The share is //127.0.0.1/share (path DIR/share), SMB3 POSIX extensions on.
set -euo pipefail
cmd=${1:?usage: samba.sh start DIR PORT [USER PASSWORD] | stop DIR}
dir=${2:?need DIR}
case "$cmd" in
start)
	port=${3:?need PORT}
	user=${4:-gosmbtest}
	pass=${5:-gosmb-Pass1}
	mkdir -p "$dir"/{private,state,cache,lock,run,ncalrpc,share,log}
	dir=$(cd "$dir" && pwd)
	# The share user must reach the share: open the state dir and its parent
	# (mktemp makes them 0700).
	chmod 755 "$dir" "$(dirname "$dir")" 2>/dev/null || true
	id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
	chown "$user" "$dir/share"
	cat >"$dir/smb.conf" <<EOT
[global]
	server role = standalone server
	workgroup = WORKGROUP
	netbios name = GOSMBTEST
	private dir = $dir/private
	state directory = $dir/state
	cache directory = $dir/cache
	lock directory = $dir/lock
	pid directory = $dir/run
	ncalrpc dir = $dir/ncalrpc
	log file = $dir/log/log.%m
	log level = 1
	passdb backend = tdbsam:$dir/private/passdb.tdb
	smb ports = $port
	interfaces = 127.0.0.1
	bind interfaces only = yes
	disable netbios = yes
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	server min protocol = SMB2_02
	server max protocol = SMB3_11
	smb3 unix extensions = yes
	smb3 directory leases = yes
	ea support = yes
	kernel oplocks = no
[share]
	path = $dir/share
	read only = no
	create mask = 0777
	directory mask = 0777
EOT
	printf '%s\n%s\n' "$pass" "$pass" | smbpasswd -c "$dir/smb.conf" -s -a "$user" >/dev/null
	# Its own session: smbd signals its whole process group when it stops.
	setsid smbd -s "$dir/smb.conf" --foreground --no-process-group >"$dir/log/smbd.out" 2>&1 &
	echo $! >"$dir/smbd.pid"
	for _ in $(seq 100); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
			echo "smbd pid $(cat "$dir/smbd.pid") listening on 127.0.0.1:$port, share //127.0.0.1/share, user $user"
			exit 0
		fi
		sleep 0.1
	done
	echo "samba.sh: smbd did not listen on port $port; see $dir/log" >&2
	exit 1
	;;
stop)
	[ -f "$dir/smbd.pid" ] || exit 0
	pid=$(cat "$dir/smbd.pid")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$dir/smbd.pid"
	;;
*) echo "usage: samba.sh start DIR PORT [USER PASSWORD] | stop DIR" >&2; exit 2 ;;
esac
