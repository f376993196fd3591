#!/usr/bin/env bash
# keel's test suite; `make test` runs it after `make all`.
#
#   tests/run.sh [PATTERN]
#
# Builds the tests into build/tests/, runs every test whose name matches
# PATTERN (an extended regular expression; every test when absent) and
# prints one line per test:
#
#   PASS name            FAIL name: reason            SKIP name: reason
#
# ending with the line "N passed, N failed, N skipped". The exit status
# is 1 if any test failed, else 0.
#
# Test names:
#   build/NAME          checks on what `make` built (tests/build.sh)
#   unit/SUITE/CASE     host unit tests, tests/unit/SUITE.c (host gcc)
#   guest/NAME@TARGET   tests/guest/*.c built with keel-cc, run through
#                       keel-run on each target: linux, kvm, qemu; a
#                       target this machine or build lacks is skipped
#                       with the reason (tests/guest/cases.sh)
#   bad-input/NAME      keel-run refusing what it must refuse
#                       (tests/bad-input/cases.sh)
#   web/MODE/CASE       keel's web server (apps/httpd) against curl and the
#                       load clients in tests/tools/ (tests/web/httpd.sh):
#                       MODE host is its host build with the sanitizers;
#   web/site/NAME       the website: built, links resolving, the plot
set -u -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=$top/build
TB=$B/tests
KEEL_RUN=$B/bin/keel-run
KEEL_CC=$B/bin/keel-cc
TARGETS=(linux kvm qemu)

usage() { sed -n '2,/^set -u/p' "$top/tests/run.sh" | sed '$d; s/^# \{0,1\}//'; }
pattern=${1:-}
if [[ $pattern == -h || $pattern == --help ]]; then
	usage
	exit 0
