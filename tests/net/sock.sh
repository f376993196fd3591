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
#   backlog once IMAGE listens on port 7, 4 clients connect to it one
#           after another and hold their connections for 8 s
#   reset   once IMAGE listens on port 7, TOOLS/tcp-reset resets a
#           connection to it and expects IMAGE to reset another
#   dhcp    TOOLS/dhcp-answer leases 10.77.0.50/24 on the tap, then as
#           echo with the guest at that address (KEEL_RUN_OPTS= empty:
#           no --ip, so the guest asks DHCP)
#   dns     TOOLS/dns-answer answers at 10.77.0.1:53 for keel-dns.test
#           (127.0.0.42, NXDOMAIN for other names) while IMAGE runs;
#           its log follows on stderr
#   none    nothing: IMAGE runs alone on the network
# keel-run's extra options come from $KEEL_RUN_OPTS (when unset: the
# static address 10.77.0.2/24). Exits with keel-run's status, or 3 if the host side failed;
# the guest's output is on stdout, the host side's and keel-run's
# (with --stats) on stderr.
set -u
keel_run=$1 target=$2 tools=$3 mode=$4 image=$5
shift 5
. "$(dirname "$0")/netns.sh"
netns_up keel-sock-$$-$target

server=
guest_ip=10.77.0.2
if [[ $mode == dhcp ]]; then
	dhcplog=$(mktemp) || exit 3
	trap 'ip netns del "$ns" 2>/dev/null; rm -f "$dhcplog"' EXIT
	ip netns exec "$ns" "$tools/dhcp-answer" "$tap" 10.77.0.1 10.77.0.50 30 >"$dhcplog" &
	server=$!
	for _ in $(seq 1 100); do
		grep -q ready "$dhcplog" 2>/dev/null && break
		sleep 0.05
	done
	guest_ip=10.77.0.50
	mode=echo
elif [[ $mode == client ]]; then
	ip netns exec "$ns" "$tools/sock-echo" serve 10.77.0.1 7000 >&2 &
	server=$!
	sleep 0.3
elif [[ $mode == dns ]]; then
	dnslog=$(mktemp) || exit 3
	trap 'ip netns del "$ns" 2>/dev/null; rm -f "$dnslog"' EXIT
	ip netns exec "$ns" "$tools/dns-answer" 10.77.0.1 53 keel-dns.test 127.0.0.42 30 >"$dnslog" &
	server=$!
	for _ in $(seq 1 100); do
		grep -q ready "$dnslog" 2>/dev/null && break
		sleep 0.05
	done
fi
gout=$(mktemp) || exit 3
trap 'ip netns del "$ns" 2>/dev/null; rm -f "$gout" ${dhcplog:-} ${dnslog:-}' EXIT
ip netns exec "$ns" "$keel_run" --target="$target" --net=tap:"$tap" --timeout=40 --stats \
	${KEEL_RUN_OPTS---ip=10.77.0.2/24 --gw=10.77.0.1} "$image" "$@" </dev/null >"$gout" &
guest=$!
ok=1
if [[ $mode == reset ]]; then
	for _ in $(seq 1 400); do
		grep -q '^listening on' "$gout" && break
		kill -0 "$guest" 2>/dev/null || break
		sleep 0.1
	done
	ip netns exec "$ns" "$tools/tcp-reset" 10.77.0.2 7 >&2 || ok=0
fi
if [[ $mode == backlog ]]; then
	for _ in $(seq 1 400); do
		grep -q '^listening on' "$gout" && break
		kill -0 "$guest" 2>/dev/null || break
		sleep 0.1
	done
	for i in 1 2 3 4; do
		ip netns exec "$ns" timeout 15 bash -c 'exec 3<>/dev/tcp/10.77.0.2/7 && sleep 8' &
		sleep 0.1
	done
fi
if [[ $mode == echo ]]; then
	# Until the guest says it listens (a QEMU boot is slow): 40 s at most.
	for _ in $(seq 1 400); do
		grep -q '^listening on' "$gout" && break
		kill -0 "$guest" 2>/dev/null || break
		sleep 0.1
	done
	ok=0
	if grep -q '^listening on' "$gout" &&
		ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$guest_ip" >/dev/null 2>&1; then
		ip netns exec "$ns" "$tools/tcp-echo" "$guest_ip" 7 1048576 3 >&2 && ok=1
		ip netns exec "$ns" "$tools/udp-echo" "$guest_ip" 7 40 >&2 || ok=0
	else
		echo "the guest does not listen at $guest_ip or answer pings" >&2
	fi
fi
wait "$guest"
status=$?
cat "$gout"
if [[ -n ${dhcplog:-} ]]; then
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	cat "$dhcplog" >&2
	server=
fi
if [[ $mode == dns ]]; then
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	cat "$dnslog" >&2
	server=
fi
if [[ -n $server ]]; then
	# it ends by itself after "bye"; a guest that failed sent none
	for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
	kill "$server" 2>/dev/null && { echo "the host's server did not stop" >&2; ok=0; }
	wait "$server" || ok=0
fi
((ok)) || { echo "the host side failed" >&2; exit 3; }
exit "$status"
