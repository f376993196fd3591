#!/bin/bash
# keel-run --net=host and the host's resolver files: IMAGE
# (tests/guest/hostnet-dns.c) runs in a network namespace of its own
# with loopback only, and in a mount namespace of its own where
# /etc/resolv.conf names a name server on 127.0.0.1 (TOOLS/dns-answer,
# which knows keel-dns.test) and /etc/hosts names keel-hosts.test.
# Nothing outside the two namespaces is touched.
#
#   tests/net/host-dns.sh KEEL_RUN IMAGE TOOLS
#
# The image's output is on stdout, the name server's on stderr. Exits
# with keel-run's status, or 3 when the name server did not start.
set -u
keel_run=$1 image=$2 tools=$3
. "$(dirname "$0")/netns.sh"
netns_lo_up keel-hostdns-$$
tmp=$(mktemp -d) || exit 3
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
printf 'nameserver 127.0.0.1\n' >"$tmp/resolv.conf"
printf '127.0.0.1\tlocalhost\n127.0.0.9\tkeel-hosts.test\n' >"$tmp/hosts"

ip netns exec "$ns" "$tools/dns-answer" 127.0.0.1 53 keel-dns.test 127.0.0.42 20 >"$tmp/dns" &
dns=$!
for _ in $(seq 1 100); do
	grep -q ready "$tmp/dns" && break
	sleep 0.05
done
grep -q ready "$tmp/dns" || { echo "dns-answer did not start" >&2; exit 3; }
ip netns exec "$ns" unshare -m --propagation private sh -c \
	'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts &&
	 exec "$3" --target=linux --net=host --timeout=10 "$4"' \
	sh "$tmp/resolv.conf" "$tmp/hosts" "$keel_run" "$image"
status=$?
kill "$dns" 2>/dev/null
wait "$dns" 2>/dev/null
cat "$tmp/dns" >&2
exit "$status"
