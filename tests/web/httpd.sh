#!/usr/bin/env bash
# The web server's tests (apps/httpd), against any command that runs it:
# the host build (tests/run.sh does this), keel-run with the host's
# network (--net=host), or a keel VM behind a tap in a namespace.
#
#   tests/web/httpd.sh [OPTIONS] [CASE...] -- SERVER-COMMAND...
#
# SERVER-COMMAND starts httpd and keeps it in the foreground. In its
# words, @ROOT@ becomes the document root this script makes (a host
# directory: `-r @ROOT@` for a host process, `--initrd=@ROOT@` for
# keel-run) and @PORT@ the port (--port). The server must print its
# "httpd: serving ROOT at http://ADDR:PORT/ (BACKEND)" line on stdout;
# the port the clients use is read from it. Some cases start their own
# server with more options (-q, -c 3, --poll, a bad option) appended to
# the command, so it must end with httpd's own arguments. Examples:
#
#   tests/web/httpd.sh -- build/tests/web/httpd -a 127.0.0.1 -p 0 -r @ROOT@ -t 3
#   tests/web/httpd.sh --label=linux-host -- build/bin/keel-run --net=host \
#       --initrd=@ROOT@ build/apps/httpd -a 127.0.0.1 -p 0 -r /initrd -t 3
#   tests/web/httpd.sh --label=kvm-tap --netns --host=10.77.0.2 --port=8080 -- \
#       build/bin/keel-run --target=kvm --net=tap:ktap0 --ip=10.77.0.2/24 \
#       --initrd=@ROOT@ build/apps/httpd -p @PORT@ -r /initrd -t 3
#
# The main server must run with `-t 3` (the timeout cases count on a
# 3-second idle timeout).
#
# Options:
#   --label=NAME       test names are web/NAME/CASE (default: host)
#   --host=ADDR        the IPv4 address clients connect to (default 127.0.0.1)
#   --port=N           what @PORT@ becomes (default 0: the server picks)
#   --netns            run everything (server and clients) inside a network
#                      namespace of its own that has the tap ktap0 at
#                      10.77.0.1/24 (tests/net/netns.sh; needs root)
#   --stop-check       SIGTERM must stop the main server with status 0 and
#                      an empty stderr (with an ASan build: no leak, no error)
#   --root-snapshot    the server sees a copy of the root made at its start
#                      (keel-run --initrd): the case that changes a file
#                      under the running server is skipped
#   --start-timeout=S  seconds to wait for the serving line (default 20)
#   --tools=DIR        where http-raw and http-load are (default build/tests/tools)
#   -l                 list the cases, one a line, and exit
#
# Prints one line per case, like tests/run.sh: "PASS web/LABEL/CASE",
# "FAIL web/LABEL/CASE: reason" or "SKIP web/LABEL/CASE: reason".
# Exit status 1 if any case failed, 2 on bad arguments. Every client is
# bounded in count and time; the whole run takes about 30 seconds.
set -u -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
label=host host=127.0.0.1 port=0 netns= stop_check= snapshot= start_timeout=20
tools=$top/build/tests/tools list=
wanted=() server=() args=("$@")

# Cases that run against the main server, in this order; then the ones
# that start servers of their own.
MAIN_CASES=(fetch types head big-file empty-file not-found method redirect percent
	traversal garbage bad-requests huge-header long-uri body-too-large body-dropped
	pipelined keep-alive http10 connection-close conditional malformed-then-good
	sequential-1000 concurrent-100 vanishing-clients slow-client slow-reader
	idle-timeout file-changes log)
OWN_CASES=(clean-exit conn-limit quiet poll small-cache cache-held no-cache bad-option)

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
	case $1 in
	--label=*) label=${1#*=} ;;
	--host=*) host=${1#*=} ;;
	--port=*) port=${1#*=} ;;
	--netns) netns=1 ;;
	--stop-check) stop_check=1 ;;
	--root-snapshot) snapshot=1 ;;
	--start-timeout=*) start_timeout=${1#*=} ;;
	--tools=*) tools=${1#*=} ;;
	-l) list=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; server=("$@"); break ;;
	-*) echo "httpd.sh: unknown option '$1'" >&2; exit 2 ;;
	*) wanted+=("$1") ;;
	esac
	shift
done
if [[ -n $list ]]; then
	printf '%s\n' "${MAIN_CASES[@]}" "${OWN_CASES[@]}"
	exit 0
