#!/usr/bin/env bash
# The web server benchmark: wrk against keel's httpd (apps/httpd) and
# against nginx from Debian serving the same file, each server in a
# network namespace of its own, with the same wrk settings; reported as
# ratios (httpd requests/s ÷ nginx requests/s).
#
#   bench/httpd.sh [--quick] [--label=NAME] [--rounds=N] [--seconds=S] [--no-mem-search]
#                  [--keel-host=COMMAND] [--keel-tap=COMMAND]
#
# Servers (each one skipped, saying why, when it cannot run here):
#   nginx      the anchor: nginx with 1 worker process (NGINX_WORKERS), no
#              access log, sendfile on, in its namespace behind a veth pair
#   host       apps/httpd built for the host (musl-gcc -static -O2, else
#              gcc -O2) as a plain Linux process, behind a veth pair too
#   keel-host  COMMAND (default: keel-run --target=linux --net=host
#              --mem=@MEM@ --initrd=@ROOT@ build/apps/httpd -q -p @PORT@
#              -r /initrd), behind a veth pair: keel's Linux base on the
#              host's stack
#   keel-tap   COMMAND (default: keel-run --target=kvm --net=tap:ktap0
#              --ip=10.77.0.2/24 --mem=@MEM@ --initrd=@ROOT@
#              build/apps/httpd -q -p @PORT@ -r /initrd), in a namespace
#              whose tap ktap0 is 10.77.0.1/24; wrk runs in that namespace
#              against 10.77.0.2: keel on KVM with lwIP
# In a COMMAND, @ROOT@ is the document root (a host directory), @PORT@
# the port (8080) and @MEM@ the memory budget (64M); the words are split
# on blanks. The defaults are skipped while keel-run lacks --net=host (or
# --ip=) in its --help. For a keel server whose COMMAND has @MEM@, a full
# run then also finds the smallest budget (of 32M 16M 12M 8M 6M 5M 4M 3M
# 2M, going down until one fails) at which it serves a 3 s wrk run
# without an error.
#
# wrk runs in a client namespace of its own (keel-tap: in the server's):
# 2 threads, 64 connections, 15 s per round (--quick: 3 s, 1 round),
# rounds interleaved across the servers (default 3), after a 1 s warm-up
# of each; the median requests/s of each server is reported, with its
# latency percentiles and every error wrk saw (socket errors and non-2xx
# answers; a server with errors is reported as such, not as a ratio).
# The file is the website's index.html (scripts/build-site.sh; a fixed
# 4 KiB page without cmark), checked byte for byte from every server first.
#
# Writes bench/results/<date>-httpd.md and bench/results/httpd.json
# (--quick: build/bench/httpd-quick.md and .json). Needs root, ip(8),
# wrk, nginx and curl; without them it says what is missing and exits 0.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

B=build
out=$B/bench
label=httpd
quick=0
rounds=${HTTPD_ROUNDS:-3}
duration=15
threads=2
conns=64
port=8080
workers=${NGINX_WORKERS:-1}
keel_host_cmd="$B/bin/keel-run --target=linux --net=host --mem=@MEM@ --initrd=@ROOT@ $B/apps/httpd -q -p @PORT@ -r /initrd"
keel_tap_cmd="$B/bin/keel-run --target=kvm --net=tap:ktap0 --ip=10.77.0.2/24 --mem=@MEM@ --initrd=@ROOT@ $B/apps/httpd -q -p @PORT@ -r /initrd"
mem=64M
mem_search=1
mem_candidates=(32M 16M 12M 8M 6M 5M 4M 3M 2M)
keel_host_given= keel_tap_given=

for a in "$@"; do
	case $a in
	--quick) quick=1 duration=3 rounds=1 mem_search=0 ;;
	--no-mem-search) mem_search=0 ;;
	--label=*) label=${a#*=} ;;
	--rounds=*) rounds=${a#*=} ;;
	--seconds=*) duration=${a#*=} ;;
	--keel-host=*) keel_host_cmd=${a#*=} keel_host_given=1 ;;
	--keel-tap=*) keel_tap_cmd=${a#*=} keel_tap_given=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0 ;;
	*)
		echo "bench/httpd.sh: unknown option '$a' (see --help)" >&2
		exit 2 ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench/httpd.sh: bad --rounds '$rounds'" >&2; exit 2; }
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "bench/httpd.sh: bad --seconds '$duration'" >&2; exit 2; }

