#!/bin/bash
# keel's benchmarks, as ratios measured in one run against anchors on
# the same machine (DESIGN.md, "Performance shape"):
#
#  syscall  getppid() in a loop through keel's dispatch table, divided by
#           the same loop in a static musl program making real Linux
#           system calls (bench/syscall.c, built both ways).   goal <= 0.05
#  hello    `keel-run --target=linux build/apps/hello`, wall time of the
#           whole process, divided by apps/hello/hello.c built with
#           musl-gcc -static (bench/spawn.c times both).       goal <= 2
#
# Where /dev/kvm is usable, both are also measured with --target=kvm
# (keel's own monitor), which is what --target=auto picks there.
#
# Prints a table and writes bench/results/<date>-<label>.md and
# bench/results/latest.json. `make bench` runs it after `make all`.
#
#   bench/run.sh [--quick] [--label=NAME]
#
# Environment: SYSCALL_N (iterations per timed loop, default 1000000),
# HELLO_RUNS (default 2000), BENCH_LABEL (default foundation).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

B=build
out=$B/bench
label=${BENCH_LABEL:-foundation}
syscall_n=${SYSCALL_N:-1000000}
syscall_reps=7   # timed loops inside one process; the median is kept
syscall_rounds=7 # processes of each kind, alternated; the median is kept
hello_runs=${HELLO_RUNS:-2000}
hello_warmup=50

for a in "$@"; do
	case $a in
	--quick)
		syscall_n=200000 syscall_rounds=3 hello_runs=200 hello_warmup=10 ;;
	--label=*) label=${a#--label=} ;;
	-h | --help)
		sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
		exit 0 ;;
	*)
		echo "bench: unknown option '$a' (see --help)" >&2
		exit 2 ;;
	esac
done

die() {
	echo "bench: $*" >&2
	exit 1
}

for f in $B/bin/keel-cc $B/bin/keel-run $B/apps/hello; do
	[ -x "$f" ] || die "$f is missing; run 'make' first"
done
command -v musl-gcc >/dev/null || die "musl-gcc is missing (Debian's musl-tools); run 'make deps'"

# --- build the benchmark programs ------------------------------------
mkdir -p "$out"
gcc -O2 -Wall -o "$out/spawn" bench/spawn.c
$B/bin/keel-cc -O2 -Wall -o "$out/syscall-keel" bench/syscall.c
musl-gcc -static -O2 -Wall -o "$out/syscall-musl" bench/syscall.c
musl-gcc -static -O2 -Wall -o "$out/hello-musl" apps/hello/hello.c
gcc -static -O2 -Wall -o "$out/hello-glibc" apps/hello/hello.c

# Both syscall programs must really be what they claim: keel's calls
# keel_syscall (no syscall instruction in its getppid), musl's does not.
objdump -d "$out/syscall-keel" | awk '/<getppid>:/,/^$/' | grep -q 'call.*<keel_syscall>' ||
	die "syscall-keel: getppid does not call keel_syscall"
objdump -d "$out/syscall-musl" | awk '/<getppid>:/,/^$/' | grep -q 'syscall' ||
	die "syscall-musl: getppid makes no system call"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }

if $B/bin/keel-run --target=kvm $B/apps/hello >/dev/null 2>&1; then
	kvm=1
else
	kvm=0
	echo "bench: --target=kvm does not run here (no usable /dev/kvm): KVM rows skipped"
fi

# --- syscall: alternate keel and musl processes ------------------------
echo "bench: syscall: getppid x $syscall_n, $syscall_reps loops per process, $syscall_rounds processes each"
: >"$out/syscall-keel.txt"
: >"$out/syscall-musl.txt"
: >"$out/syscall-kvm.txt"
for ((i = 0; i < syscall_rounds; i++)); do
	$B/bin/keel-run --target=linux "$out/syscall-keel" "$syscall_n" "$syscall_reps" >>"$out/syscall-keel.txt"
	"$out/syscall-musl" "$syscall_n" "$syscall_reps" >>"$out/syscall-musl.txt"
	if [ $kvm = 1 ]; then
		$B/bin/keel-run --target=kvm "$out/syscall-keel" "$syscall_n" "$syscall_reps" >>"$out/syscall-kvm.txt"
	fi
