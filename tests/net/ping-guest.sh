#!/bin/bash
# Pings a keel guest through a tap, all inside a network namespace of
# its own (nothing outside it is touched; loopback aside, no address is
# used but 10.77.0.0/24 inside the namespace).
#
#   tests/net/ping-guest.sh KEEL_RUN TARGET IMAGE
#
# IMAGE (tests/guest/netecho.c) answers ARP and 3 pings at 10.77.0.2,
# then exits 0. Exits with keel-run's status, or 3 if the pings failed;
# the guest's output is on stdout, ping's on stderr.
set -u
keel_run=$1 target=$2 image=$3
. "$(dirname "$0")/netns.sh"
netns_up keel-ping-$$-$target

ip netns exec "$ns" "$keel_run" --target="$target" --net=tap:"$tap" --timeout=20 \
	"$image" 10.77.0.2 3 </dev/null &
guest=$!
# One ping at a time until the guest has answered three and left (a
# QEMU boot is slow; on a busy machine a reply may come after ping gave
# up on it, so the guest's own count, on its stdout, is the measure,
# and the host must have seen at least one reply): at most 40 tries.
answered=0
for _ in $(seq 1 40); do
	kill -0 "$guest" 2>/dev/null || break
	if ip netns exec "$ns" ping -c 1 -W 2 10.77.0.2 >&2; then
		answered=$((answered + 1))
	fi
done
wait "$guest"
status=$?
((answered >= 1)) || { echo "no ping was answered" >&2; exit 3; }
exit "$status"