fi
[[ "" =~ $pattern ]]
if [[ $# -gt 1 || $? == 2 ]]; then
	usage >&2
	exit 2
fi
npass=0 nfail=0 nskip=0

# ---- reporting -----------------------------------------------------------

wanted() { [[ -z $pattern || $1 =~ $pattern ]]; }

one_line() { # squeeze a reason onto one short line
	local s=${1//$'\n'/ | }
	s=${s//$'\r'/}
	((${#s} > 300)) && s="${s:0:297}..."
	printf '%s' "$s"
}

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1: $(one_line "$2")"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1: $(one_line "$2")"; nskip=$((nskip + 1)); }

summary() {
	echo "$npass passed, $nfail failed, $nskip skipped"
	((nfail == 0))
}

# ---- one test's state and assertions ------------------------------------
#
# A test body calls run (or run_host) and then expect_* helpers; the
# first failed expectation is the test's reason. Output lands in the
# files $out and $err, the exit status in $status, the wall time in
# seconds in $elapsed.

# Each run has its own scratch directory: engineers share build/.
mkdir -p "$TB"
W=$(mktemp -d "$TB/run.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
out=$W/stdout
err=$W/stderr
errf=$err # what stderr expectations read (see merged below)
reason= skip_reason= status= elapsed=0 hung= merged=
input=(true) # the command whose output is the image's stdin
limit=8      # seconds before a run counts as hung

begin_test() {
	reason= skip_reason= status= elapsed=0 hung= merged=
	errf=$err
	input=(true)
	limit=8
	: >"$out"
	: >"$err"
}

end_test() { # NAME
	if [[ -n $skip_reason ]]; then
		skip "$1" "$skip_reason"
	elif [[ -n $reason ]]; then
		fail "$1" "$reason"
	else
		pass "$1"
	fi
}

note_fail() { [[ -n $reason ]] || reason=$1; }

show() { # the start of a file, quoted
	local s
	s=$(head -c 120 "$1" | cat -v)
	printf '"%s"' "${s//$'\n'/\\n}"
}

first_err() { # the first line of stderr, for context
	local l
	l=$(grep -m1 . "$errf" 2>/dev/null | cut -c1-200)
	[[ -n $l ]] && printf '; stderr: %s' "$l"
}

# run_host COMMAND...: runs a host command (keel-run itself, an image
# run directly) with $input on stdin and a pipe (kept to 64 MiB) on
# stdout. A run still going after $limit seconds is stopped (TERM, then
# KILL) and the test fails as hung.
run_host() {
	local t0=$EPOCHREALTIME
	"${input[@]}" | timeout -k 2 "$limit" "$@" 2>"$err" | head -c 64M >"$out"
	status=${PIPESTATUS[1]}
	elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	if awk -v e="$elapsed" -v l="$limit" 'BEGIN { exit !(e >= l - 0.2) }'; then
		note_fail "hung: stopped after $limit s$(first_err)"
		hung=1
	fi
	if [[ $status == 77 ]] && grep -q '^skip: ' "$out"; then
		skip_reason=$(sed -n 's/^skip: //p' "$out" | head -1)
	fi
}

# run [KEEL-RUN OPTIONS] IMAGE [ARGS...]: runs build/tests/guest/IMAGE
# through keel-run on $target.
run() {
	local opts=() image path
	while [[ $# -gt 0 && $1 == --* ]]; do
		opts+=("$1")
		shift
	done
	image=$1
	shift
	path=$(image_path "$image")
	if [[ ! -x $path ]]; then
		note_fail "image $image did not build: $(grep -m1 -i error "$TB/guest/$image.log" 2>/dev/null)"
		status=none
		return
	fi
	run_host "$KEEL_RUN" --target="$target" "${opts[@]}" "$path" "$@"
	# On a target with one console the image's stderr arrives on stdout:
	# stderr expectations then read keel-run's stderr and the console.
	merged=${MERGED_CONSOLE[$target]:-}
	if [[ -n $merged ]]; then
		errf=$W/stderr+console
		cat "$err" "$out" >"$errf"
	fi
}

# Targets whose single console carries both of the image's streams
# (platform.h allows that): QEMU's one serial port.
declare -A MERGED_CONSOLE=([qemu]=1)

image_path() {
	case $1 in
	*/*) echo "$1" ;;
	*) echo "$TB/guest/$1" ;;
	esac
}

expect_status() {
	[[ $status == "$1" ]] || note_fail "exit status $status, expected $1$(first_err)"
}

# The guest checked itself and ran to the end.
expect_ok() {
	expect_status "${1:-0}"
	grep -Eqx 'ok: [0-9]+ checks' "$out" || note_fail "no 'ok: N checks' line on stdout$(first_err)"
}

# Every line of text appears as a line in file (exact expectations on a
# merged console, where the streams' order is lost).
lines_present() { # FILE TEXT WHAT
	local l
	while IFS= read -r l; do
		[[ -n $l ]] || continue
		grep -qFx -- "$l" "$1" || { note_fail "$3 lacks the line '$l': $(show "$1")"; return; }
	done <<<"$2"
}

expect_out() { # exact bytes
	if [[ -n $merged ]]; then
		lines_present "$out" "$1" "the console"
	elif ! cmp -s "$out" <(printf '%s' "$1"); then
		note_fail "stdout is $(show "$out"), expected $(show <(printf '%s' "$1"))"
	fi
}

expect_err() { # exact bytes
	if [[ -n $merged ]]; then
		lines_present "$errf" "$1" "the console"
	elif ! cmp -s "$err" <(printf '%s' "$1"); then
		note_fail "stderr is $(show "$err"), expected $(show <(printf '%s' "$1"))"
	fi
}

expect_out_has() { grep -qF -- "$1" "$out" || note_fail "stdout lacks '$1': $(show "$out")"; }
expect_out_lacks() { ! grep -qF -- "$1" "$out" || note_fail "stdout has '$1'"; }
expect_out_line() { grep -Eqx -- "$1" "$out" || note_fail "no stdout line matches /$1/: $(show "$out")"; }
expect_err_has() { grep -qF -- "$1" "$errf" || note_fail "stderr lacks '$1': $(show "$errf")"; }
expect_err_line() { grep -Eqx -- "$1" "$errf" || note_fail "no stderr line matches /$1/: $(show "$errf")"; }
expect_err_empty() { [[ ! -s $err ]] || note_fail "stderr is not empty: $(show "$err")"; }

# Exactly N lines on stderr (on a merged console: N lines from keel).
expect_err_lines() {
	local n
	if [[ -n $merged ]]; then
		n=$(grep -cE '^keel(-run)?: ' "$errf")
	else
		n=$(wc -l <"$err")
	fi
	[[ $n == "$1" ]] || note_fail "$n lines on stderr, expected $1: $(show "$errf")"
}

# Wall time of the last run within [lo, hi) seconds.
expect_elapsed() {
	awk -v e="$elapsed" -v lo="$1" -v hi="$2" 'BEGIN { exit !(e >= lo && e < hi) }' ||
		note_fail "took $elapsed s, expected $1 to $2 s"
}

# ---- build ----------------------------------------------------------------

maxjobs=$(($(nproc 2>/dev/null || echo 2) + 1))
throttle() { while (($(jobs -rp | wc -l) >= maxjobs)); do wait -n; done; }

# Whether target is missing or older than any of the files after it.
stale() {
	local t=$1 f
	shift
	[[ -e $t ]] || return 0
	for f; do [[ $f -nt $t ]] && return 0; done
	return 1
}

if ! make -s all >"$W/make.log" 2>&1; then
	cp "$W/make.log" "$TB/make-failed.log"
	fail build/make "make all failed (log: $TB/make-failed.log): $(grep -m1 -iE 'error|fail' "$W/make.log")"
	summary
	exit 1
fi

# Host unit tests: each tests/unit/SUITE.c links the file it tests,
# built with the sanitizers so that a stray read is a failure.
declare -A unit_links=(
	[mm]=sys/mm.c
	[kmem]="sys/mm.c sys/kmem.c"
	[ramfs]="sys/mm.c sys/kmem.c fs/ramfs.c"
	[initrd]="sys/mm.c sys/kmem.c fs/cpio.c fs/initrd.c monitor/initrd.c"
	[dispatch]=sys/dispatch.c
	[timer]=sys/timer.c
	[log]=sys/log.c
	[options]=monitor/options.c
	[image]=monitor/image.c
	[http]=apps/httpd/http.c
	[heap]=net/lwip/heap.c
)
# A suite's own flags: heap.c includes "sys/kernel.h" from the top of the
# tree and "lwip/opt.h", which tests/unit/include/ stands in for.
declare -A unit_flags=(
	[heap]="-iquote . -iquote tests/unit/include"
)
UNIT_CFLAGS=(-std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Wno-format-overflow
	-Iinclude -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
mkdir -p "$TB/unit" "$TB/guest" "$TB/bad-input"
for src in tests/unit/*.c; do
	suite=$(basename "$src" .c)
	bin=$TB/unit/$suite
	link=${unit_links[$suite]:-}
	flags=${unit_flags[$suite]:-}
	stale "$bin" "$src" tests/unit/unit.h $link sys/*.h sys/syscalls.def monitor/*.h fs/*.h \
		include/keel/*.h net/lwip/*.h tests/unit/include/*/*.h tests/run.sh || continue
	throttle
	{ gcc "${UNIT_CFLAGS[@]}" $flags -o "$bin.$$" "$src" $link >"$bin.log" 2>&1 &&
		mv -f "$bin.$$" "$bin" || rm -f "$bin" "$bin.$$"; } &
done

# Host helpers the tests run (tests/tools/*.c: reap).
mkdir -p "$TB/tools"
for src in tests/tools/*.c; do
	bin=$TB/tools/$(basename "$src" .c)
	stale "$bin" "$src" || continue
	throttle
	{ gcc -std=gnu11 -O2 -Wall -Wextra -o "$bin.$$" "$src" >"$bin.log" 2>&1 &&
		mv -f "$bin.$$" "$bin" || rm -f "$bin" "$bin.$$"; } &
done

# keel's web server built for the host, with the sanitizers: the web
# tests run it as a process (a leak or a bad access fails them).
mkdir -p "$TB/web"
if stale "$TB/web/httpd" apps/httpd/*.c apps/httpd/*.h; then
	throttle
	{ gcc -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
		-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
		-o "$TB/web/httpd.$$" apps/httpd/*.c >"$TB/web/httpd.log" 2>&1 &&
		mv -f "$TB/web/httpd.$$" "$TB/web/httpd" || rm -f "$TB/web/httpd" "$TB/web/httpd.$$"; } &
fi

# Guest images, against the keel and libc that make just built.
GUEST_CFLAGS=(-O2 -g -Wall -Wextra -Wno-unused-parameter)
for src in tests/guest/*.c; do
	name=$(basename "$src" .c)
	bin=$TB/guest/$name
	stale "$bin" "$src" tests/guest/check.h "$B/lib/keel.o" "$B/lib/libc.a" "$KEEL_CC" \
		"$B/lib/libkeelnet.a" "$B/lib/liblwip.a" || continue
	throttle
	{ "$KEEL_CC" "${GUEST_CFLAGS[@]}" -o "$bin.$$" "$src" >"$bin.log" 2>&1 &&
		mv -f "$bin.$$" "$bin" || rm -f "$bin" "$bin.$$"; } &
done
wait

# ---- build checks -----------------------------------------------------------

source tests/build.sh
for t in "${BUILD_TESTS[@]}"; do
	wanted "build/$t" || continue
	begin_test
	"build_${t//-/_}"
	end_test "build/$t"
done

# ---- unit tests ---------------------------------------------------------------

for src in tests/unit/*.c; do
	suite=$(basename "$src" .c)
	bin=$TB/unit/$suite
	if [[ ! -x $bin ]]; then
		wanted "unit/$suite" && fail "unit/$suite" "does not compile: $(grep -m1 -E 'error|undefined' "$bin.log")"
		continue
	fi
	selected=()
	for c in $("$bin" -l); do
		wanted "unit/$suite/$c" && selected+=("$c")
	done
	((${#selected[@]})) || continue
	reported=0
	while IFS= read -r line; do
		case $line in
		"PASS "*) echo "$line"; npass=$((npass + 1)); reported=$((reported + 1)) ;;
		"FAIL "*) echo "$(one_line "$line")"; nfail=$((nfail + 1)); reported=$((reported + 1)) ;;
		"SKIP "*) echo "$line"; nskip=$((nskip + 1)); reported=$((reported + 1)) ;;
		esac
	done < <(timeout -k 2 120 "$bin" "${selected[@]}" 2>&1)
	if ((reported < ${#selected[@]})); then
		fail "unit/$suite" "only $reported of ${#selected[@]} cases reported a result"
	fi
done

# ---- guest tests on every target ----------------------------------------------

GUEST_CASES=()
guest() { GUEST_CASES+=("$1 $2"); } # guest NAME all|linux

# The platform name an image reports (uname -v) on each target.
declare -A PLATFORM=([linux]=linux [kvm]=kvm [qemu]=pvh)

# Why target cannot run here ("" when it can): no device, or keel-run
# says the target is not in this build.
declare -A target_skip=()
probe_target() {
	local t=$1 msg rc
	if [[ $t == kvm ]]; then
		[[ -e /dev/kvm ]] || { target_skip[$t]="skipped: no /dev/kvm"; return; }
		[[ -r /dev/kvm && -w /dev/kvm ]] ||
			{ target_skip[$t]="skipped: /dev/kvm is not usable (no read/write access)"; return; }
	fi
	msg=$(timeout -k 2 20 "$KEEL_RUN" --target="$t" "$TB/guest/hello" </dev/null 2>&1 >/dev/null)
	rc=$?
	if [[ $rc == 2 && $msg == *"not available in this build"* ]]; then
		target_skip[$t]="skipped: ${msg#keel-run: }"
		return
	fi
	if [[ $t == qemu ]] && ! command -v qemu-system-x86_64 >/dev/null; then
		target_skip[$t]="skipped: no qemu-system-x86_64"
		return
	fi
	target_skip[$t]=
}

source tests/guest/cases.sh
# Each area's further cases (tests/guest/cases-AREA.sh), in name order.
for f in tests/guest/cases-*.sh; do
	[[ -e $f ]] && source "$f"
done
declare -A target_hangs=()
for entry in "${GUEST_CASES[@]}"; do
	name=${entry% *}
	where=${entry#* }
	for target in "${TARGETS[@]}"; do
		[[ $where == all || $where == "$target" ]] || continue
		full="guest/$name@$target"
		wanted "$full" || continue
		if [[ -z ${target_skip[$target]+set} ]]; then
			probe_target "$target"
		fi
		if [[ -n ${target_skip[$target]} ]]; then
			skip "$full" "${target_skip[$target]}"
			continue
		fi
		# A target that keeps hanging would take the suite's whole time.
		if ((${target_hangs[$target]:-0} >= 5)); then
			fail "$full" "not run: 5 earlier tests hung on --target=$target"
			continue
		fi
		platform=${PLATFORM[$target]}
		begin_test
		"case_${name//-/_}"
		end_test "$full"
		[[ -n $hung ]] && target_hangs[$target]=$((${target_hangs[$target]:-0} + 1))
	done
done

# Tests of the default target itself (no --target).
for t in "${GUEST_TOP_TESTS[@]}"; do
	wanted "guest/$t" || continue
	for tt in "${TARGETS[@]}"; do
		[[ -n ${target_skip[$tt]+set} ]] || probe_target "$tt"
	done
	begin_test
	"top_${t//-/_}"
	end_test "guest/$t"
done

# ---- web: the website and keel's httpd ----------------------------------------

source tests/web/site.sh
for t in "${SITE_TESTS[@]}"; do
	wanted "web/site/$t" || continue
	begin_test
	"site_case_${t//-/_}"
	end_test "web/site/$t"
done

#
# tests/web/httpd.sh runs the same cases against any command that starts
# httpd (see its --help); web_suite runs it for one MODE, the cases that
# match PATTERN as web/MODE/CASE. A mode whose network keel-run lacks is
# skipped, saying why.

web_suite() { # MODE [HTTPD.SH OPTIONS...] -- SERVER-COMMAND...
	local mode=$1 opts=() selected=() c line reported=0
	shift
	while [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	for c in $(tests/web/httpd.sh -l); do
		wanted "web/$mode/$c" && selected+=("$c")
	done
	((${#selected[@]})) || return 0
	if [[ -n ${web_skip:-} ]]; then
		skip "web/$mode" "$web_skip (${#selected[@]} cases)"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"PASS "*) echo "$line"; npass=$((npass + 1)); reported=$((reported + 1)) ;;
		"FAIL "*) echo "$(one_line "$line")"; nfail=$((nfail + 1)); reported=$((reported + 1)) ;;
		"SKIP "*) echo "$line"; nskip=$((nskip + 1)); reported=$((reported + 1)) ;;
		esac
	done < <(timeout -k 5 300 tests/web/httpd.sh --label="$mode" "${opts[@]}" "${selected[@]}" \
		-- "$@" 2>&1)
	if ((reported < ${#selected[@]})); then
		fail "web/$mode" "only $reported of ${#selected[@]} cases reported a result"
	fi
}

web_skip=
[[ -x $TB/web/httpd ]] || web_skip="httpd did not build for the host: $(grep -m1 error "$TB/web/httpd.log")"
if [[ -n $web_skip ]]; then
	for c in $(tests/web/httpd.sh -l); do
		wanted "web/host/$c" && fail "web/host/$c" "$web_skip"
	done
else
	web_suite host --stop-check -- "$TB/web/httpd" -a 127.0.0.1 -p 0 -r @ROOT@ -t 3
fi

# The same image on keel: the Linux base on the host's network stack, and
# KVM with lwIP behind a tap in a namespace of its own. (The document
# root reaches the image as an initrd mounted at $WEB_INITRD.)
WEB_INITRD=/initrd
web_skip=
"$KEEL_RUN" --help 2>&1 | grep -q -- '--net=host' || web_skip="skipped: keel-run has no --net=host yet"
"$KEEL_RUN" --help 2>&1 | grep -q -- '--initrd' || web_skip="skipped: keel-run has no --initrd yet"
web_suite linux-host --stop-check --root-snapshot -- "$KEEL_RUN" --target=linux --net=host --initrd=@ROOT@ \
	"$B/apps/httpd" -a 127.0.0.1 -p 0 -r "$WEB_INITRD" -t 3
"$KEEL_RUN" --help 2>&1 | grep -q -- '--ip=' || web_skip="skipped: keel-run has no --ip= yet"
if [[ -z $web_skip ]]; then
	if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null || [[ ! -c /dev/net/tun ]]; then
		web_skip="skipped: the tap's namespace needs root, ip(8) and /dev/net/tun"
	else
		[[ -n ${target_skip[kvm]+set} ]] || probe_target kvm
		web_skip=${target_skip[kvm]}
	fi
fi
web_suite kvm-tap --netns --stop-check --root-snapshot --host=10.77.0.2 --port=8080 -- "$KEEL_RUN" --target=kvm \
	--net=tap:ktap0 --ip=10.77.0.2/24 --initrd=@ROOT@ "$B/apps/httpd" -p @PORT@ \
	-r "$WEB_INITRD" -t 3

# ---- bad input ----------------------------------------------------------------

source tests/bad-input/cases.sh
bad_prepared=
for t in "${BAD_TESTS[@]}"; do
	wanted "bad-input/$t" || continue
	if [[ -z $bad_prepared ]]; then
		bad_prepare
		bad_prepared=1
	fi
	begin_test
	"bad_${t//-/_}"
	end_test "bad-input/$t"
done

summary
