#!/bin/bash
# A hostile guest on the KVM monitor's network device: tests/guest/hostile.c
# in mode "net" with --net=tap, in a network namespace of its own (the tap
# at 10.77.0.1/24; nothing outside it is touched), under tests/tools/reap
# (every process keel-run leaves behind is accounted for).
#
#   tests/net/hostile-net.sh KEEL_RUN IMAGE REAP
#
# With tcpdump(8) the tap is captured meanwhile (the first 128 bytes of
# each frame), and the capture searched for the marker every transmit
# chain the monitor must refuse carries: "capture: N frames (D dropped),
# M with the refused marker" on stderr (no such line without tcpdump).
# Exits with keel-run's status as reap passes it on; the guest's output
# is on stdout, keel-run's (--stats) and reap's on stderr.
set -u
keel_run=$1 image=$2 reap=$3
. "$(dirname "$0")/netns.sh"
netns_up keel-hnet-$$
dir=$(mktemp -d) || exit 3
capture=
trap 'if [[ -n $capture ]]; then kill "$capture" 2>/dev/null; wait "$capture"; fi
	ip netns del "$ns" 2>/dev/null; rm -rf "$dir"' EXIT
if command -v tcpdump >/dev/null; then
	ip netns exec "$ns" tcpdump -i "$tap" --immediate-mode -B 16384 -U -s 128 -w "$dir/tap.pcap" 2>"$dir/tcpdump.log" &
	capture=$!
	for _ in $(seq 1 100); do
		grep -q 'listening on' "$dir/tcpdump.log" && break
		sleep 0.05
	done
	grep -q 'listening on' "$dir/tcpdump.log" ||
		{ echo "tcpdump did not start: $(head -c 200 "$dir/tcpdump.log")" >&2; exit 3; }
fi

ip netns exec "$ns" "$reap" 3 "$keel_run" --target=kvm --net=tap:"$tap" --timeout=40 --stats \
	"$image" net </dev/null
status=$?

if [[ -n $capture ]]; then
	sleep 0.2 # what the tap still holds
	kill -INT "$capture"
	wait "$capture"
	capture=
	frames=$(tcpdump -n --count -r "$dir/tap.pcap" 2>/dev/null | sed -nE 's/^([0-9]+) packets?$/\1/p')
	marked=$(grep -aoF 'kEeL-rEfUsEd' "$dir/tap.pcap" | wc -l)
	dropped=$(sed -nE 's/^([0-9]+) packets? dropped by kernel$/\1/p' "$dir/tcpdump.log")
	echo "capture: ${frames:-?} frames (${dropped:-?} dropped), $marked with the refused marker" >&2
fi
exit "$status"