say() { echo "bench: httpd: $*"; }
missing=()
[[ $(id -u) == 0 ]] || missing+=("root (network namespaces)")
for t in ip wrk nginx curl; do command -v "$t" >/dev/null || missing+=("$t"); done
if ((${#missing[@]})); then
	say "skipped: needs ${missing[*]} (run 'make deps' as root)"
	exit 0
fi

loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
mem_measured=$mem
W=$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-httpd.XXXXXX")
chmod 755 "$W" # nginx's worker runs as nobody
namespaces=() pids=()
cleanup() {
	local p n
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.3
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$out"

# ---- what is served ------------------------------------------------------
root=$W/root
if scripts/build-site.sh "$root" >"$W/site.log" 2>&1; then
	what="the website's index.html (scripts/build-site.sh)"
else
	mkdir -p "$root"
	{ echo '<!DOCTYPE html><title>keel</title>'; head -c 4000 /dev/zero | tr '\0' k; echo; } >"$root/index.html"
	what="a fixed 4 KiB page (the website did not build: $(tail -1 "$W/site.log"))"
fi
file=index.html
size=$(stat -c %s "$root/$file")

# ---- the host build of httpd ---------------------------------------------
hcflags=(-std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare)
if command -v musl-gcc >/dev/null; then
	musl-gcc -static "${hcflags[@]}" -o "$out/httpd-host" apps/httpd/*.c
	host_build="musl-gcc -static -O2"
else
	gcc "${hcflags[@]}" -o "$out/httpd-host" apps/httpd/*.c
	host_build="gcc -O2"
fi

# ---- namespaces ------------------------------------------------------------
cns=kb-c-$$
ip netns add "$cns"
namespaces+=("$cns")
ip -n "$cns" link set lo up

# server_ns I TAP: a namespace for server I behind the veth pair
# 10.78.I.1 (client side) -- 10.78.I.2 (server side); with TAP, also the
# tap ktap0 at 10.77.0.1/24 in it. Sets sns.
server_ns() {
	local i=$1
	sns=kb-s$i-$$
	ip netns add "$sns"
	namespaces+=("$sns")
	ip -n "$sns" link set lo up
	ip link add "kbc$i-$$" type veth peer name "kbs$i-$$"
	ip link set "kbc$i-$$" netns "$cns"
	ip link set "kbs$i-$$" netns "$sns"
	ip -n "$cns" addr add "10.78.$i.1/24" dev "kbc$i-$$"
	ip -n "$sns" addr add "10.78.$i.2/24" dev "kbs$i-$$"
	ip -n "$cns" link set "kbc$i-$$" up
	ip -n "$sns" link set "kbs$i-$$" up
	if [[ $2 == tap ]]; then
		ip netns exec "$sns" ip tuntap add ktap0 mode tap
		ip -n "$sns" addr add 10.77.0.1/24 dev ktap0
		ip -n "$sns" link set ktap0 up
	fi
}

# ---- the servers -----------------------------------------------------------
names=() urls=() clientns=() whats=() skipped=()
declare -A why spid sns_of cmd_of

# start NAME WHAT CLIENT-NS URL-HOST SERVER-NS COMMAND...
start() {
	local name=$1 what=$2 cn=$3 host=$4 sn=$5 t=0 url code
	shift 5
	url="http://$host:$port/$file"
	ip netns exec "$sn" "$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null &
	pids+=($!)
	spid[$name]=$!
	until code=$(ip netns exec "$cn" curl -s -o "$W/$name.body" -w '%{http_code}' --max-time 1 "$url" 2>/dev/null) &&
		[[ $code == 200 ]]; do
		if ! kill -0 "${pids[-1]}" 2>/dev/null; then
			why[$name]="it exited before serving: $(head -c 200 "$W/$name.err" | tr '\n' ' ')"
			skipped+=("$name")
			return
		fi
		if ((t++ > 60)); then
			why[$name]="no 200 for $url within 30 s: $(head -c 200 "$W/$name.err" | tr '\n' ' ')"
			skipped+=("$name")
			return
		fi
		sleep 0.5
	done
	if ! cmp -s "$W/$name.body" "$root/$file"; then
		why[$name]="it served other bytes than $file"
		skipped+=("$name")
		return
	fi
	names+=("$name") urls+=("$url") clientns+=("$cn") whats+=("$what")
	sns_of[$name]=$sn
}

cmd_words() { # COMMAND-STRING: the words, placeholders filled, in cmd
	local w
	cmd=()
	for w in $1; do
		w=${w//@ROOT@/$root}
		w=${w//@MEM@/$mem}
		cmd+=("${w//@PORT@/$port}")
	done
}

keel_help=$("$B/bin/keel-run" --help 2>&1 || true)

# nginx, the anchor
mkdir -p "$W/nginx"
cat >"$W/nginx.conf" <<EOF
worker_processes $workers;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_timeout 75s;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	types { text/html html; text/css css; image/svg+xml svg; }
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	server {
		listen $port;
		root $root;
		index index.html;
	}
}
EOF
nginx_version=$(nginx -v 2>&1 | sed 's|.*nginx/||')
server_ns 1 veth
start nginx "nginx $nginx_version, $workers worker, its own namespace over a veth pair" \
	"$cns" 10.78.1.2 "$sns" nginx -c "$W/nginx.conf" -g 'daemon off;'

server_ns 2 veth
start host "apps/httpd as a Linux process ($host_build), over a veth pair" \
	"$cns" 10.78.2.2 "$sns" "$out/httpd-host" -q -p "$port" -r "$root"

if [[ -z $keel_host_given && $keel_help != *--net=host* ]]; then
	why[keel-host]="keel-run has no --net=host yet"
	skipped+=(keel-host)
else
	cmd_words "$keel_host_cmd"
	cmd_of[keel-host]=$keel_host_cmd
	server_ns 3 veth
	start keel-host "\`$keel_host_cmd\`, over a veth pair" "$cns" 10.78.3.2 "$sns" "${cmd[@]}"
fi

if [[ -z $keel_tap_given && $keel_help != *--ip=* ]]; then
	why[keel-tap]="keel-run has no --ip= yet"
	skipped+=(keel-tap)
elif [[ ! -c /dev/net/tun ]]; then
	why[keel-tap]="no /dev/net/tun"
	skipped+=(keel-tap)
else
	cmd_words "$keel_tap_cmd"
	cmd_of[keel-tap]=$keel_tap_cmd
	server_ns 4 tap
	start keel-tap "\`$keel_tap_cmd\`, wrk over the tap" "$sns" 10.77.0.2 "$sns" "${cmd[@]}"
fi
for n in "${skipped[@]}"; do say "$n skipped: ${why[$n]}"; done
[[ " ${names[*]} " == *" nginx "* ]] || { echo "bench: httpd: the anchor did not start: ${why[nginx]}" >&2; exit 1; }

# ---- wrk -------------------------------------------------------------------
to_ms() { # 1.23ms, 456.00us, 1.10s -> milliseconds
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000
		else if (v ~ /ms$/) n = n
		else if (v ~ /s$/) n *= 1000
		printf "%.3f", n }'
}
wrk_run() { # I SECONDS: one wrk run against server I; prints "rps p50 p99 errors"
	local i=$1 o
	o=$(ip netns exec "${clientns[i]}" wrk -t"$threads" -c"$conns" -d"$2"s --latency "${urls[i]}" 2>&1) || {
		echo "0 0 0 1"
		return
	}
	echo "$o" >>"$W/${names[i]}.wrk"
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$o")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$o")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$o")")
	errs=$(awk '/Socket errors:/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) s += $i }
		/Non-2xx or 3xx responses:/ { s += $NF } END { print s + 0 }' <<<"$o")
	echo "${rps:-0} ${p50:-0} ${p99:-0} $errs"
}

say "wrk -t$threads -c$conns -d${duration}s, $rounds round(s), interleaved: ${names[*]}"
for ((i = 0; i < ${#names[@]}; i++)); do
	wrk_run "$i" 1 >/dev/null # warm-up
	: >"$W/${names[i]}.runs"
done
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#names[@]}; i++)); do
		wrk_run "$i" "$duration" >>"$W/${names[i]}.runs"
	done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A rps p50 p99 errs all
for ((i = 0; i < ${#names[@]}; i++)); do
	n=${names[i]}
	rps[$n]=$(cut -d' ' -f1 "$W/$n.runs" | median)
	p50[$n]=$(cut -d' ' -f2 "$W/$n.runs" | median)
	p99[$n]=$(cut -d' ' -f3 "$W/$n.runs" | median)
	errs[$n]=$(awk '{ s += $4 } END { print s + 0 }' "$W/$n.runs")
	all[$n]=$(cut -d' ' -f1 "$W/$n.runs" | awk '{ printf "%s%.0f", (NR > 1 ? ", " : ""), $1 }')
done

# ---- the smallest --mem of each keel server ----------------------------------
# One server at a time in its namespace: the measured one stops, each
# budget gets a fresh start, a byte-for-byte check and a 3 s wrk run.
declare -A minmem
stop_pid() {
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
if ((mem_search)); then
	for ((i = 0; i < ${#names[@]}; i++)); do
		n=${names[i]}
		[[ ${cmd_of[$n]:-} == *@MEM@* ]] || continue
		stop_pid "${spid[$n]}"
		tried=()
		for m in "${mem_candidates[@]}"; do
			mem=$m
			cmd_words "${cmd_of[$n]}"
			tried+=("$m")
			ip netns exec "${sns_of[$n]}" "${cmd[@]}" >"$W/mem.out" 2>"$W/mem.err" </dev/null &
			p=$!
			pids+=("$p")
			ok=0
			for _ in $(seq 40); do
				if ip netns exec "${clientns[i]}" curl -s -o "$W/mem.body" --max-time 1 "${urls[i]}" 2>/dev/null &&
					cmp -s "$W/mem.body" "$root/$file"; then
					ok=1
					break
				fi
				kill -0 "$p" 2>/dev/null || break
				sleep 0.5
			done
			if ((ok)); then
				read -r r _ _ e <<<"$(wrk_run "$i" 3)"
				awk -v r="$r" 'BEGIN { exit !(r > 0) }' && ((e == 0)) || ok=0
			fi
			stop_pid "$p"
			((ok)) || break
			minmem[$n]=$m
		done
		say "$n: smallest --mem serving without errors: ${minmem[$n]:-above ${mem_candidates[0]}} (tried ${tried[*]})"
	done
fi

# ---- report ------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { if (r >= g) printf "met"; else printf "missed (%.2fx the goal)", r / g }'; }
anchor="${rps[nginx]} (nginx, 1 worker, own namespace)"
[[ $workers == 1 ]] || anchor="${rps[nginx]} (nginx, $workers workers, own namespace)"
row() { # NAME TEXT GOAL
	local n=$1 text=$2 g=— r
	[[ -n $3 ]] && g="≥ $3"
	if [[ -z ${rps[$n]:-} ]]; then
		echo "| $text | skipped: ${why[$n]} | | | $g | |"
	elif ((${errs[$n]} > 0)); then
		echo "| $text | ${rps[$n]}, with ${errs[$n]} errors | $anchor | — | $g | errors |"
	else
		r=$(ratio "${rps[$n]}" "${rps[nginx]}")
		echo "| $text | ${rps[$n]} | $anchor | $r | $g | $([[ -n $3 ]] && verdict "$r" "$3") |"
	fi
}
table=$(
	echo "| benchmark | keel | anchor | ratio | goal | result |"
	echo "| --- | ---: | ---: | ---: | ---: | --- |"
	row host "web server as a host process: apps/httpd ($host_build), requests/s (median; ratio = httpd ÷ nginx)" ""
	row keel-host "web server on keel \`--target=linux --net=host\`: \`keel-run\`, requests/s (median)" ""
	row keel-tap "web server on keel \`--target=kvm --net=tap\` (lwIP): \`keel-run\`, requests/s (median)" 1.0
)
details=$(
	echo "| server | requests/s, each round | median | latency p50 | latency p99 | errors |"
	echo "| --- | --- | ---: | ---: | ---: | ---: |"
	for ((i = 0; i < ${#names[@]}; i++)); do
		n=${names[i]}
		echo "| $n: ${whats[i]} | ${all[$n]} | ${rps[$n]} | ${p50[$n]} ms | ${p99[$n]} ms | ${errs[$n]} |"
	done
	for n in "${skipped[@]}"; do echo "| $n | skipped: ${why[$n]} | | | | |"; done
)
img=$B/apps/httpd
img_size=none img_stripped=none
if [[ -f $img ]]; then
	img_size=$(stat -c %s "$img")
	strip -o "$W/httpd.stripped" "$img" 2>/dev/null && img_stripped=$(stat -c %s "$W/httpd.stripped")
fi

echo
echo "$table"
echo
echo "$details"
echo

memlines=
for n in keel-host keel-tap; do
	[[ -n ${rps[$n]:-} && ${cmd_of[$n]:-} == *@MEM@* ]] && ((mem_search)) || continue
	if [[ -n ${minmem[$n]:-} ]]; then
		memlines+=$'\n'"- $n: the smallest \`--mem\` that served a 3 s wrk run without an error: ${minmem[$n]} (measured above at $mem_measured; tried ${mem_candidates[*]}, going down until one failed)"
	else
		memlines+=$'\n'"- $n: no \`--mem\` below $mem_measured served a 3 s wrk run without an error (${mem_candidates[0]} failed)"
	fi
done
date=$(date -u +%Y-%m-%d)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || commit="$commit (with uncommitted changes in the tree)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
if ((quick)); then
	md=$out/httpd-quick.md json=$out/httpd-quick.json
else
	mkdir -p bench/results
	md=bench/results/$date-$label.md json=bench/results/httpd.json
fi
cat >"$md" <<EOF
# keel benchmarks: $label, $date

Written by \`make bench\` (bench/httpd.sh$( ((quick)) && echo " --quick")); see bench/README.md
for the method.

- commit: $commit
- machine: $cpu, $(nproc) CPUs, Linux $(uname -r), virtualised: $(grep -qw hypervisor /proc/cpuinfo && echo yes || echo no)
- wrk $(wrk --version 2>&1 | sed -n '1s/^wrk \([^ ]*\).*/\1/p'), nginx $nginx_version
- the file: $what, $size bytes, \`GET /$file\` over HTTP/1.1 keep-alive
- wrk: $threads threads, $conns connections, ${duration} s a round, $rounds round(s) per server,
  interleaved, after a 1 s warm-up of each; the median round is reported
- build/apps/httpd (the keel image): $img_size bytes, $img_stripped stripped
- load average when the run began: $loadavg (the machine is shared)$memlines

$table

$details
EOF
jq_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
jnum() { [[ -n ${1:-} ]] && echo "$1" || echo null; }
{
	echo "{"
	echo "  \"label\": \"$label\", \"date\": \"$date\", \"commit\": $(jq_str "$commit"), \"quick\": $( ((quick)) && echo true || echo false),"
	echo "  \"file_bytes\": $size, \"wrk\": { \"threads\": $threads, \"connections\": $conns, \"seconds\": $duration, \"rounds\": $rounds },"
	echo "  \"image_bytes\": $(jnum "${img_size/none/}"), \"image_stripped_bytes\": $(jnum "${img_stripped/none/}"),"
	echo "  \"load_average\": \"$loadavg\", \"mem_measured\": \"$mem_measured\", \"smallest_mem\": { \"keel-host\": $(jq_str "${minmem[keel-host]:-}"), \"keel-tap\": $(jq_str "${minmem[keel-tap]:-}") },"
	echo "  \"servers\": {"
	sep=
	for n in nginx host keel-host keel-tap; do
		printf '%s' "$sep"
		if [[ -n ${rps[$n]:-} ]]; then
			printf '    "%s": { "rps": %s, "p50_ms": %s, "p99_ms": %s, "errors": %s, "ratio": %s }' "$n" \
				"${rps[$n]}" "${p50[$n]}" "${p99[$n]}" "${errs[$n]}" "$(ratio "${rps[$n]}" "${rps[nginx]}")"
		else
			printf '    "%s": { "skipped": %s }' "$n" "$(jq_str "${why[$n]}")"
		fi
		sep=$',\n'
	done
	echo
	echo "  },"
	echo "  \"report\": \"$md\""
	echo "}"
} >"$json"
say "wrote $md and $json"
