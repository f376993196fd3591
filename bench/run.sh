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
#  kvm      the same two with --target=kvm (keel's own monitor), and
#           kvm hello divided by qemu-system-x86_64 booting the same
#           image on QEMU's microvm machine with KVM and qboot, run
#           directly with monitor/qemu.c's arguments.  goal <= 0.1 and
#           <= 3 ms end to end. Also: boot phases and VM exits from
#           `keel-run --stats --target=kvm` (medians), QEMU with software
#           emulation (-accel tcg) and `keel-run --target=qemu` for
#           reference. Rows skip, saying why, without /dev/kvm or QEMU.
#  block    a 64 MiB disk file read sequentially through the platform's
#           block calls, 64 KiB requests in batches of 32, on kvm, linux
#           and qemu (keel-run --disk), divided by a static musl program
#           read()ing the same file in 64 KiB pieces on the host; the page
#           cache holds the file for both (bench/blkread.c, built both
#           ways). MB/s = 10^6 bytes/s, timed inside each program.
#  files    a 64 MiB file written in 64 KiB write()s and read back in
#           64 KiB read()s on keel's ramfs (/tmp) on kvm, linux and qemu,
#           divided by the same program on the host's tmpfs (/dev/shm)
#           (bench/fileio.c, built both ways). MB/s, timed inside.
#  threads  a pipe ping-pong between two threads (round trip) and
#           pthread_create + join, on kvm, linux and qemu, divided by the
#           same program built with musl-gcc -static on Linux
#           (bench/threads.c, built both ways). ns, timed inside.
#  httpd    wrk against keel's web server and against nginx serving the
#           same file, each in its own network namespace: bench/httpd.sh,
#           run at the end with its own report (it skips, saying why,
#           what this machine or keel-run cannot run yet).
#
# Prints the tables and writes bench/results/<date>-<label>.md and
# bench/results/latest.json (a --quick run writes build/bench/quick.md
# and quick.json instead: a smoke run never replaces a record).
# `make bench` runs it after `make all`; about 35-45 seconds here.
#
#   bench/run.sh [--quick] [--label=NAME]
#
# Environment: SYSCALL_N (iterations per timed loop, default 1000000),
# HELLO_RUNS (default 2000), QEMU_RUNS (default 60), STATS_RUNS
# (default 21), BLOCK_ROUNDS (default 9), BLOCK_PASSES (default 5),
# FILE_ROUNDS (default 5), FILE_PASSES (default 5), THREAD_ROUNDS
# (default 3), PINGPONG_N (round trips per timed loop, default 20000),
# THREAD_N (threads per timed loop, default 2000), BENCH_LABEL
# (default kvm).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

B=build
out=$B/bench
label=${BENCH_LABEL:-kvm}
syscall_n=${SYSCALL_N:-1000000}
syscall_reps=7   # timed loops inside one process; the median is kept
syscall_rounds=7 # processes of each kind, alternated; the median is kept
hello_runs=${HELLO_RUNS:-2000}
hello_warmup=50
qemu_runs=${QEMU_RUNS:-60}
qemu_warmup=3
stats_runs=${STATS_RUNS:-21}
block_rounds=${BLOCK_ROUNDS:-9} # processes of each kind, alternated
block_passes=${BLOCK_PASSES:-5} # timed passes over the file in each
file_rounds=${FILE_ROUNDS:-5}   # processes of each kind, alternated
file_passes=${FILE_PASSES:-5}   # timed write+read passes in each
thread_rounds=${THREAD_ROUNDS:-3} # processes of each kind, alternated
thread_loops=5                    # timed loops in each; the median is kept
pingpong_n=${PINGPONG_N:-20000}   # round trips per timed loop
thread_n=${THREAD_N:-2000}        # create + join per timed loop
quick=0