done
sys_keel=$(cut -d' ' -f1 "$out/syscall-keel.txt" | median)
sys_musl=$(cut -d' ' -f1 "$out/syscall-musl.txt" | median)
sys_ratio=$(ratio "$sys_keel" "$sys_musl")
if [ $kvm = 1 ]; then
	sys_kvm=$(cut -d' ' -f1 "$out/syscall-kvm.txt" | median)
	sys_kvm_ratio=$(ratio "$sys_kvm" "$sys_musl")
fi

# --- hello: whole processes, interleaved -------------------------------
kvm_cmd=()
[ $kvm = 1 ] && kvm_cmd=(-- $B/bin/keel-run --target=kvm $B/apps/hello)
echo "bench: hello: $hello_runs timed runs of each process after $hello_warmup warm-up runs, interleaved"
"$out/spawn" "$hello_runs" "$hello_warmup" \
	-- "$out/hello-musl" \
	-- $B/bin/keel-run --target=linux $B/apps/hello \
	-- $B/apps/hello \
	-- $B/bin/keel-run --version \
	-- "$out/hello-glibc" \
	${kvm_cmd[@]+"${kvm_cmd[@]}"} >"$out/hello.txt"
row() { sed -n "${1}p" "$out/hello.txt"; }
read -r h_musl h_musl_p25 h_musl_p75 _ <<<"$(row 1)"
read -r h_keel h_keel_p25 h_keel_p75 _ <<<"$(row 2)"
read -r h_img h_img_p25 h_img_p75 _ <<<"$(row 3)"
read -r h_run h_run_p25 h_run_p75 _ <<<"$(row 4)"
read -r h_glibc h_glibc_p25 h_glibc_p75 _ <<<"$(row 5)"
hello_ratio=$(ratio "$h_keel" "$h_musl")
if [ $kvm = 1 ]; then
	read -r h_kvm h_kvm_p25 h_kvm_p75 _ <<<"$(row 6)"
	hello_kvm_ratio=$(ratio "$h_kvm" "$h_musl")
fi

# --- report ------------------------------------------------------------
verdict() { # ratio goal
	awk -v r="$1" -v g="$2" 'BEGIN {
		if (r <= g) printf "met"
		else printf "missed (%.2fx the goal)", r / g }'
}
met() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g) ? "true" : "false" }'; }
sys_verdict=$(verdict "$sys_ratio" 0.05)
hello_verdict=$(verdict "$hello_ratio" 2)

date=$(date -u +%Y-%m-%d)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
virt=$(grep -qw hypervisor /proc/cpuinfo && echo "yes (a VM guest)" || echo no)
kernel=$(uname -r)
ncpu=$(nproc)
vs() { awk -v a="$1" -v b="$h_musl" 'BEGIN { printf "%.2f", a / b }'; }

