#!/bin/bash
# What `make run` does, checked: scripts/run-site.sh TARGET serves
# build/site; the page fetched with curl must be build/site/index.html
# byte for byte, and the plot must come with its type. Runs inside a
# namespace of its own (loopback only for linux; the script's own
# namespace and tap for kvm).
#
#   tests/net/run-site.sh linux|kvm
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
target=$1
port=8080
log=$(mktemp) page=$(mktemp)
trap 'rm -f "$log" "$page"' EXIT

if [[ $target == linux ]]; then
	. "$top/tests/net/netns.sh"
	netns_lo_up keel-run-$$
	inns=(ip netns exec "$ns")
	url=http://127.0.0.1:$port
	PORT=$port "${inns[@]}" "$top/scripts/run-site.sh" linux >"$log" 2>&1 &
else
	inns=(ip netns exec keel-site)
	url=http://10.77.0.2:$port
	PORT=$port "$top/scripts/run-site.sh" "$target" >"$log" 2>&1 &
fi
pid=$!
ok=
for _ in $(seq 100); do
	if grep -q "httpd: serving" "$log"; then ok=1; break; fi
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
fail() { echo "$*"; cat "$log" >&2; kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 1; }
[[ $ok ]] || fail "no 'httpd: serving' line"
grep -q "keel: open http://127.0.0.1:$port/\|keel: fetch it with" "$log" || fail "no line saying where to open it"
"${inns[@]}" curl -s -m 5 -o "$page" "$url/" || fail "curl $url/ failed"
cmp -s "$page" "$top/build/site/index.html" || fail "the page is not build/site/index.html"
type=$("${inns[@]}" curl -s -m 5 -o /dev/null -w '%{content_type}' "$url/bench.svg")
[[ $type == image/svg+xml* ]] || fail "bench.svg came as '$type'"
kill -TERM $pid
wait $pid
echo "ok: 4 checks"
