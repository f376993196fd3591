#!/bin/bash
# Pings lwIP inside a keel guest and exchanges UDP datagrams with it,
# through a tap, all inside a network namespace of its own (nothing
# outside it is touched; loopback aside, no address is used but
# 10.77.0.0/24 inside the namespace).
#
#   tests/net/lwip-echo.sh KEEL_RUN TARGET IMAGE TOOLS COUNT [hog]
#
# IMAGE (tests/guest/lwip-ping.c) runs lwIP at 10.77.0.2/24 and echoes
# TCP and UDP on port 7 until told "bye". This script pings it until it
# has answered 3 pings, then runs TOOLS/tcp-echo (tests/tools/) with 3
# connections of 1 MiB each and TOOLS/udp-echo with COUNT datagrams.
# With COUNT 0 the guest idles for 2 seconds, nothing is sent to it.
# With "hog", instead of TCP: the guest is told to take all of lwIP's
# heap for 3 seconds and sent 200 datagrams meanwhile, then the UDP
# echoes must work again. Exits with keel-run's status, or 3 if the pings or
# the echoes failed; the guest's output is on stdout, keel-run's (with
# --stats), ping's and udp-echo's on stderr.
set -u
keel_run=$1 target=$2 image=$3 tools=$4 count=$5 mode=${6:-}
. "$(dirname "$0")/netns.sh"
netns_up keel-lwip-$$-$target

ip netns exec "$ns" "$keel_run" --target="$target" --net=tap:"$tap" --timeout=40 --stats \
	"$image" 10.77.0.2/24 10.77.0.1 "$count" $((count ? 30 : 2)) </dev/null &
guest=$!
if ((count == 0)); then
	wait "$guest"
	exit
fi
# One ping at a time until three were answered (a QEMU boot is slow,
# a busy machine may lose one): at most 40 tries.
answered=0
for _ in $(seq 1 40); do
	kill -0 "$guest" 2>/dev/null || break
	if ip netns exec "$ns" ping -c 1 -W 1 10.77.0.2 >&2; then
		answered=$((answered + 1))
		((answered == 3)) && break
	fi
done
echoes=0
if ((answered == 3)); then
	if [[ $mode == hog ]]; then
		ip netns exec "$ns" bash -c 'printf hog >/dev/udp/10.77.0.2/7; sleep 0.5
			for i in $(seq 200); do printf "x%03d" $i >/dev/udp/10.77.0.2/7; done; sleep 3'
		echoes=1
	else
		ip netns exec "$ns" "$tools/tcp-echo" 10.77.0.2 7 1048576 3 >&2 && echoes=1
	fi
	ip netns exec "$ns" "$tools/udp-echo" 10.77.0.2 7 "$count" >&2 || echoes=0
fi
wait "$guest"
status=$?
((answered == 3)) || { echo "the guest answered $answered pings, not 3" >&2; exit 3; }
((echoes)) || { echo "tcp-echo or udp-echo failed" >&2; exit 3; }
exit "$status"
