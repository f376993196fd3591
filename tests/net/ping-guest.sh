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
ns=keel-ping-$$-$target
tap=ktap0

cleanup() { ip netns del "$ns" 2>/dev/null; }
trap cleanup EXIT
ip netns add "$ns" || { echo "cannot create network namespace $ns" >&2; exit 3; }
ip -n "$ns" link set lo up
ip netns exec "$ns" ip tuntap add "$tap" mode tap || exit 3
ip -n "$ns" addr add 10.77.0.1/24 dev "$tap"
ip -n "$ns" link set "$tap" up

ip netns exec "$ns" "$keel_run" --target="$target" --net=tap:"$tap" --timeout=20 \
	"$image" 10.77.0.2 3 </dev/null &
guest=$!
# Give the guest up to 10 s to come up and answer (a QEMU boot is slow).
ok=0
for _ in $(seq 1 20); do
	if ip netns exec "$ns" ping -c 1 -W 0.5 10.77.0.2 >/dev/null 2>&1; then
		ok=1
		break
	fi
done
if [[ $ok == 1 ]]; then
	ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 10.77.0.2 >&2 || ok=0
fi
wait "$guest"
status=$?
[[ $ok == 1 ]] || { echo "the guest did not answer pings" >&2; exit 3; }
exit "$status"