table=$(
	cat <<EOF
| benchmark | keel | anchor | ratio | goal | result |
| --- | ---: | ---: | ---: | ---: | --- |
| syscall: \`getppid()\`, ns per call | $sys_keel | $sys_musl (static musl, real syscall) | $sys_ratio | ≤ 0.05 | $sys_verdict |
| hello end to end: \`keel-run --target=linux build/apps/hello\`, µs (median) | $h_keel | $h_musl (static musl hello) | $hello_ratio | ≤ 2 | $hello_verdict |
EOF
	if [ $kvm = 1 ]; then
		cat <<EOF
| syscall on KVM: \`keel-run --target=kvm\`, ns per call | $sys_kvm | $sys_musl (static musl, real syscall) | $sys_kvm_ratio | ≤ 0.05 | $(verdict "$sys_kvm_ratio" 0.05) |
| hello end to end on KVM: \`keel-run --target=kvm build/apps/hello\`, µs (median) | $h_kvm | $h_musl (static musl hello) | $hello_kvm_ratio | ≤ 2 | $(verdict "$hello_kvm_ratio" 2) |
EOF
	else
		echo "| KVM rows | skipped: no usable /dev/kvm | | | | |"
	fi
)
parts=$(
	cat <<EOF
| process | median µs | p25–p75 µs | ÷ static musl hello |
| --- | ---: | ---: | ---: |
| static musl hello (anchor) | $h_musl | $h_musl_p25–$h_musl_p75 | 1.00 |
| \`keel-run --target=linux build/apps/hello\` | $h_keel | $h_keel_p25–$h_keel_p75 | $(vs "$h_keel") |
| \`build/apps/hello\` exec'd directly (no keel-run) | $h_img | $h_img_p25–$h_img_p75 | $(vs "$h_img") |
| \`keel-run --version\` (keel-run's own start-up) | $h_run | $h_run_p25–$h_run_p75 | $(vs "$h_run") |
| static glibc hello (same source, gcc -static) | $h_glibc | $h_glibc_p25–$h_glibc_p75 | $(vs "$h_glibc") |
EOF
	if [ $kvm = 1 ]; then
		echo "| \`keel-run --target=kvm build/apps/hello\` | $h_kvm | $h_kvm_p25–$h_kvm_p75 | $(vs "$h_kvm") |"
	fi
)

echo
echo "$table"
echo
echo "$parts"
echo

mkdir -p bench/results
md=bench/results/$date-$label.md
cat >"$md" <<EOF
# keel benchmarks: $label, $date

Written by \`make bench\` (bench/run.sh); see bench/README.md for the
method and for what the numbers mean.

- commit: $commit
- machine: $cpu, $ncpu CPUs, Linux $kernel, virtualised: $virt

$table

syscall: $syscall_rounds processes of each kind, alternated; each times
$syscall_reps loops of $syscall_n calls with clock_gettime and keeps the median;
the table shows the median of those.

hello: $hello_runs timed runs of each process below (after $hello_warmup
untimed), interleaved, each posix_spawn → waitpid with stdout to /dev/null.
The middle rows break the Linux-base number down (see bench/README.md).

$parts
EOF

cat >bench/results/latest.json <<EOF
{
  "label": "$label",
  "date": "$date",
  "commit": "$commit",
  "machine": { "cpu": "$cpu", "cpus": $ncpu, "kernel": "$kernel", "virtualised": $(grep -qw hypervisor /proc/cpuinfo && echo true || echo false) },
  "syscall": {
    "call": "getppid", "iterations": $syscall_n, "loops_per_process": $syscall_reps, "processes": $syscall_rounds,
    "keel_ns": $sys_keel, "musl_ns": $sys_musl,
    "ratio": $sys_ratio, "goal": 0.05, "met": $(met "$sys_ratio" 0.05)
  },
  "hello": {
    "runs": $hello_runs, "warmup": $hello_warmup, "statistic": "median",
    "keel_run_us": $h_keel, "musl_us": $h_musl,
    "ratio": $hello_ratio, "goal": 2, "met": $(met "$hello_ratio" 2),
    "breakdown_us": { "image_exec_directly": $h_img, "keel_run_version": $h_run, "glibc_static_hello": $h_glibc }
  },
  "kvm": $(if [ $kvm = 1 ]; then
	echo "{ \"syscall_ns\": $sys_kvm, \"syscall_ratio\": $sys_kvm_ratio, \"syscall_met\": $(met "$sys_kvm_ratio" 0.05), \"hello_us\": $h_kvm, \"hello_ratio\": $hello_kvm_ratio, \"hello_met\": $(met "$hello_kvm_ratio" 2) },"
else
	echo "null,"
fi)
  "report": "$md"
}
EOF
echo "bench: wrote $md and bench/results/latest.json"