for a in "$@"; do
	case $a in
	--quick)
		quick=1 syscall_n=200000 syscall_rounds=3 hello_runs=200 hello_warmup=10
		qemu_runs=3 qemu_warmup=1 stats_runs=3 block_rounds=2 block_passes=2
		file_rounds=2 file_passes=2 thread_rounds=1 thread_loops=3 pingpong_n=2000 thread_n=200 ;;
	--label=*) label=${a#--label=} ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
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
$B/bin/keel-cc -O2 -Wall -o "$out/blkread-keel" bench/blkread.c
musl-gcc -static -O2 -Wall -o "$out/blkread-musl" bench/blkread.c
$B/bin/keel-cc -O2 -Wall -o "$out/fileio-keel" bench/fileio.c
musl-gcc -static -O2 -Wall -o "$out/fileio-musl" bench/fileio.c
$B/bin/keel-cc -O2 -Wall -o "$out/threads-keel" bench/threads.c
musl-gcc -static -O2 -Wall -o "$out/threads-musl" bench/threads.c
gcc -static -O2 -Wall -o "$out/hello-glibc" apps/hello/hello.c

# Both syscall programs must really be what they claim: keel's calls
# keel_syscall (no syscall instruction in its getppid), musl's does not.
objdump -d "$out/syscall-keel" | awk '/<getppid>:/,/^$/' | grep -q 'call.*<keel_syscall>' ||
	die "syscall-keel: getppid does not call keel_syscall"
objdump -d "$out/syscall-musl" | awk '/<getppid>:/,/^$/' | grep -q 'syscall' ||
	die "syscall-musl: getppid makes no system call"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# --- what this machine can run ----------------------------------------
if $B/bin/keel-run --target=kvm $B/apps/hello >/dev/null 2>&1; then
	kvm=1
else
	kvm=0
	kvm_why="no usable /dev/kvm"
	echo "bench: --target=kvm does not run here ($kvm_why): KVM rows skipped"
fi

# QEMU is run directly, with the arguments monitor/qemu.c gives it for
# `keel-run --target=qemu build/apps/hello` (--mem default 64M), so the
# anchor is QEMU alone, not QEMU plus keel-run. The exit status reaches
# us through isa-debug-exit as 2s+1: a guest's 0 is QEMU's 1.
QEMU=$(command -v qemu-system-x86_64 || true)
QBOOT=/usr/share/qemu/qboot.rom
qemu_args() { # ACCEL STATUS_FILE: sets qa, the command line
	local cpu=max
	[ "$1" = kvm ] && cpu=max,-arch-capabilities
	qa=("$QEMU" -M microvm,x-option-roms=off,rtc=on,acpi=off -accel "$1" -cpu "$cpu" -m 64M -smp 1
		-nodefaults -no-user-config -display none -monitor none -serial stdio -no-reboot
		-bios "$QBOOT" -device isa-debug-exit,iobase=0xf4,iosize=4
		-chardev "file,id=st,path=$2" -device isa-serial,chardev=st,iobase=0x2f8,irq=3
		-kernel "$B/apps/hello" -append "keel.argv=$B/apps/hello")
}
# One run that must print hello and report status 0 on the status port.
qemu_works() { # ACCEL
	local st=$out/qemu-status-$1 o rc=0
	: >"$st"
	qemu_args "$1" "$st"
	o=$("${qa[@]}" </dev/null 2>&1) || rc=$?
	[ $rc = 1 ] && grep -q '^hello, world from keel' <<<"$o" && grep -qx 'keel-exit:0' "$st"
}
qemu_kvm=0 qemu_tcg=0 qemu_why="" tcg_why="" kvm_why=${kvm_why:-}
if [ -z "$QEMU" ]; then
	qemu_why="no qemu-system-x86_64"
elif [ ! -r "$QBOOT" ]; then
	qemu_why="no $QBOOT (Debian's qemu-system-data)"
else
	for s in microvm,x-option-roms=off,rtc=on,acpi=off isa-debug-exit,iobase=0xf4,iosize=4 \
		max,-arch-capabilities isa-serial,chardev=st,iobase=0x2f8,irq=3; do
		grep -qF -- "\"$s\"" monitor/qemu.c ||
			echo "bench: warning: monitor/qemu.c no longer passes '$s' to QEMU; update qemu_args in bench/run.sh" >&2
	done
	if [ $kvm = 1 ]; then
		if qemu_works kvm; then qemu_kvm=1; else qemu_why="QEMU with -accel kvm did not boot hello"; fi
	else
		qemu_why="no usable /dev/kvm"
	fi
	if qemu_works tcg; then qemu_tcg=1; else tcg_why="QEMU with -accel tcg did not boot hello"; fi
fi
[ -n "$tcg_why" ] || [ $qemu_tcg = 1 ] || tcg_why=$qemu_why
[ $qemu_kvm = 1 ] || echo "bench: QEMU microvm with KVM is not measured here (${qemu_why}): its rows are skipped"

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

# --- VM boots: keel's monitor against QEMU microvm, interleaved --------
# Fewer runs than hello: one QEMU boot costs tens of milliseconds.
vm_names=() vm_cmds=()
add_vm() { # NAME CMD...
	vm_names+=("$1")
	shift
	vm_cmds+=(-- "$@")
}
if [ $kvm = 1 ]; then
	add_vm kvm $B/bin/keel-run --target=kvm $B/apps/hello
fi
if [ $qemu_kvm = 1 ]; then
	qemu_args kvm /dev/null
	add_vm qemu_kvm --exit=1 "${qa[@]}"
fi
if [ $qemu_tcg = 1 ]; then
	qemu_args tcg /dev/null
	add_vm qemu_tcg --exit=1 "${qa[@]}"
fi
if { [ $qemu_kvm = 1 ] || [ $qemu_tcg = 1 ]; } &&
	$B/bin/keel-run --target=qemu $B/apps/hello </dev/null >/dev/null 2>&1; then
	add_vm keel_run_qemu $B/bin/keel-run --target=qemu $B/apps/hello
fi
declare -A vm vm_p25 vm_p75
if [ ${#vm_names[@]} -gt 0 ]; then
	echo "bench: VM boots: $qemu_runs timed runs of each after $qemu_warmup warm-up runs, interleaved: ${vm_names[*]}"
	"$out/spawn" "$qemu_runs" "$qemu_warmup" "${vm_cmds[@]}" >"$out/vm.txt"
	for ((i = 0; i < ${#vm_names[@]}; i++)); do
		read -r m p25 p75 _ <<<"$(sed -n "$((i + 1))p" "$out/vm.txt")"
		vm[${vm_names[i]}]=$m vm_p25[${vm_names[i]}]=$p25 vm_p75[${vm_names[i]}]=$p75
	done
fi
if [ $qemu_kvm = 1 ]; then
	qemu_ratio=$(ratio "$h_kvm" "${vm[qemu_kvm]}")
fi

# --- boot phases: what keel-run --stats reports, medians ---------------
if [ $kvm = 1 ]; then
	echo "bench: kvm boot phases: $stats_runs runs of keel-run --stats --target=kvm"
	: >"$out/phases.txt"
	for ((i = 0; i < stats_runs; i++)); do
		# spawn times the whole run: its own stdout is the time, the
		# image's stdout goes to /dev/null, its stderr (the stats) here
		"$out/spawn" 1 0 -- $B/bin/keel-run --stats --target=kvm $B/apps/hello \
			2>"$out/stats-kvm.txt" >"$out/stats-time.txt"
		e2e=$(cut -d' ' -f1 "$out/stats-time.txt")
		setup=$(sed -n 's/.*monitor setup \([0-9.]*\) ms.*/\1/p' "$out/stats-kvm.txt")
		grun=$(sed -n 's/.*guest run \([0-9.]*\) ms.*/\1/p' "$out/stats-kvm.txt")
		exits=$(sed -n 's/.* \([0-9]*\) VM exits.*/\1/p' "$out/stats-kvm.txt")
		up=$(sed -n 's/^keel: exit status 0 after \([0-9.]*\) ms on kvm$/\1/p' "$out/stats-kvm.txt")
		nlog=$(grep -c '^keel:' "$out/stats-kvm.txt" || true)
		[ -n "$e2e" ] && [ -n "$setup" ] && [ -n "$grun" ] && [ -n "$exits" ] && [ -n "$up" ] ||
			die "keel-run --stats --target=kvm: unexpected output: $(cat "$out/stats-kvm.txt")"
		rest=$(awk -v e="$e2e" -v s="$setup" -v r="$grun" 'BEGIN { printf "%.3f", e / 1000 - s - r }')
		echo "$setup $grun $exits $up $nlog $e2e $rest" >>"$out/phases.txt"
	done
	col() { cut -d' ' -f"$1" "$out/phases.txt" | median; }
	ph_setup=$(col 1) ph_run=$(col 2) ph_exits=$(col 3) ph_up=$(col 4) ph_log=$(col 5)
	ph_e2e=$(awk -v u="$(col 6)" 'BEGIN { printf "%.3f", u / 1000 }') ph_rest=$(col 7)
	ph_breakdown=$(sed -n 's/.*VM exits (\(.*\))$/\1/p' "$out/stats-kvm.txt")
fi
if [ $qemu_kvm = 1 ]; then
	# (the qemu target merges the guest's stdout and stderr)
	qs=$($B/bin/keel-run --stats --target=qemu $B/apps/hello 2>&1 </dev/null || true)
	qph_total=$(sed -n 's/^keel-run: qemu (kvm): \([0-9.]*\) ms from start to exit$/\1/p' <<<"$qs")
	qph_up=$(sed -n 's/^keel: exit status 0 after \([0-9.]*\) ms on pvh$/\1/p' <<<"$qs")
fi

# --- block: reading a 64 MiB file, keel's block calls against read() ---
# The file is random bytes, made once (build/bench/disk64.img), and read
# whole before timing, so the host's page cache holds it for every
# reader: this measures the path from the page cache into the program's
# buffers, not the disk. Each process makes one untimed pass and
# block_passes timed ones; processes alternate: host, kvm, linux, qemu.
disk=$out/disk64.img
if [ "$(stat -c %s "$disk" 2>/dev/null || echo 0)" != $((64 << 20)) ]; then
	head -c 64M /dev/urandom >"$disk.tmp" && mv "$disk.tmp" "$disk"
fi
cat "$disk" >/dev/null
blk_targets=(host)
[ $kvm = 1 ] && blk_targets+=(kvm)
blk_targets+=(linux)
{ [ $qemu_kvm = 1 ] || [ $qemu_tcg = 1 ]; } && blk_targets+=(qemu)
echo "bench: block: 64 MiB read in 64 KiB requests, batches of 32: $block_rounds processes of each (${blk_targets[*]}), $block_passes timed passes each"
for t in "${blk_targets[@]}"; do : >"$out/blk-$t.txt"; done
for ((i = 0; i < block_rounds; i++)); do
	for t in "${blk_targets[@]}"; do
		if [ "$t" = host ]; then
			"$out/blkread-musl" "$block_passes" "$disk" >>"$out/blk-$t.txt" ||
				die "blkread on the host failed"
		else
			$B/bin/keel-run --target="$t" --disk="$disk" "$out/blkread-keel" "$block_passes" \
				</dev/null >>"$out/blk-$t.txt" || die "blkread on --target=$t failed"
		fi
	done
done
# Every pass of every reader saw the same bytes.
nsums=$(for t in "${blk_targets[@]}"; do cut -d' ' -f1,3 "$out/blk-$t.txt"; done | sort -u | wc -l)
[ "$nsums" = 1 ] || die "block: the readers did not all read the same 64 MiB ($nsums different sums)"
mbps() { awk '{ printf "%.1f\n", $1 / $2 * 1000 }' "$out/blk-$1.txt" | median; }
declare -A blk
for t in "${blk_targets[@]}"; do blk[$t]=$(mbps "$t"); done
blk_ratio() { awk -v a="$1" -v b="${blk[host]}" 'BEGIN { printf "%.3f", a / b }'; }
if [ $kvm = 1 ]; then
	# One more kvm run with --stats: requests per notification (VM exit).
	blk_stats=$($B/bin/keel-run --stats --target=kvm --disk="$disk" "$out/blkread-keel" 1 2>&1 >/dev/null |
		sed -n 's/^keel-run: kvm: disk: \(.*\)$/\1/p')
fi

# --- files: a 64 MiB file written and read back, ramfs against tmpfs ---
# The host's side runs on /dev/shm (tmpfs); keel's on its ramfs at /tmp,
# under --mem=256M. Processes alternate: host, kvm, linux, qemu.
[ -d /dev/shm ] && [ -w /dev/shm ] || die "files: /dev/shm (the host's tmpfs) is not writable"
file_targets=("${blk_targets[@]}")
echo "bench: files: 64 MiB written and read in 64 KiB pieces: $file_rounds processes of each (${file_targets[*]}), $file_passes timed passes each"
for t in "${file_targets[@]}"; do : >"$out/file-$t.txt"; done
for ((i = 0; i < file_rounds; i++)); do
	for t in "${file_targets[@]}"; do
		if [ "$t" = host ]; then
			"$out/fileio-musl" "$file_passes" /dev/shm >>"$out/file-$t.txt" ||
				die "fileio on the host failed"
		else
			$B/bin/keel-run --target="$t" --mem=256M "$out/fileio-keel" "$file_passes" /tmp \
				</dev/null >>"$out/file-$t.txt" || die "fileio on --target=$t failed"
		fi
	done
done
nsums=$(for t in "${file_targets[@]}"; do cut -d' ' -f1,4 "$out/file-$t.txt"; done | sort -u | wc -l)
[ "$nsums" = 1 ] || die "files: the programs did not all read back the same data ($nsums different sums)"
file_mbps() { awk -v c="$2" '{ printf "%.1f\n", $1 / $c * 1000 }' "$out/file-$1.txt" | median; }
declare -A fw fr
for t in "${file_targets[@]}"; do
	fw[$t]=$(file_mbps "$t" 2)
	fr[$t]=$(file_mbps "$t" 3)
done
fw_ratio() { awk -v a="$1" -v b="${fw[host]}" 'BEGIN { printf "%.3f", a / b }'; }
fr_ratio() { awk -v a="$1" -v b="${fr[host]}" 'BEGIN { printf "%.3f", a / b }'; }

# --- threads: a pipe ping-pong between two threads, and create + join --
# Each process makes one untimed loop of each and thread_loops timed
# ones and prints the medians; processes alternate: host, kvm, linux,
# qemu. Lower is better: ratio = keel ns / host ns.
thread_targets=("${blk_targets[@]}")
echo "bench: threads: pipe ping-pong x $pingpong_n, create+join x $thread_n: $thread_rounds processes of each (${thread_targets[*]}), $thread_loops timed loops each"
for t in "${thread_targets[@]}"; do : >"$out/threads-$t.txt"; done
for ((i = 0; i < thread_rounds; i++)); do
	for t in "${thread_targets[@]}"; do
		if [ "$t" = host ]; then
			"$out/threads-musl" "$thread_loops" "$pingpong_n" "$thread_n" >>"$out/threads-$t.txt" ||
				die "threads on the host failed"
		else
			$B/bin/keel-run --target="$t" "$out/threads-keel" "$thread_loops" "$pingpong_n" \
				"$thread_n" </dev/null >>"$out/threads-$t.txt" || die "threads on --target=$t failed"
		fi
	done
done
# Every round trip of every process came back as sent.
nsums=$(for t in "${thread_targets[@]}"; do cut -d' ' -f3 "$out/threads-$t.txt"; done | sort -u)
[ "$nsums" = $((thread_loops * pingpong_n)) ] ||
	die "threads: not every ping-pong came back right ($(echo $nsums))"
declare -A tpp ttc
for t in "${thread_targets[@]}"; do
	tpp[$t]=$(cut -d' ' -f1 "$out/threads-$t.txt" | median)
	ttc[$t]=$(cut -d' ' -f2 "$out/threads-$t.txt" | median)
done
tpp_ratio() { awk -v a="$1" -v b="${tpp[host]}" 'BEGIN { printf "%.3f", a / b }'; }
ttc_ratio() { awk -v a="$1" -v b="${ttc[host]}" 'BEGIN { printf "%.3f", a / b }'; }

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
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (with uncommitted changes in the tree)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
virt=$(grep -qw hypervisor /proc/cpuinfo && echo "yes (a VM guest)" || echo no)
kernel=$(uname -r)
ncpu=$(nproc)
qemu_version=none
if [ -n "$QEMU" ]; then
	qemu_version=$("$QEMU" --version 2>/dev/null | sed -n '1s/^QEMU emulator version //p' || true)
	[ -n "$qemu_version" ] || qemu_version=unknown
fi
vs() { awk -v a="$1" -v b="$h_musl" 'BEGIN { printf "%.2f", a / b }'; }
vsk() { awk -v a="$1" -v b="${vm[kvm]}" 'BEGIN { printf "%.3f", a / b }'; }

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
| hello end to end on KVM, ms (median, same runs) | $(ms "$h_kvm") | | | ≤ 3 ms | $(verdict "$(ms "$h_kvm")" 3) |
EOF
		if [ $qemu_kvm = 1 ]; then
			echo "| hello on KVM ÷ QEMU microvm booting the same image (KVM, qboot), µs (median) | $h_kvm | ${vm[qemu_kvm]} (qemu-system-x86_64 run directly) | $qemu_ratio | ≤ 0.1 | $(verdict "$qemu_ratio" 0.1) |"
		else
			echo "| hello on KVM ÷ QEMU microvm | skipped: $qemu_why | | | ≤ 0.1 | |"
		fi
	else
		echo "| KVM rows | skipped: $kvm_why | | | | |"
	fi
	for t in kvm linux qemu; do
		[ -n "${blk[$t]:-}" ] || continue
		echo "| block read on \`--target=$t\`: 64 MiB file, 64 KiB requests in batches of 32, MB/s (median; ratio = keel ÷ host) | ${blk[$t]} | ${blk[host]} (static musl read(), 64 KiB) | $(blk_ratio "${blk[$t]}") | — | |"
	done
	for t in kvm linux qemu; do
		[ -n "${fw[$t]:-}" ] || continue
		echo "| file write on \`--target=$t\`: 64 MiB in 64 KiB write()s to ramfs, MB/s (median; ratio = keel ÷ host) | ${fw[$t]} | ${fw[host]} (static musl, host tmpfs) | $(fw_ratio "${fw[$t]}") | — | |"
		echo "| file read on \`--target=$t\`: the same 64 MiB back in 64 KiB read()s, MB/s | ${fr[$t]} | ${fr[host]} (static musl, host tmpfs) | $(fr_ratio "${fr[$t]}") | — | |"
	done
	for t in kvm linux qemu; do
		[ -n "${tpp[$t]:-}" ] || continue
		echo "| pipe ping-pong between two threads on \`--target=$t\`, ns per round trip (median; ratio = keel ÷ host) | ${tpp[$t]} | ${tpp[host]} (static musl, Linux pipes and threads) | $(tpp_ratio "${tpp[$t]}") | — | |"
		echo "| pthread_create + join on \`--target=$t\`, ns (median; ratio = keel ÷ host) | ${ttc[$t]} | ${ttc[host]} (static musl, Linux threads) | $(ttc_ratio "${ttc[$t]}") | — | |"
	done
)
threadtable=$(
	echo "| program | ping-pong round trip, ns | create + join, ns | ping-pong ÷ host | create + join ÷ host |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for t in "${thread_targets[@]}"; do
		case $t in
		host) what="static musl program on Linux (the anchor)" ;;
		*) what="\`keel-run --target=$t\`: keel's pipes on its cooperative scheduler" ;;
		esac
		echo "| $what | ${tpp[$t]} | ${ttc[$t]} | $(tpp_ratio "${tpp[$t]}") | $(ttc_ratio "${ttc[$t]}") |"
	done
)
filetable=$(
	echo "| program (64 MiB file, 64 KiB pieces) | write MB/s | read MB/s | write ÷ host | read ÷ host |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for t in "${file_targets[@]}"; do
		case $t in
		host) what="static musl program on the host's tmpfs, /dev/shm (the anchor)" ;;
		*) what="\`keel-run --target=$t --mem=256M\`: keel's ramfs, /tmp" ;;
		esac
		echo "| $what | ${fw[$t]} | ${fr[$t]} | $(fw_ratio "${fw[$t]}") | $(fr_ratio "${fr[$t]}") |"
	done
)
blocktable=$(
	echo "| reader of the 64 MiB file (page cache warm) | MB/s median | MB/s min–max | ÷ host read() |"
	echo "| --- | ---: | ---: | ---: |"
	for t in "${blk_targets[@]}"; do
		case $t in
		host) what="static musl program, \`read()\` in 64 KiB pieces (the anchor)" ;;
		kvm) what="\`keel-run --target=kvm --disk\`: virtio ring, one notification per batch of 32" ;;
		linux) what="\`keel-run --target=linux --disk\`: \`pread\` per request" ;;
		qemu) what="\`keel-run --target=qemu --disk\`: QEMU's virtio-blk on virtio-mmio" ;;
		esac
		mm=$(awk '{ v = $1 / $2 * 1000; if (NR == 1 || v < lo) lo = v; if (v > hi) hi = v }
			END { printf "%.0f–%.0f", lo, hi }' "$out/blk-$t.txt")
		echo "| $what | ${blk[$t]} | $mm | $(blk_ratio "${blk[$t]}") |"
	done
	[ $kvm = 1 ] || echo "| \`--target=kvm\` | skipped: $kvm_why | | |"
	[ -n "${blk[qemu]:-}" ] || echo "| \`--target=qemu\` | skipped: ${tcg_why:-$qemu_why} | | |"
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
vmtable=$(
	if [ ${#vm_names[@]} -eq 0 ]; then
		echo "VM boots: skipped (keel's monitor: $kvm_why; QEMU: ${tcg_why:-$qemu_why})."
		exit 0
	fi
	echo "| VM boot of build/apps/hello, whole process | median µs | p25–p75 µs | ÷ \`keel-run --target=kvm\` |"
	echo "| --- | ---: | ---: | ---: |"
	for n in "${vm_names[@]}"; do
		case $n in
		kvm) what="\`keel-run --target=kvm\` (keel's monitor)" ;;
		qemu_kvm) what="QEMU microvm, \`-accel kvm\`, \`-bios qboot.rom\` (the anchor)" ;;
		qemu_tcg) what="QEMU microvm, \`-accel tcg\` (software emulation), qboot" ;;
		keel_run_qemu) what="\`keel-run --target=qemu\` (QEMU $([ $qemu_kvm = 1 ] && echo "with KVM" || echo "with tcg") through keel-run)" ;;
		esac
		if [ $kvm = 1 ]; then
			echo "| $what | ${vm[$n]} | ${vm_p25[$n]}–${vm_p75[$n]} | $(vsk "${vm[$n]}") |"
		else
			echo "| $what | ${vm[$n]} | ${vm_p25[$n]}–${vm_p75[$n]} | |"
		fi
	done
	[ $qemu_tcg = 1 ] || [ -z "$QEMU" ] || echo "| QEMU microvm, \`-accel tcg\` | skipped: $tcg_why | | |"
)
phases=$(
	if [ $kvm = 0 ]; then
		echo "KVM boot phases: skipped ($kvm_why)."
		exit 0
	fi
	cat <<EOF
| \`keel-run --stats --target=kvm build/apps/hello\`, median of $stats_runs runs | ms |
| --- | ---: |
| end to end, these runs with --stats (the whole keel-run process) | $ph_e2e |
| monitor setup: keel-run's KVM code from its start (image already checked) to the first KVM_RUN: the fork that keeps VM teardown off the exit path, VM, memory, vCPU, CPUID, page tables, descriptors, image copy, sandbox | $ph_setup |
| guest run: first KVM_RUN to the guest's write to the exit port (entry, keel_start, main, exit, and --stats' own output) | $ph_run |
| … of which the guest's own clock, keel_start to exit (\`keel: exit status 0 after …\`) | $ph_up |
| the rest: exec, keel-run's start-up, options and image check, handing the status to the parent, its exit (end to end − setup − guest run, per run) | $ph_rest |
| VM exits per run | $ph_exits ($ph_breakdown) |
| … of which --stats' own \`keel:\` lines, one console exit each (a run without --stats makes this many fewer) | $ph_log |
EOF
	if [ $qemu_kvm = 1 ]; then
		cat <<EOF

\`keel-run --stats --target=qemu build/apps/hello\` (one run): QEMU start to exit
${qph_total:-?} ms, of which the guest's own clock, keel_start to exit, ${qph_up:-?} ms.
EOF
	fi
)

echo
echo "$table"
echo
echo "$parts"
echo
echo "$vmtable"
echo
echo "$phases"
echo
echo "$blocktable"
echo
echo "$filetable"
echo
echo "$threadtable"
echo

if [ $quick = 1 ]; then
	md=$out/quick.md json=$out/quick.json
else
	mkdir -p bench/results
	md=bench/results/$date-$label.md json=bench/results/latest.json
fi
cat >"$md" <<EOF
# keel benchmarks: $label, $date

Written by \`make bench\` (bench/run.sh$([ $quick = 1 ] && echo " --quick")); see bench/README.md for the
method and for what the numbers mean.

- commit: $commit
- machine: $cpu, $ncpu CPUs, Linux $kernel, virtualised: $virt
- QEMU: $qemu_version

$table

syscall: $syscall_rounds processes of each kind, alternated; each times
$syscall_reps loops of $syscall_n calls with clock_gettime and keeps the median;
the table shows the median of those.

hello: $hello_runs timed runs of each process below (after $hello_warmup
untimed), interleaved, each posix_spawn → waitpid with stdin and stdout on
/dev/null. The middle rows break the Linux-base number down (see
bench/README.md).

$parts

VM boots: $qemu_runs timed runs of each command below (after $qemu_warmup
untimed), interleaved, each posix_spawn → waitpid. QEMU is
qemu-system-x86_64 run directly with the arguments monitor/qemu.c builds
(microvm with acpi=off, 64M, qboot, isa-debug-exit, the status serial port on
/dev/null), so it excludes keel-run; each QEMU run exits 1, which is
isa-debug-exit's code for the guest's status 0, and one checked run before
timing saw hello's line and \`keel-exit:0\`. The headline ratio divides
the hello median above (many more runs) by QEMU's median here; the
first row here is keel's monitor again, interleaved with QEMU.

$vmtable

$phases

Block: a 64 MiB file of random bytes read whole, sequentially, by
bench/blkread.c: built with keel-cc it reads block device 0 through
\`keel_platform->block_submit\`/\`block_complete\` (requests of 64 KiB, 32
per submit, into 32 buffers), built with musl-gcc -static it \`read()\`s the
file on the host in 64 KiB pieces into 32 buffers. The file is read once
before timing, so the host's page cache holds it for every reader (on
kvm the monitor \`preadv\`s from that cache into guest memory; QEMU reads it
through its block layer). $block_rounds processes of each kind, alternated; each
makes one untimed pass and $block_passes timed ones, timed inside the program;
medians over all timed passes. MB/s is 10^6 bytes per second. All
passes were checked to read the same bytes.${blk_stats:+ On kvm, one run
(an untimed and a timed pass) with --stats: $blk_stats.}

$blocktable

Files: bench/fileio.c writes a 64 MiB file in 64 KiB \`write()\`s (each piece
stamped with its offset), seeks back and reads it in 64 KiB \`read()\`s,
closes and unlinks it; built with keel-cc it runs on keel's ramfs (/tmp,
under --mem=256M, so its pages come from the budget as it writes), built
with musl-gcc -static on the host's tmpfs (/dev/shm). Write time includes
the open; read time the seek. $file_rounds processes of each kind, alternated;
each makes one untimed pass and $file_passes timed ones; medians over all timed
passes. All passes were checked to read back the same data.

$filetable

Threads: bench/threads.c sends one byte to a second thread through a pipe
and waits for it to come back through another ($pingpong_n round trips per
loop: two writes, two reads and two thread switches each), then creates
and joins $thread_n threads that return at once, one after the other; built
with keel-cc (keel's pipes and musl's pthreads on keel's cooperative
scheduler) and with musl-gcc -static (Linux pipes and threads, free to
run on both CPUs). $thread_rounds processes of each kind, alternated; each
makes one untimed loop and $thread_loops timed ones and keeps the median;
the table shows the median of those. Every round trip was checked to
bring its byte back.

$threadtable
EOF

jnum() { [ -n "${1:-}" ] && echo "$1" || echo null; }
cat >"$json" <<EOF
{
  "label": "$label",
  "date": "$date",
  "commit": "$commit",
  "quick": $([ $quick = 1 ] && echo true || echo false),
  "machine": { "cpu": "$cpu", "cpus": $ncpu, "kernel": "$kernel", "virtualised": $(grep -qw hypervisor /proc/cpuinfo && echo true || echo false), "qemu": "$qemu_version" },
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
	cat <<JSON
{
    "syscall_ns": $sys_kvm, "syscall_ratio": $sys_kvm_ratio, "syscall_met": $(met "$sys_kvm_ratio" 0.05),
    "hello_us": $h_kvm, "hello_ratio": $hello_kvm_ratio, "hello_met": $(met "$hello_kvm_ratio" 2),
    "hello_goal_ms": 3, "hello_ms_met": $(met "$(ms "$h_kvm")" 3),
    "vs_qemu_microvm": $(if [ $qemu_kvm = 1 ]; then echo "{ \"qemu_us\": ${vm[qemu_kvm]}, \"ratio\": $qemu_ratio, \"goal\": 0.1, \"met\": $(met "$qemu_ratio" 0.1) }"; else echo "null"; fi),
    "phases_ms": { "runs": $stats_runs, "statistic": "median", "with_stats_end_to_end": $ph_e2e, "monitor_setup": $ph_setup, "guest_run": $ph_run, "guest_clock_start_to_exit": $ph_up, "rest_of_end_to_end": $ph_rest },
    "vm_exits": { "per_run": $ph_exits, "of_which_stats_lines": $ph_log, "breakdown": "$ph_breakdown" }
  },
JSON
else
	echo "null, \"kvm_skipped\": \"$kvm_why\","
fi)
  "vm_boots": $(if [ ${#vm_names[@]} -gt 0 ]; then
	echo "{ \"runs\": $qemu_runs, \"warmup\": $qemu_warmup, \"statistic\": \"median\", \"keel_run_kvm_us\": $(jnum "${vm[kvm]:-}"), \"qemu_microvm_kvm_qboot_us\": $(jnum "${vm[qemu_kvm]:-}"), \"qemu_microvm_tcg_qboot_us\": $(jnum "${vm[qemu_tcg]:-}"), \"keel_run_qemu_us\": $(jnum "${vm[keel_run_qemu]:-}") },"
else
	echo "null,"
fi)
  "block": { "file_mib": 64, "request_kib": 64, "batch": 32, "processes": $block_rounds, "passes_per_process": $block_passes, "statistic": "median", "unit": "MB/s", "page_cache": "warm",
    "host_read_mbps": ${blk[host]}, "kvm_mbps": $(jnum "${blk[kvm]:-}"), "linux_mbps": $(jnum "${blk[linux]:-}"), "qemu_mbps": $(jnum "${blk[qemu]:-}"),
    "kvm_ratio": $([ -n "${blk[kvm]:-}" ] && blk_ratio "${blk[kvm]}" || echo null), "linux_ratio": $(blk_ratio "${blk[linux]}"), "qemu_ratio": $([ -n "${blk[qemu]:-}" ] && blk_ratio "${blk[qemu]}" || echo null),
    "kvm_disk_stats": $([ -n "${blk_stats:-}" ] && echo "\"$blk_stats\"" || echo null) },
  "files": { "file_mib": 64, "piece_kib": 64, "processes": $file_rounds, "passes_per_process": $file_passes, "statistic": "median", "unit": "MB/s", "anchor": "host tmpfs (/dev/shm)",
    "host_write_mbps": ${fw[host]}, "host_read_mbps": ${fr[host]},
    "kvm_write_mbps": $(jnum "${fw[kvm]:-}"), "kvm_read_mbps": $(jnum "${fr[kvm]:-}"),
    "linux_write_mbps": $(jnum "${fw[linux]:-}"), "linux_read_mbps": $(jnum "${fr[linux]:-}"),
    "qemu_write_mbps": $(jnum "${fw[qemu]:-}"), "qemu_read_mbps": $(jnum "${fr[qemu]:-}"),
    "linux_write_ratio": $(fw_ratio "${fw[linux]}"), "linux_read_ratio": $(fr_ratio "${fr[linux]}") },
  "threads": { "round_trips": $pingpong_n, "threads": $thread_n, "loops_per_process": $thread_loops, "processes": $thread_rounds, "statistic": "median", "unit": "ns", "anchor": "static musl on Linux",
    "host_pingpong_ns": ${tpp[host]}, "host_create_join_ns": ${ttc[host]},
    "kvm_pingpong_ns": $(jnum "${tpp[kvm]:-}"), "kvm_create_join_ns": $(jnum "${ttc[kvm]:-}"),
    "linux_pingpong_ns": $(jnum "${tpp[linux]:-}"), "linux_create_join_ns": $(jnum "${ttc[linux]:-}"),
    "qemu_pingpong_ns": $(jnum "${tpp[qemu]:-}"), "qemu_create_join_ns": $(jnum "${ttc[qemu]:-}"),
    "linux_pingpong_ratio": $(tpp_ratio "${tpp[linux]}"), "linux_create_join_ratio": $(ttc_ratio "${ttc[linux]}") },
  "report": "$md"
}
EOF
echo "bench: wrote $md and $json"

# The web server against nginx, with a report of its own.
if [ $quick = 1 ]; then bench/httpd.sh --quick; else bench/httpd.sh; fi
