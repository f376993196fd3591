#!/bin/bash
# keel-run --net=host: TCP and UDP echo between a keel guest and host
# programs over loopback, inside a network namespace of its own (only
# 127.0.0.1 is used; nothing outside the namespace is touched).
#
#   tests/net/host-echo.sh KEEL_RUN IMAGE TOOLS serve|client|bench
#
# IMAGE is tests/guest/sock-echo.c built with keel-cc; TOOLS holds the
# host programs of tests/tools/ (tcp-echo, udp-echo, and sock-echo: the
# same echo code built for Linux).
#   serve   the guest serves at a port it picks and prints; after a
#           second idle (its CPU time then is printed: "idle: N ticks"),
#           tcp-echo sends 3 connections of 1 MiB, udp-echo 40 datagrams,
#           then "bye", which stops the guest.
#   client  TOOLS/sock-echo serves; the guest connects out to it with 2
#           connections of 1 MiB, then one of 64-byte round trips.
#   bench   the same client (TOOLS/sock-echo: 4 connections of 16 MiB,
#           then 5000 round trips) against the guest and against
#           TOOLS/sock-echo serving as a Linux process; prints both and
#           the ratios.
# The guest's output is on stdout, the rest on stderr. Exits with
# keel-run's status, or 3 when a host program failed.
set -u
keel_run=$1 image=$2 tools=$3 mode=$4
. "$(dirname "$0")/netns.sh"
netns_lo_up keel-hostecho-$$
tmp=$(mktemp -d) || exit 3
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT

# start_server NAME COMMAND...: runs it in the namespace, waits for its
# "listening on ADDR PORT" line (10 s at most) and sets $port, $pid.
start_server() {
	local name=$1 i
	shift
	: >"$tmp/$name.out"
	ip netns exec "$ns" "$@" >>"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	port=
	for i in $(seq 1 200); do
		port=$(awk '/^listening on/ { print $4; exit }' "$tmp/$name.out")
		[[ -n $port ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "$name: no 'listening on' line: $(cat "$tmp/$name.out" "$tmp/$name.err")" >&2
	return 1
}

in_ns() { ip netns exec "$ns" "$@"; }
guest() { in_ns "$keel_run" --target=linux --net=host --timeout=30 "$image" "$@"; }

case $mode in
serve)
	start_server guest "$keel_run" --target=linux --net=host --timeout=30 "$image" \
		serve 127.0.0.1 0 || exit 3
	ok=1
	image_pid=$(pgrep -P "$pid" | head -1) # --timeout: keel-run's child runs the image
	cpu() { awk '{ print $14 + $15 }' "/proc/$image_pid/stat"; }
	t0=$(cpu)
	sleep 1
	echo "idle: $(($(cpu) - t0)) ticks" >&2
	in_ns "$tools/tcp-echo" 127.0.0.1 "$port" 1048576 3 >&2 || ok=0
	in_ns "$tools/udp-echo" 127.0.0.1 "$port" 40 >&2 || ok=0
	wait "$pid"
	status=$?
	cat "$tmp/guest.out"
	cat "$tmp/guest.err" >&2
	((ok)) || { echo "tcp-echo or udp-echo failed" >&2; exit 3; }
	exit "$status"
	;;
client)
	start_server host "$tools/sock-echo" serve 127.0.0.1 0 || exit 3
	guest client 127.0.0.1 "$port" 1048576 2
	status=$?
	((status == 0)) && { guest rtt 127.0.0.1 "$port" 200; status=$?; }
	in_ns "$tools/sock-echo" bye 127.0.0.1 "$port" >/dev/null
	wait "$pid" || { echo "the host's sock-echo failed: $(cat "$tmp/host.err")" >&2; exit 3; }
	sed 's/^/host: /' "$tmp/host.out" >&2
	exit "$status"
	;;
bench)
	measure() { # NAME SERVER-COMMAND...
		local name=$1
		shift
		start_server "$name" "$@" || exit 3
		in_ns "$tools/sock-echo" client 127.0.0.1 "$port" $((16 << 20)) 4 >"$tmp/$name.tput" &&
			in_ns "$tools/sock-echo" rtt 127.0.0.1 "$port" 5000 >"$tmp/$name.rtt" &&
			in_ns "$tools/sock-echo" bye 127.0.0.1 "$port" >/dev/null || exit 3
		wait "$pid" || exit 3
		tput[$name]=$(sed -n 's/.* \([0-9.]*\) MB\/s/\1/p' "$tmp/$name.tput")
		rtt[$name]=$(sed -n 's/.*bytes, \([0-9.]*\) us each/\1/p' "$tmp/$name.rtt")
		echo "$name: ${tput[$name]} MB/s, round trip ${rtt[$name]} us"
	}
	declare -A tput rtt
	measure linux "$tools/sock-echo" serve 127.0.0.1 0
	measure keel "$keel_run" --target=linux --net=host "$image" serve 127.0.0.1 0
	awk -v a="${tput[keel]}" -v b="${tput[linux]}" -v c="${rtt[keel]}" -v d="${rtt[linux]}" \
		'BEGIN { printf "keel/linux: throughput %.2f, round trip %.2f\n", a / b, c / d }'
	;;
*)
	echo "usage: host-echo.sh KEEL_RUN IMAGE TOOLS serve|client|bench" >&2
	exit 2
	;;
esac
