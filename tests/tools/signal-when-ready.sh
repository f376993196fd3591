#!/bin/bash
# Runs COMMAND; once its stdout has a line "ready", sends it each of
# SIGNALS (comma-separated names, 0.2 s apart). Exits with COMMAND's
# status; COMMAND's stdout is passed on once it ended.
#
#   tests/tools/signal-when-ready.sh SIGNALS -- COMMAND [ARGS...]
set -u
sigs=$1
shift
[[ ${1:-} == -- ]] && shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" &
pid=$!
for _ in $(seq 1 200); do
	grep -q '^ready' "$out" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
IFS=, read -ra list <<<"$sigs"
for s in "${list[@]}"; do
	sleep 0.2
	kill -s "$s" "$pid" 2>/dev/null
done
wait "$pid"
st=$?
cat "$out"
exit "$st"