fi
if ((${#server[@]} == 0)); then
	echo "httpd.sh: no server command (see --help)" >&2
	exit 2
fi

if [[ -n $netns ]]; then
	# Again, inside a namespace of our own (removed when this exits).
	. "$top/tests/net/netns.sh"
	netns_up "keel-web-$$"
	rest=()
	for a in "${args[@]}"; do [[ $a == --netns ]] || rest+=("$a"); done
	ip netns exec "$ns" "$0" "${rest[@]}"
	exit
fi

npass=0 nfail=0
W=$(mktemp -d "${TMPDIR:-/tmp}/keel-web.XXXXXX") || exit 1
spid=
cleanup() {
	[[ -n $spid ]] && kill -KILL "$spid" 2>/dev/null
	[[ -n ${holders:-} ]] && kill $holders 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# ---- the document root -----------------------------------------------

root=$W/root
make_root() {
	mkdir -p "$root/sub" "$root/empty-dir"
	printf '<!DOCTYPE html>\n<title>keel</title>\n<p>served by keel</p>\n' >"$root/index.html"
	printf 'body { margin: 0 }\n' >"$root/style.css"
	printf 'console.log("keel");\n' >"$root/app.js"
	printf '{"keel": true}\n' >"$root/data.json"
	printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$root/icon.svg"
	printf 'notes\n' >"$root/notes.txt"
	printf 'space\n' >"$root/a b.txt"
	printf '<p>sub</p>\n' >"$root/sub/index.html"
	printf '\x00asm\x01\x00\x00\x00' >"$root/mod.wasm"
	head -c 3000 /dev/urandom >"$root/pic.png"
	head -c 2000 /dev/urandom >"$root/photo.jpg"
	head -c 500 /dev/urandom >"$root/favicon.ico"
	head -c 100 /dev/urandom >"$root/blob.xyz"
	head -c 1048576 /dev/urandom >"$root/big.bin"
	for i in $(seq 12); do head -c 3000 /dev/urandom >"$root/f$i.bin"; done
	printf 'first\n' >"$root/changing.txt"
	: >"$root/empty.txt"
	printf 'SECRET\n' >"$W/secret.txt" # next to the root: never to be served
}
make_root

# ---- reporting ---------------------------------------------------------

reason= skip_reason=
note() { [[ -n $reason ]] || reason=$1; }
one_line() {
	local s=${1//$'\n'/ | }
	s=${s//$'\r'/}
	((${#s} > 300)) && s="${s:0:297}..."
	printf '%s' "$s"
}
report() { # CASE
	local name=web/$label/$1
	if [[ -n $skip_reason ]]; then
		echo "SKIP $name: $(one_line "$skip_reason")"
	elif [[ -n $reason ]]; then
		echo "FAIL $name: $(one_line "$reason")"
		nfail=$((nfail + 1))
	else
		echo "PASS $name"
		npass=$((npass + 1))
	fi
	reason= skip_reason=
}
want() {
	local c
	((${#wanted[@]} == 0)) && return 0
	for c in "${wanted[@]}"; do [[ $c == "$1" ]] && return 0; done
	return 1
}

# ---- the server ----------------------------------------------------------

nserver=0
# start_server [EXTRA-ARGS...]: sets spid, sport, slog, serr, or start_err.
# A server that cannot have its device yet (a VM of the previous server
# may still hold the tap for a moment while it is torn down) is started
# again, for up to 5 s.
start_server() {
	local tries=0
	while ! start_once "$@"; do
		[[ $start_err == *"Resource busy"* ]] && ((tries++ < 10)) || return 1
		sleep 0.5
	done
}

start_once() {
	local w cmd=() t=0
	start_err=
	for w in "${server[@]}"; do
		w=${w//@ROOT@/$root}
		cmd+=("${w//@PORT@/$port}")
	done
	nserver=$((nserver + 1))
	slog=$W/server.$nserver.out serr=$W/server.$nserver.err
	"${cmd[@]}" "$@" >"$slog" 2>"$serr" </dev/null &
	spid=$!
	until grep -q '^httpd: serving ' "$slog" 2>/dev/null; do
		if ! kill -0 "$spid" 2>/dev/null; then
			wait "$spid"
			start_err="the server exited with status $? before listening: $(head -c 300 "$serr")"
			spid=
			return 1
		fi
		if ((t++ >= start_timeout * 10)); then
			start_err="no 'httpd: serving' line on stdout after $start_timeout s: $(head -c 300 "$serr")"
			stop_server
			return 1
		fi
		sleep 0.1
	done
	sport=$(sed -n 's|^httpd: serving .* at http://.*:\([0-9]*\)/ .*|\1|p' "$slog" | head -1)
	[[ -n $sport ]] || { start_err="no port in: $(head -1 "$slog")"; stop_server; return 1; }
}

# stop_server: SIGTERM, then SIGKILL after 5 s; sets stop_status, stop_hung.
stop_server() {
	local i
	stop_hung=
	[[ -n $spid ]] || return 0
	kill -TERM "$spid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$spid" 2>/dev/null; then
		kill -KILL "$spid" 2>/dev/null
		stop_hung=1
	fi
	wait "$spid"
	stop_status=$?
	spid=
}

alive() { [[ -n $spid ]] && kill -0 "$spid" 2>/dev/null; }

# ---- clients ---------------------------------------------------------------

# get PATH [CURL-ARGS...]: $code; the body in $W/body, the head in $W/hdrs.
get() {
	local p=$1
	shift
	: >"$W/body"
	: >"$W/hdrs"
	code=$(curl -sS --max-time 10 -o "$W/body" -D "$W/hdrs" -w '%{http_code}' "$@" \
		"http://$host:$sport$p" 2>"$W/curl.err") || code="curl failed ($(head -c 200 "$W/curl.err"))"
}

hdr() { # NAME: its value in $W/hdrs (or in FILE)
	grep -i "^$1:" "${2:-$W/hdrs}" | head -1 | sed 's/^[^:]*: *//; s/\r$//'
}

expect_code() { [[ $code == "$1" ]] || note "${2:-}status $code, expected $1"; }
expect_hdr() { # NAME VALUE
	local v
	v=$(hdr "$1")
	[[ $v == "$2" ]] || note "$1 is '$v', expected '$2'"
}
expect_body() { # FILE
	cmp -s "$W/body" "$1" || note "the body differs from ${1#$root}: $(head -c 60 "$W/body" | cat -v)"
}

# raw [HTTP-RAW-OPTIONS...] -- FORMAT [ARGS...]: sends printf's output;
# the answer in $W/raw, http-raw's status in rawst, seconds in rawt.
raw() {
	local opts=() t0=$EPOCHREALTIME
	while [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	# shellcheck disable=SC2059
	printf "$@" | "$tools/http-raw" "${opts[@]}" "$host" "$sport" >"$W/raw" 2>"$W/raw.err"
	rawst=${PIPESTATUS[1]}
	rawt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
}

raw_status() { head -1 "$W/raw" | tr -d '\r'; }
expect_raw() { # STATUS [WHAT]
	local s
	s=$(raw_status)
	[[ $s == "HTTP/1.1 $1 "* ]] || note "${2:+$2: }status line '$s', expected $1"
}
expect_closed() { # [WHAT]
	[[ $rawst == 0 ]] || note "${1:+$1: }the server did not close the connection (http-raw status $rawst$([[ $rawst == 4 ]] && echo ": reset"))"
}
expect_open() {
	[[ $rawst == 3 ]] || note "the server closed the connection (http-raw status $rawst), expected it kept open"
}
count_responses() { grep -c $'^HTTP/1.1 [0-9][0-9][0-9] ' "$W/raw"; }
expect_alive() { alive || note "the server is gone: $(tail -c 300 "$serr")"; }

H="Host: t\r\n"

# ---- cases against the main server ------------------------------------------

case_fetch() {
	get /index.html
	expect_code 200
	expect_body "$root/index.html"
	expect_hdr Content-Type "text/html; charset=utf-8"
	expect_hdr Content-Length "$(stat -c %s "$root/index.html")"
	get /
	expect_code 200 "/: "
	expect_body "$root/index.html"
}

case_types() {
	local f t
	for f in index.html:"text/html; charset=utf-8" style.css:"text/css; charset=utf-8" \
		app.js:"text/javascript; charset=utf-8" data.json:application/json \
		icon.svg:image/svg+xml pic.png:image/png photo.jpg:image/jpeg \
		notes.txt:"text/plain; charset=utf-8" favicon.ico:image/vnd.microsoft.icon \
		mod.wasm:application/wasm blob.xyz:application/octet-stream; do
		t=${f#*:}
		f=${f%%:*}
		get "/$f"
		expect_code 200 "/$f: "
		expect_body "$root/$f"
		[[ $(hdr Content-Type) == "$t" ]] || note "/$f: Content-Type '$(hdr Content-Type)', expected '$t'"
	done
}

case_head() {
	local size
	size=$(stat -c %s "$root/index.html")
	raw -- "HEAD /index.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	expect_raw 200
	expect_closed
	[[ $(hdr Content-Length "$W/raw") == "$size" ]] || note "Content-Length '$(hdr Content-Length "$W/raw")', expected $size"
	[[ $(tail -c 4 "$W/raw" | od -An -c | tr -d ' ') == '\r\n\r\n' ]] ||
		note "bytes after the head: $(tail -c 40 "$W/raw" | cat -v)"
}

case_big_file() {
	get /big.bin
	expect_code 200
	expect_body "$root/big.bin"
	expect_hdr Content-Length 1048576
}

case_empty_file() {
	get /empty.txt
	expect_code 200
	expect_hdr Content-Length 0
	[[ ! -s $W/body ]] || note "a body for an empty file"
}

case_not_found() {
	get /nope.html
	expect_code 404 "/nope.html: "
	get /empty-dir/
	expect_code 404 "/empty-dir/ (no index.html): "
	get /index.html/x
	expect_code 404 "/index.html/x: "
}

case_method() {
	local m
	for m in POST PUT DELETE OPTIONS PATCH BREW; do
		raw -- "$m /index.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
		expect_raw 405 "$m"
		[[ $(hdr Allow "$W/raw") == "GET, HEAD" ]] || note "$m: Allow is '$(hdr Allow "$W/raw")'"
	done
}

case_redirect() {
	get /sub
	expect_code 301 "/sub: "
	expect_hdr Location /sub/
	get '/sub?x=1'
	expect_hdr Location '/sub/?x=1'
	get /sub/
	expect_code 200 "/sub/: "
	expect_body "$root/sub/index.html"
	get /sub -L
	expect_code 200 "/sub followed: "
	expect_body "$root/sub/index.html"
}

case_percent() {
	get /a%20b.txt
	expect_code 200 "/a%20b.txt: "
	expect_body "$root/a b.txt"
	get /%61pp.js
	expect_code 200 "/%61pp.js: "
	expect_body "$root/app.js"
	get '/index.html?q=%zz#frag'
	expect_code 200 "a query is not a path: "
}

case_traversal() {
	local p
	for p in /../secret.txt /%2e%2e/secret.txt /%2E%2E/secret.txt /sub/../../secret.txt \
		/%2e%2e%2fsecret.txt /sub/%2e%2e/%2e%2e/secret.txt /..%2fsecret.txt /.%2e/secret.txt \
		http://t/../secret.txt /sub/..; do
		raw -- "GET %s HTTP/1.1\r\n${H}Connection: close\r\n\r\n" "$p"
		expect_raw 400 "$p"
		! grep -q SECRET "$W/raw" || note "$p served the file outside the root"
	done
}

case_garbage() {
	raw -- 'GARBAGE\r\n\r\n'
	expect_raw 400 "GARBAGE"
	expect_closed "GARBAGE"
	raw -- '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
	expect_raw 400 "a TLS hello"
	expect_closed "a TLS hello"
	head -c 4000 /dev/urandom >"$W/junk"
	"$tools/http-raw" "$host" "$sport" <"$W/junk" >"$W/raw" 2>&1
	rawst=$?
	[[ $rawst == 0 || $rawst == 4 ]] || note "random bytes: the connection stayed open (status $rawst)"
	expect_alive
}

case_bad_requests() {
	local r
	while IFS='|' read -r want r; do
		raw -- '%b' "$r"
		expect_raw "$want" "$r"
		expect_closed "$r"
	done <<EOF
400|GET / HTTP/1.1\r\n\r\n
400|GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n
400|GET / HTTP/1.1\r\nHost t\r\n\r\n
400|GET / HTTP/1.1\r\nHost : t\r\n\r\n
400|GET / HTTP/1.1\r\n${H} folded\r\n\r\n
400|GET /\r\n\r\n
400|GET / HTTP/1.1 extra\r\n${H}\r\n
400|GET  / HTTP/1.1\r\n${H}\r\n
400|GET /a%zz HTTP/1.1\r\n${H}\r\n
400|GET /a%00b HTTP/1.1\r\n${H}\r\n
400|GET nopath HTTP/1.1\r\n${H}\r\n
400|GET / HTTP/1.1\r\n${H}Content-Length: x\r\n\r\n
400|GET / HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\n
505|GET / HTTP/2.0\r\n${H}\r\n
505|GET / HTTP/0.9\r\n\r\n
EOF
}

case_huge_header() {
	raw -- "GET / HTTP/1.1\r\n${H}X-Big: %s\r\n\r\n" "$(head -c 10000 /dev/zero | tr '\0' a)"
	expect_raw 431
	expect_closed
	raw -- "GET / HTTP/1.1\r\n${H}%s\r\n" "$(for i in $(seq 400); do printf 'X-H%d: %s\r\n' "$i" aaaaaaaaaaaaaaaaaaaa; done)"
	expect_raw 431 "400 headers"
	expect_closed "400 headers"
}

case_long_uri() {
	raw -- "GET /%s HTTP/1.1\r\n${H}\r\n" "$(head -c 5000 /dev/zero | tr '\0' a)"
	expect_raw 414 "5000 bytes"
	expect_closed "5000 bytes"
	raw -- "GET /%s HTTP/1.1\r\n${H}\r\n" "$(head -c 20000 /dev/zero | tr '\0' a)"
	expect_raw 414 "20000 bytes"
	get "/$(head -c 1200 /dev/zero | tr '\0' a)"
	expect_code 414 "a 1200-byte path: "
}

case_body_too_large() {
	raw -- "POST / HTTP/1.1\r\n${H}Content-Length: 100000000\r\n\r\nxxxx"
	expect_raw 413
	expect_closed
}

case_body_dropped() {
	raw -- "GET /index.html HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nHELLOGET /notes.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	[[ $(count_responses) == 2 ]] || note "$(count_responses) responses, expected 2: $(head -c 200 "$W/raw" | cat -v)"
	grep -q '^notes' "$W/raw" || note "the request after the body was not answered"
	expect_closed
}

case_pipelined() {
	raw -- "GET /index.html HTTP/1.1\r\n${H}\r\nHEAD /style.css HTTP/1.1\r\n${H}\r\nGET /notes.txt HTTP/1.1\r\n${H}\r\nGET /data.json HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	[[ $(grep -c '^HTTP/1.1 200 OK' "$W/raw") == 4 ]] || note "$(count_responses) responses, expected 4 200s"
	# In order: index, (style: head only), notes, data.
	[[ $(grep -a -o -e 'served by keel' -e '^notes' -e '"keel": true' -e 'body { margin' "$W/raw" | tr '\n' ,) == 'served by keel,notes,"keel": true,' ]] ||
		note "the bodies are not index, notes, data in order"
	expect_closed
}

case_keep_alive() {
	raw -t 2000 -- "GET /notes.txt HTTP/1.1\r\n${H}\r\n"
	expect_raw 200
	expect_open
	[[ -z $(hdr Connection "$W/raw") ]] || note "Connection: $(hdr Connection "$W/raw") in an HTTP/1.1 keep-alive response"
}

case_http10() {
	raw -t 2000 -- "GET /notes.txt HTTP/1.0\r\n\r\n"
	expect_raw 200 "1.0"
	expect_closed "1.0"
	[[ $(hdr Connection "$W/raw") == close ]] || note "1.0: Connection '$(hdr Connection "$W/raw")', expected close"
	raw -t 2000 -- "GET /notes.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
	expect_raw 200 "1.0 keep-alive"
	expect_open
	[[ $(hdr Connection "$W/raw") == keep-alive ]] || note "1.0 keep-alive: Connection '$(hdr Connection "$W/raw")'"
}

case_connection_close() {
	raw -t 2000 -- "GET /notes.txt HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	expect_raw 200
	expect_closed
	[[ $(hdr Connection "$W/raw") == close ]] || note "Connection '$(hdr Connection "$W/raw")', expected close"
}

case_conditional() {
	local lm
	get /index.html
	lm=$(hdr Last-Modified)
	[[ $lm =~ ^[A-Z][a-z]{2},\ [0-9]{2}\ [A-Z][a-z]{2}\ [0-9]{4}\ [0-9:]{8}\ GMT$ ]] ||
		note "Last-Modified '$lm' is not an IMF-fixdate"
	get /index.html -H "If-Modified-Since: $lm"
	expect_code 304 "If-Modified-Since: its own date: "
	[[ ! -s $W/body ]] || note "a body with 304"
	get /index.html -H "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT"
	expect_code 200 "If-Modified-Since 1970: "
}

case_malformed_then_good() {
	local i
	for i in $(seq 10); do
		raw -- 'GARBAGE %d\r\n\r\n' "$i"
		raw -- "GET /%%zz HTTP/1.1\r\n${H}\r\n"
		raw -- "GET / HTTP/9.9\r\n\r\n"
		raw -x -- "GET /big.bin HTTP/1.1\r\n"
	done
	expect_alive
	get /index.html
	expect_code 200 "after 40 malformed requests: "
	expect_body "$root/index.html"
}

case_sequential_1000() {
	"$tools/http-load" -T 60 -f "$root/index.html" "$host" "$sport" /index.html seq 1000 \
		>"$W/load" 2>&1 || note "$(cat "$W/load")"
}

case_concurrent_100() {
	"$tools/http-load" -T 60 -f "$root/index.html" "$host" "$sport" /index.html keep 100 20 \
		>"$W/load" 2>&1 || note "$(cat "$W/load")"
	"$tools/http-load" -T 60 -f "$root/big.bin" "$host" "$sport" /big.bin keep 8 4 \
		>"$W/load" 2>&1 || note "big.bin: $(cat "$W/load")"
}

case_vanishing_clients() {
	local i
	for i in $(seq 50); do
		raw -x -- "GET /big.bin HTTP/1.1\r\n${H}\r\n"
	done
	"$tools/http-load" -T 30 -f "$root/index.html" "$host" "$sport" /index.html keep 10 10 \
		>"$W/load" 2>&1 || note "after 50 vanished clients: $(cat "$W/load")"
	expect_alive
}

# A client that trickles its request a byte at a time must not hold up
# the others; one that takes longer than the timeout (3 s) gets 408.
case_slow_client() {
	local i slow t0 t
	printf "GET /notes.txt HTTP/1.1\r\n${H}X-Slow: %s\r\n\r\n" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa |
		"$tools/http-raw" -b 100 -t 8000 "$host" "$sport" >"$W/slow" 2>&1 &
	slow=$!
	sleep 0.3
	t0=$EPOCHREALTIME
	for i in $(seq 20); do
		get /index.html --max-time 2
		expect_code 200 "while a client trickles: "
	done
	t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	awk -v t="$t" 'BEGIN { exit !(t < 2.5) }' || note "20 fetches took $t s beside a slow client"
	wait "$slow"
	[[ $(head -1 "$W/slow" | tr -d '\r') == "HTTP/1.1 408 "* ]] ||
		note "the slow client (7 s for its head) got '$(head -1 "$W/slow" | tr -d '\r')', expected 408"
	# One slow but in time (about 1.4 s) is served.
	raw -b 50 -- "GET /notes.txt HTTP/1.0\r\n\r\n"
	expect_raw 200 "a slow client within the timeout"
}

# A client that asks for 1 MiB and never reads must not hold up the others.
case_slow_reader() {
	local fd i
	exec {fd}<>"/dev/tcp/$host/$sport" || { note "cannot connect with bash's /dev/tcp"; return; }
	printf "GET /big.bin HTTP/1.1\r\n${H}\r\n" >&"$fd"
	sleep 0.3
	for i in $(seq 10); do
		get /index.html --max-time 2
		expect_code 200 "while a client does not read: "
	done
	"$tools/http-load" -T 20 -f "$root/big.bin" "$host" "$sport" /big.bin keep 2 2 \
		>"$W/load" 2>&1 || note "big.bin beside a client that does not read: $(cat "$W/load")"
	exec {fd}>&-
}

case_idle_timeout() {
	raw -t 8000 -- ""
	expect_closed "an idle connection"
	[[ ! -s $W/raw ]] || note "an idle connection got '$(raw_status)'"
	awk -v t="$rawt" 'BEGIN { exit !(t >= 2.5 && t < 6) }' || note "an idle connection was closed after $rawt s, expected 3"
	raw -t 8000 -- "GET /index.html HTTP/1.1\r\n"
	expect_raw 408 "half a request"
	expect_closed "half a request"
	awk -v t="$rawt" 'BEGIN { exit !(t >= 2.5 && t < 6) }' || note "half a request was answered after $rawt s, expected 3"
}

# A file that changes under the server is served anew within a second
# (httpd keeps small files in memory).
case_file_changes() {
	if [[ -n $snapshot ]]; then
		skip_reason="skipped: the server sees a snapshot of the root"
		return
	fi
	get /changing.txt
	expect_body "$root/changing.txt"
	printf 'second, and longer\n' >"$root/changing.txt"
	sleep 1.2
	get /changing.txt
	expect_body "$root/changing.txt"
	printf 'third\n' >"$root/changing.txt.new"
	mv "$root/changing.txt.new" "$root/changing.txt" # a new inode
	sleep 1.2
	get /changing.txt
	expect_body "$root/changing.txt"
	rm "$root/changing.txt"
	sleep 1.2
	get /changing.txt
	expect_code 404 "once removed: "
	printf 'first\n' >"$root/changing.txt"
}

# A file replaced while a slow client is still being sent its cached
# copy (a 4 KiB send buffer keeps the response in the middle): the
# client gets the old bytes whole, a new client the new ones (the cache
# frees the old copy only when the slow client is done).
case_cache_held() {
	local slow
	if [[ -n $snapshot ]]; then
		skip_reason="skipped: the server sees a snapshot of the root"
		return
	fi
	start_server -S 4096 || { note "$start_err"; return; }
	head -c 60000 /dev/urandom >"$root/held.bin"
	cp "$root/held.bin" "$W/held.old"
	get /held.bin
	expect_body "$W/held.old"
	printf "GET /held.bin HTTP/1.1\r\n${H}Connection: close\r\n\r\n" |
		"$tools/http-raw" -R 2048 -w 3000 -t 5000 "$host" "$sport" >"$W/held.raw" 2>&1 &
	slow=$!
	sleep 0.3
	head -c 50000 /dev/urandom >"$root/held.new"
	mv "$root/held.new" "$root/held.bin"
	sleep 1.2
	get /held.bin
	expect_body "$root/held.bin"
	wait "$slow"
	sed '1,/^\r$/d' "$W/held.raw" >"$W/held.body"
	cmp -s "$W/held.body" "$W/held.old" ||
		note "the slow client did not get the old file whole ($(stat -c %s "$W/held.body") bytes)"
	get /held.bin
	expect_body "$root/held.bin"
	expect_alive
	stop_server
	[[ -z $stop_check || $stop_status == 0 ]] || note "exit status $stop_status: $(head -c 300 "$serr")"
	[[ -z $stop_check || ! -s $serr ]] || note "stderr: $(head -c 300 "$serr")"
}

case_log() {
	local size ip='[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' date='\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\]'
	size=$(stat -c %s "$root/index.html")
	get /index.html -H 'X-Log: 1'
	get /nope.html
	sleep 0.2
	grep -Eq "^$ip - - $date \"GET /index.html HTTP/1.1\" 200 $size\$" "$slog" ||
		note "no log line for GET /index.html: $(grep -m1 'GET /index.html' "$slog")"
	grep -Eq "^$ip - - $date \"GET /nope.html HTTP/1.1\" 404 [0-9]+\$" "$slog" ||
		note "no log line for the 404"
	grep -q '"GARBAGE"' "$slog" || note "no log line for the garbage request"
	grep -q '\\x16' "$slog" || note "the TLS hello's bytes are not escaped in the log"
}

# ---- cases with servers of their own ------------------------------------

case_clean_exit() {
	stop_server
	if [[ -n $stop_hung ]]; then
		note "SIGTERM did not stop the server within 5 s"
	elif [[ $stop_status != 0 ]]; then
		note "the server exited with status $stop_status after SIGTERM: $(head -c 300 "$serr")"
	fi
	[[ ! -s $serr ]] || note "stderr is not empty: $(head -c 300 "$serr")"
}

case_conn_limit() {
	local fds=() fd i
	start_server -c 3 || { note "$start_err"; return; }
	for i in 1 2 3; do
		exec {fd}<>"/dev/tcp/$host/$sport" || { note "cannot connect"; break; }
		fds+=("$fd")
	done
	sleep 0.3
	raw -t 3000 -- "GET /notes.txt HTTP/1.1\r\n${H}\r\n"
	expect_raw 503 "a 4th connection"
	expect_closed "a 4th connection"
	[[ $(hdr Retry-After "$W/raw") == 1 ]] || note "no Retry-After: 1 with the 503"
	for fd in "${fds[@]}"; do exec {fd}>&-; done
	sleep 0.3
	get /notes.txt
	expect_code 200 "once the 3 closed: "
	sleep 0.5 # until the server has seen curl's connection close
	"$tools/http-load" -T 30 "$host" "$sport" /notes.txt keep 3 10 >"$W/load" 2>&1 ||
		note "3 connections under a limit of 3: $(cat "$W/load")"
	stop_server
}

case_quiet() {
	start_server -q || { note "$start_err"; return; }
	get /index.html
	expect_code 200
	get /nope.html
	stop_server
	[[ $(wc -l <"$slog") == 1 ]] || note "with -q the server printed: $(tail -n +2 "$slog" | head -3)"
}

case_poll() {
	start_server --poll || { note "$start_err"; return; }
	grep -q '^httpd: serving .* (poll)$' "$slog" || note "the serving line does not say poll: $(head -1 "$slog")"
	get /index.html
	expect_code 200
	expect_body "$root/index.html"
	"$tools/http-load" -T 30 -f "$root/index.html" "$host" "$sport" /index.html keep 50 10 \
		>"$W/load" 2>&1 || note "poll, 50 keep-alive connections: $(cat "$W/load")"
	"$tools/http-load" -T 30 -f "$root/index.html" "$host" "$sport" /index.html seq 200 \
		>"$W/load" 2>&1 || note "poll, 200 connections: $(cat "$W/load")"
	raw -- 'GARBAGE\r\n\r\n'
	expect_raw 400 "poll, garbage"
	stop_server
}

# A cache smaller than the files it is asked for: evictions, every body
# still right (the sanitizers watch the memory).
case_small_cache() {
	local round i
	start_server -m 8 || { note "$start_err"; return; }
	for round in 1 2; do
		for i in $(seq 12); do
			get "/f$i.bin"
			expect_code 200 "/f$i.bin: "
			expect_body "$root/f$i.bin"
		done
	done
	"$tools/http-load" -T 30 -f "$root/f3.bin" "$host" "$sport" /f3.bin keep 20 10 \
		>"$W/load" 2>&1 || note "-m 8: $(cat "$W/load")"
	stop_server
	[[ -z $stop_check || $stop_status == 0 ]] || note "exit status $stop_status: $(head -c 300 "$serr")"
	[[ -z $stop_check || ! -s $serr ]] || note "stderr: $(head -c 300 "$serr")"
}

case_no_cache() {
	start_server -m 0 || { note "$start_err"; return; }
	get /index.html
	expect_code 200
	expect_body "$root/index.html"
	"$tools/http-load" -T 30 -f "$root/index.html" "$host" "$sport" /index.html keep 20 10 \
		>"$W/load" 2>&1 || note "-m 0: $(cat "$W/load")"
	stop_server
}

case_bad_option() {
	start_server --bogus && { note "the server started with --bogus"; stop_server; return; }
	[[ $start_err == *"status 2 "* ]] || note "$start_err"
	grep -qx "httpd: unknown option '--bogus' (see --help)" "$serr" ||
		note "stderr lacks the line about --bogus: $(head -c 200 "$serr")"
}

# ---- run -------------------------------------------------------------------

if ! command -v curl >/dev/null; then
	for c in "${MAIN_CASES[@]}" "${OWN_CASES[@]}"; do
		want "$c" || continue
		skip_reason="skipped: needs curl"
		report "$c"
	done
	exit 0
fi
for t in http-raw http-load; do
	[[ -x $tools/$t ]] || { echo "httpd.sh: $tools/$t is missing" >&2; exit 2; }
done

main_wanted=0
for c in "${MAIN_CASES[@]}" clean-exit; do want "$c" && main_wanted=1; done
if ((main_wanted)); then
	if start_server; then
		for c in "${MAIN_CASES[@]}"; do
			want "$c" || continue
			if alive; then
				"case_${c//-/_}"
			else
				note "not run: the server is gone"
			fi
			report "$c"
		done
	else
		for c in "${MAIN_CASES[@]}"; do
			want "$c" || continue
			note "$start_err"
			report "$c"
		done
	fi
fi
for c in "${OWN_CASES[@]}"; do
	want "$c" || continue
	if [[ $c == clean-exit ]]; then
		if [[ -z $stop_check ]]; then
			stop_server
			skip_reason="skipped: SIGTERM is not checked in this mode (no --stop-check)"
			report "$c"
			continue
		fi
		if [[ -z $spid ]]; then
			note "not run: the main server did not start or is gone"
		else
			case_clean_exit
		fi
	else
		stop_server
		"case_${c//-/_}"
	fi
	report "$c"
done
stop_server
((nfail == 0))
