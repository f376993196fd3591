#!/bin/bash
# The socket tests on lwIP inside a keel guest: the guest at 10.77.0.2/24
# on a tap in a network namespace of the script's own (nothing outside
# it is touched; loopback aside, no address is used but 10.77.0.0/24
# inside the namespace), the host side's programs run in the namespace.
#
#   tests/net/sock.sh KEEL_RUN TARGET TOOLS MODE IMAGE [ARGS...]
#
# MODE says what the host side does while IMAGE runs with ARGS:
#   echo    IMAGE serves TCP and UDP echo on port 7 (tests/guest/sock-echo.c):
#           once it answers pings, TOOLS/tcp-echo sends 3 connections of
#           1 MiB and TOOLS/udp-echo 40 datagrams (the last says "bye")
#   client  TOOLS/sock-echo (tests/tools/) serves TCP and UDP echo at
#           10.77.0.1:7000 while IMAGE connects out to it; it stops on
#           a datagram "bye", and must have served without a fault
#   none    nothing: IMAGE runs alone on the network
# keel-run's extra options come from $KEEL_RUN_OPTS (default: the static
# address). Exits with keel-run's status, or 3 if the host side failed;
# the guest's output is on stdout, the host side's and keel-run's
# (with --stats) on stderr.
set -u
keel_run=$1 target=$2 tools=$3 mode=$4 image=$5
shift 5
. "$(dirname "$0")/netns.sh"
netns_up keel-sock-$$-$target

server=
if [[ $mode == client ]]; then
	ip netns exec "$ns" "$tools/sock-echo" serve 10.77.0.1 7000 >&2 &
	server=$!
	sleep 0.3
fi
ip netns exec "$ns" "$keel_run" --target="$target" --net=tap:"$tap" --timeout=40 --stats \
	${KEEL_RUN_OPTS:---ip=10.77.0.2/24 --gw=10.77.0.1} "$image" "$@" </dev/null &
guest=$!
ok=1
if [[ $mode == echo ]]; then
	# One ping at a time until one is answered (a QEMU boot is slow):
	# at most 40 tries.
	answered=0
	for _ in $(seq 1 40); do
		kill -0 "$guest" 2>/dev/null || break
		if ip netns exec "$ns" ping -c 1 -W 1 10.77.0.2 >/dev/null 2>&1; then
			answered=1
			break
		fi
	done
	ok=0
	if ((answered)); then
		ip netns exec "$ns" "$tools/tcp-echo" 10.77.0.2 7 1048576 3 >&2 && ok=1
		ip netns exec "$ns" "$tools/udp-echo" 10.77.0.2 7 40 >&2 || ok=0
	else
		echo "the guest answered no ping" >&2
	fi
fi
wait "$guest"
status=$?
if [[ -n $server ]]; then
	# it ends by itself after "bye"; a guest that failed sent none
	for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
	kill "$server" 2>/dev/null && { echo "the host's server did not stop" >&2; ok=0; }
	wait "$server" || ok=0
fi
((ok)) || { echo "the host side failed" >&2; exit 3; }
exit "$status"
