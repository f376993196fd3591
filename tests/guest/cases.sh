# The guest tests: sourced by tests/run.sh. `guest NAME WHERE` declares
# the test guest/NAME@TARGET for every target (WHERE = all) or for one;
# its body is the function case_NAME (dashes become underscores), run
# with $target and $platform (the name the image reports in uname) set.
# Each body runs an image from tests/guest/ (run) and states what must
# come out (expect_*, see run.sh). The images check themselves too.

guest hello all
case_hello() {
	run hello
	expect_status 0
	expect_out $'hello, world\nno newline at exit'
	expect_err $'hello, stderr\n'
}

# The demo the README shows.
guest demo all
case_demo() {
	run "$B/apps/hello"
	expect_status 0
	expect_out_line "hello, world from keel \(keel [0-9.]+ on $platform\)"
	expect_err_empty
	[[ $(wc -l <"$out") == 1 ]] || note_fail "more than one line: $(show "$out")"
}

guest argv all
case_argv() {
	run argv return 42 one "two words" "" --mem=1K -x
	expect_ok 42
	expect_out $'arg3=[one]\narg4=[two words]\narg5=[]\narg6=[--mem=1K]\narg7=[-x]\nargc=8\nok: 4 checks\n'
	expect_err_empty
}

# More argument pointers than the 512 KiB main stack holds (they used to
# be written past its guard page at boot). Linux-only: the other targets
# carry arguments in a smaller, documented space.
guest argv-many linux
case_argv_many() {
	run argv return 0 $(seq 1 100000)
	expect_ok
	expect_out_has "arg100002=[100000]"
	expect_out_has "argc=100003"
}

guest exit-status all
case_exit_status() {
	run argv exit 300 # exit() takes the low 8 bits, and flushes stdio
	expect_status 44
	expect_out $'exiting with 300\n'
	run argv _exit 7
	expect_status 7
	run argv exit 0
	expect_status 0
}

guest env all
case_env() {
	input=(true)
	HOST_ONLY=leaked run --env=KEEL_A=1 --env=KEEL_B=x=y --env=KEEL_EMPTY= env
	expect_ok
	expect_out_has "env: KEEL_B=x=y"
	expect_out_lacks HOST_ONLY
	expect_out_lacks KEEL_OPTS
}

guest clocks all
case_clocks() {
	run clocks "$(date +%s.%N)"
	expect_ok
}

# Memory: malloc until NULL under a 16 MiB budget, in large and small
# pieces; at least 75% of it usable, never more than all of it.
guest mem-malloc-1M all
case_mem_malloc_1M() {
	run --mem=16M mem big 16
	expect_ok
	expect_out_has "1048576-byte chunks:"
}

guest mem-malloc-small all
case_mem_malloc_small() {
	run --mem=16M mem small 16
	expect_ok
	expect_out_has "100-byte chunks:"
}

guest mem-malloc-default-budget all
case_mem_malloc_default_budget() {
	run mem big 64 # 64 MiB unless --mem says otherwise
	expect_ok
}

guest mem-malloc-48M all
case_mem_malloc_48M() {
	run --mem=48M mem big 48
	expect_ok
}

guest mem-brk all
case_mem_brk() {
	run --mem=16M mem brk 16
	expect_ok
}

guest mem-mmap all
case_mem_mmap() {
	run --mem=16M mem mmap 16
	expect_ok
}

# Pages freed while read-only (munmap, mremap, brk, MAP_FIXED) are handed
# out writable again (they used to fault inside keel).
guest mem-reuse-protected all
case_mem_reuse_protected() {
	run --mem=16M mem reuse 16
	expect_ok
}

guest mem-protect-fault all
case_mem_protect_fault() {
	run --mem=16M mem fault 16
	expect_status 139
	expect_out_has "writing to a read-only page"
	expect_out_lacks "did not fault"
	expect_err_has "keel: memory fault"
}

# The image itself counts against the budget.
guest mem-image-counts all
case_mem_image_counts() {
	run --mem=16M --stats bigimage 16
	expect_ok
	expect_err_line "keel:   image +peak +[0-9]{4,} KiB +now +[0-9]{4,} KiB"
}

guest enosys all
case_enosys() {
	run enosys
	expect_ok
	expect_err $'keel: syscall 165 (mount) not implemented\nkeel: syscall 1000 (unknown) not implemented\nkeel: syscall -1 (unknown) not implemented\n'
}

guest handler all
case_handler() {
	run handler
	expect_ok
	expect_err $'keel: syscall 165 (mount) not implemented\nkeel: syscall 100000 (unknown) not implemented\n'
}

# A raw syscall instruction in the application is refused: status 159.
sandbox_refused() { # MODE NAME NR
	run sandbox "$1"
	expect_status 159
	expect_err_lines 1
	expect_err_has "a keel image reaches the host only through keel"
	[[ $target == linux ]] && expect_err_has "refused host system call $3 ($2)"
	expect_out_lacks "the sandbox let"
}

guest sandbox-socket all
case_sandbox_socket() { sandbox_refused socket socket 41; }

guest sandbox-write-fd5 all
case_sandbox_write_fd5() { sandbox_refused write5 write 1; }

guest sandbox-getpid all
case_sandbox_getpid() { sandbox_refused getpid getpid 39; }

# ... while the base's own narrow allowances still work (so the denials
# above are the filter's doing, not a broken image).
guest sandbox-allows-console linux
case_sandbox_allows_console() {
	run sandbox write1
	expect_ok
	expect_out_has "raw write to fd 1"
}

guest uname all
case_uname() {
	run uname
	expect_ok
	expect_out_line "version=keel [0-9.]+ on $platform"
	expect_out_has "sysname=keel"
}

guest getrandom all
case_getrandom() {
	local first
	run random
	expect_ok
	first=$(head -1 "$out")
	[[ $first =~ ^[0-9a-f]{64}$ ]] || note_fail "no random hex line: $(show "$out")"
	run random
	expect_ok
	[[ $(head -1 "$out") != "$first" ]] || note_fail "two runs drew the same bytes: $first"
}

guest stdin all
case_stdin() {
	input=(printf abc)
	run stdin
	expect_ok
	expect_out_has "first read: [abc]"
	expect_out_has "bytes=3 "
}

# Input that arrives late: read blocks until it does.
guest stdin-slow all
case_stdin_slow() {
	input=(bash -c 'sleep 0.3; printf abc')
	run stdin
	expect_ok
	expect_out_has "first read: [abc]"
	expect_elapsed 0.3 5
}

# A zero-length read with the input open but silent: 0 at once.
guest stdin-zero-length all
case_stdin_zero_length() {
	input=(sleep 1)
	run stdin zero
	expect_ok
}

guest stdin-large all
case_stdin_large() {
	local n count=30000
	# qemu's console is a 16550 UART: two port reads (VM exits) a byte.
	[[ $target == qemu ]] && count=2000
	input=(seq 1 $count)
	run stdin
	expect_ok
	n=$(seq 1 $count | wc -c)
	expect_out_has "bytes=$n "
}

guest stdin-empty all
case_stdin_empty() {
	run stdin
	expect_ok
	expect_out_has "bytes=0 "
}

guest tty-pipe all
case_tty_pipe() {
	input=(echo)
	run tty pipe
	expect_ok
}

guest tty-terminal all
case_tty_terminal() {
	if ! command -v script >/dev/null; then
		skip_reason="skipped: no script(1) to make a terminal"
		return
	fi
	run_host script -qec "$KEEL_RUN --target=$target $TB/guest/tty pty" /dev/null
	expect_status 0
	grep -Eq '^ok: [0-9]+ checks' "$out" || note_fail "no ok line: $(show "$out")"
}

guest stats all
case_stats() {
	local peak heap_peak heap_now now
	run --stats --mem=16M stats
	expect_ok 3
	expect_err_line "keel: exit status 3 after [0-9]+\.[0-9]{3} ms on $platform"
	expect_err_line "keel: memory: budget 16384 KiB, peak [0-9]+ KiB \([0-9]+%\)"
	for tag in image kernel stacks; do
		expect_err_line "keel:   $tag +peak +[0-9]+ KiB +now +[1-9][0-9]* KiB"
	done
	peak=$(sed -n 's/^keel: memory: budget [0-9]* KiB, peak \([0-9]*\) KiB.*/\1/p' "$errf")
	heap_peak=$(sed -n 's/^keel:   heap *peak *\([0-9]*\) KiB.*/\1/p' "$errf")
	heap_now=$(sed -n 's/^keel:   heap *peak *[0-9]* KiB *now *\([0-9]*\) KiB.*/\1/p' "$errf")
	((${heap_peak:-0} >= 4096)) || note_fail "heap peak ${heap_peak:-?} KiB after using 4096 KiB"
	[[ $heap_now == 0 ]] || note_fail "heap now ${heap_now:-?} KiB after freeing all of it"
	((${peak:-0} >= 4096 && ${peak:-99999} <= 16384)) || note_fail "total peak ${peak:-?} KiB"
	# What is held at exit, summed over the owners, fits the peak.
	now=$(sed -n 's/^keel:   [a-z]* *peak *[0-9]* KiB *now *\([0-9]*\) KiB.*/\1/p' "$errf" |
		awk '{ s += $1 } END { print s + 0 }')
	((now > 0 && now <= ${peak:-0})) || note_fail "$now KiB held at exit, peak ${peak:-?} KiB"
}

guest stats-off all
case_stats_off() {
	run --mem=16M stats
	expect_ok 3
	expect_err_empty
	expect_out_lacks "keel: memory"
}

guest output all
case_output() {
	local want=$W/output.want
	run output 100000
	expect_ok
	{
		yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c 100000
		printf '\nwritev\nwrite\n'
	} >"$want"
	head -c "$(wc -c <"$want")" "$out" | cmp -s - "$want" ||
		note_fail "stdout differs from the pattern written"
	expect_err $'to stderr\n'
}

guest fault-null all
case_fault_null() {
	run fault null
	expect_status 139
	expect_out $'faulting\n'
	expect_err_has "keel: memory fault at address 0"
	expect_err_lines 1
	[[ $target == linux ]] && expect_err_has "keel: memory fault at address 0x0 "
}

guest fault-stack-overflow all
case_fault_stack_overflow() {
	run fault stack
	expect_status 139
	expect_out $'faulting\n'
	expect_err_has "keel: memory fault"
	[[ $target == linux ]] && expect_err_has "stack overflow"
}

guest fault-divide-by-zero all
case_fault_divide_by_zero() {
	run fault div0
	expect_status 136
	expect_out $'faulting\n'
	expect_err_has "keel: fatal"
	expect_err_lines 1
}

guest fault-illegal-instruction all
case_fault_illegal_instruction() {
	run fault ill
	expect_status 132
	expect_out $'faulting\n'
	expect_err_has "keel: fatal"
	expect_err_lines 1
}

guest timeout all
case_timeout() {
	run --timeout=1 sleeper forever
	expect_status 124
	expect_elapsed 0.95 1.5
	expect_out $'sleeping forever\n'
	expect_err_has "timed out"
}

# With --timeout keel-run waits for the image: statuses pass through.
guest timeout-passes-status all
case_timeout_passes_status() {
	run --timeout=10 argv return 42 x
	expect_ok 42
	expect_elapsed 0 5
	run --timeout=10 fault null
	expect_status 139
}

# Sleeping idles the machine: host CPU far below the time slept.
guest sleep-is-idle all
case_sleep_is_idle() {
	local cpu TIMEFORMAT='%3U %3S'
	{ time run sleeper 1000; } 2>"$W/time"
	expect_ok
	expect_elapsed 1 3
	cpu=$(awk '{ print $1 + $2 }' "$W/time")
	awk -v c="$cpu" 'BEGIN { exit !(c < 0.3) }' || note_fail "sleeping 1 s took $cpu s of host CPU"
}

# Images are ordinary static executables on Linux: no keel-run needed.
guest direct-run linux
case_direct_run() {
	run_host "$TB/guest/hello"
	expect_status 0
	expect_out $'hello, world\nno newline at exit'
	expect_err $'hello, stderr\n'
	run_host "$TB/guest/argv" return 42 a
	expect_ok 42
}

guest direct-run-bad-opts linux
case_direct_run_bad_opts() {
	KEEL_OPTS=bogus run_host "$TB/guest/hello"
	expect_status 2
	expect_err_lines 1
	expect_err_has "keel: bad KEEL_OPTS"
}

# Tests of keel-run's default target, run once: guest/NAME, function top_NAME.
GUEST_TOP_TESTS=(auto-target)

top_auto_target() {
	local want=linux
	[[ -z ${target_skip[kvm]} ]] && want=kvm
	run_host "$KEEL_RUN" "$B/apps/hello"
	expect_status 0
	expect_out_line "hello, world from keel \(keel [0-9.]+ on $want\)"
	run_host "$KEEL_RUN" --target=auto "$B/apps/hello"
	expect_out_line "hello, world from keel \(keel [0-9.]+ on $want\)"
}

# The block device behind --disk, through the platform's block calls:
# batches written, flushed and read back; bad requests refused; the
# host file holds what the guest wrote.
guest disk all
case_disk() {
	local img=$W/disk.img
	rm -f "$img"
	truncate -s 1M "$img"
	run --disk="$img" disk rw 2048
	expect_ok
	[[ $(head -c 4096 "$img" | tr -d a | wc -c) == 0 ]] ||
		note_fail "the first 4 KiB of the disk file are not all 'a'"
	[[ $(tail -c +61441 "$img" | head -c 4096 | tr -d p | wc -c) == 0 ]] ||
		note_fail "block 15 of the disk file is not all 'p'"
	run disk none
	expect_ok
}

guest disk-missing all
case_disk_missing() {
	run --disk="$W/no-such-disk.img" disk none
	expect_status 2
	expect_err_has "keel-run: --disk="
}

# The network device behind --net=tap: a guest answering ARP and ICMP
# echo with raw frames through the platform's frame calls, pinged from
# inside a network namespace of the test's own (tests/net/ping-guest.sh).
guest net-ping all
case_net_ping() {
	if ! command -v ip >/dev/null || ! command -v ping >/dev/null || [[ ! -c /dev/net/tun ]]; then
		skip_reason="skipped: needs ip(8), ping(8) and /dev/net/tun"
		return
	fi
	run_host tests/net/ping-guest.sh "$KEEL_RUN" "$target" "$(image_path netecho)"
	expect_ok
	expect_out_has "answered 3 pings and "
}

# lwIP inside the image (net/lwip/, keel_net_start and keel_net_poll):
# pinged, then 3 TCP connections of 1 MiB each and 40 UDP datagrams of
# 1 to 4000 bytes (the largest in IP fragments both ways) echoed on
# port 7, from inside a network namespace of the test's own
# (tests/net/lwip-echo.sh, clients in tests/tools/).
guest lwip-echo all
case_lwip_echo() {
	if ! command -v ip >/dev/null || ! command -v ping >/dev/null || [[ ! -c /dev/net/tun ]]; then
		skip_reason="skipped: needs ip(8), ping(8) and /dev/net/tun"
		return
	fi
	limit=45
	run_host tests/net/lwip-echo.sh "$KEEL_RUN" "$target" "$(image_path lwip-ping)" \
		"$TB/tools" 40
	expect_ok
	expect_err_has "tcp-echo: 3 of 3 connections echoed 1048576 bytes"
	expect_out_has "tcp: echoed 3145728 bytes on 3 connections, 3 closed"
	expect_err_has "udp-echo: 40 of 40 echoed"
	expect_out_line "echoed (4[1-9]|[5-9][0-9]) datagrams" # and "bye"
	# lwIP's ICMP answered the pings; its heap is the one in lwipopts.h,
	# never exhausted, and counted as net in --stats (with the device's
	# own buffers on the VM bases).
	awk '$1 == "lwip" && $2 == "icmp" && $4 >= 3 && $6 >= 3 { ok = 1 } END { exit !ok }' "$out" ||
		note_fail "lwIP's ICMP did not answer 3 pings: $(grep 'lwip icmp' "$out")"
	expect_out_line "lwip heap size 2097152 used [0-9]+ peak [0-9]+ failures 0"
	cat "$out" "$err" | awk '$1 == "keel:" && $2 == "net" && $4 >= 2048 { ok = 1 } END { exit !ok }' ||
		note_fail "--stats shows no net line of at least 2048 KiB (the heap)"
}

# With nothing to do, keel_net_poll waits (for frames, lwIP's next
# timer or its deadline) instead of spinning, and keeps its deadline:
# 2 seconds idle take 2 seconds and, on kvm, a handful of waits.
guest lwip-idle all
case_lwip_idle() {
	if ! command -v ip >/dev/null || [[ ! -c /dev/net/tun ]]; then
		skip_reason="skipped: needs ip(8) and /dev/net/tun"
		return
	fi
	limit=20
	run_host tests/net/lwip-echo.sh "$KEEL_RUN" "$target" "$(image_path lwip-ping)" "$TB/tools" 0
	expect_ok
	expect_out_has "idle: returned "
	expect_elapsed 2 6
	if [[ $target == kvm ]]; then
		local waits
		waits=$(sed -n 's/.*VM exits (.*wait \([0-9]*\),.*/\1/p' "$err")
		[[ -n $waits ]] || note_fail "no VM exit counts in --stats: $(first_err)"
		((${waits:-99} <= 20)) || note_fail "$waits waits in 2 idle seconds: keel_net_poll spins"
	fi
}

# lwIP's heap spent (the guest takes all of it for 3 seconds while 200
# datagrams arrive): frames are dropped and counted, nothing spins or
# breaks, and the echoes work again once the memory is back.
guest lwip-starved all
case_lwip_starved() {
	if ! command -v ip >/dev/null || ! command -v ping >/dev/null || [[ ! -c /dev/net/tun ]]; then
		skip_reason="skipped: needs ip(8), ping(8) and /dev/net/tun"
		return
	fi
	limit=45
	run_host tests/net/lwip-echo.sh "$KEEL_RUN" "$target" "$(image_path lwip-ping)" \
		"$TB/tools" 10 hog
	expect_ok
	expect_out_line "hog: holding (20[0-4][0-9]) KiB of lwIP's heap"
	expect_out_line "hog: released; ([1-9][0-9]*) frames dropped meanwhile"
	expect_err_has "udp-echo: 10 of 10 echoed"
}

guest lwip-no-net all
case_lwip_no_net() {
	run lwip-ping 10.77.0.2/24 10.77.0.1 0 1
	expect_status 1
	expect_err_has "CHECK_EQ(keel_net_start(argv[1], argv[2]), 0) failed: -19 != 0"
}

guest net-bad-tap all
case_net_bad_tap() {
	run --net=tap: netecho 10.77.0.2 1
	expect_status 2
	expect_err_has "keel-run: bad --net"
}

# Floating point and SSE on every base: printf and strtod of doubles,
# libm, SSE rounding modes and flags, x87 long double, 8 MiB copies and
# overlapping moves checked byte by byte.
guest float all
case_float() {
	run float
	expect_ok
	expect_out_has "x87: 0.33333333333333333334 1.41421356237309504876"
	expect_out_has "moves: 8 MiB copied, moved and filled"
	expect_err_empty
}

# ---- hostile guests: keel's KVM monitor refuses or stops them cleanly ----
#
# tests/guest/hostile.c fills the hypercall block itself (include/keel/kvm.h)
# with buffers, rings and requests the monitor must refuse, or does what
# must stop it. Each runs under tests/tools/reap, which waits for every
# process keel-run leaves behind (the VM lives in a child that outlives
# keel-run for its teardown) and says "reap: ..." on stderr if one died
# of a signal, dumped core, or was still running 3 s after keel-run ended.

# hostile [KEEL-RUN OPTIONS] MODE [ARGS...]
hostile() {
	local opts=()
	while [[ $# -gt 0 && $1 == --* ]]; do
		opts+=("$1")
		shift
	done
	if [[ ! -x $TB/guest/hostile || ! -x $TB/tools/reap ]]; then
		note_fail "hostile or reap did not build: $(grep -hm1 -i error "$TB/guest/hostile.log" "$TB/tools/reap.log" 2>/dev/null)"
		status=none
		return
	fi
	run_host "$TB/tools/reap" 3 "$KEEL_RUN" --target=kvm "${opts[@]}" "$TB/guest/hostile" "$@"
	expect_clean_end
}

expect_clean_end() {
	local l
	l=$(grep -m1 -e '^reap: ' -e 'the monitor died' "$err")
	[[ -z $l ]] || note_fail "keel-run did not end cleanly: $l"
}

# A refused call returns -EFAULT to the guest, which goes on; only the
# good writes reach stdout and stderr.
guest hostile-console kvm
case_hostile_console() {
	hostile console
	expect_ok
	[[ $(head -1 "$out") == "a good console write" && $(wc -l <"$out") == 2 ]] ||
		note_fail "stdout is not just the good write and the ok line: $(show "$out")"
	expect_err $'to stream 2\n'
}

guest hostile-entropy kvm
case_hostile_entropy() {
	hostile entropy
	expect_ok
	expect_err_empty
}

# Refused reads consume no input: the guest reads all of it afterwards.
guest hostile-read kvm
case_hostile_read() {
	input=(printf abc)
	hostile read
	expect_ok
	expect_err_empty
}

# KVM_PORT_QUEUE: rings outside memory, misaligned, of sizes that are
# not powers of two: -EINVAL; unknown devices: -ENODEV; a good ring then works.
guest hostile-queue kvm
case_hostile_queue() {
	local img=$W/hostile.img
	head -c 1M /dev/urandom >"$img"
	hostile --disk="$img" queue
	expect_ok
	expect_err_empty
}

# Descriptors outside memory, huge, looping, longer than the ring, in
# the wrong direction, past the disk's end: each request completes with
# IOERR (or, without a usable status byte, unserved), the device goes on
# serving good requests, and the file holds nothing of the refused
# writes -- only the one good write, at sector 100.
guest hostile-desc kvm
case_hostile_desc() {
	local img=$W/hostile.img want=$W/hostile.want
	head -c 1M /dev/urandom >"$img"
	cp "$img" "$want"
	head -c 512 /dev/zero | tr '\0' Z | dd of="$want" bs=512 seek=100 conv=notrunc status=none
	hostile --disk="$img" --stats desc
	expect_ok
	cmp -s "$img" "$want" || note_fail "the disk file changed beyond sector 100: $(cmp "$img" "$want" 2>&1)"
	expect_err_line "keel-run: kvm: disk: [0-9]{4,} requests in [0-9]+ notifications, [0-9]+ KiB"
}

guest hostile-setfs kvm
case_hostile_setfs() {
	hostile setfs
	expect_ok
	expect_err_empty
}

# Ports keel does not offer, and `in` from any port: one line naming
# the port, exit status 2.
guest hostile-port-out kvm
case_hostile_port_out() {
	hostile port-out
	expect_status 2
	expect_out $'writing to port 0x5a5\n'
	expect_err $'keel-run: the guest wrote to port 0x5a5, which keel does not offer; stopping it\n'
}

guest hostile-port-in kvm
case_hostile_port_in() {
	hostile port-in
	expect_status 2
	expect_out $'reading from port 0x500\n'
	expect_err $'keel-run: the guest read from port 0x500, which keel does not offer; stopping it\n'
}

# The guest may rewrite its TSS's I/O bitmap; the ports it opens are
# still only the monitor's.
guest hostile-port-opened kvm
case_hostile_port_opened() {
	hostile port-opened
	expect_status 2
	expect_out $'opening every port, writing to port 0x3f8\n'
	expect_err $'keel-run: the guest wrote to port 0x3f8, which keel does not offer; stopping it\n'
}

# Outside the bitmap a port is a #GP in the guest: a fault like any other.
guest hostile-port-blocked kvm
case_hostile_port_blocked() {
	hostile port-blocked
	expect_status 139
	expect_out $'writing to port 0x80\n'
	expect_err_lines 1
	expect_err_has "keel: fatal general protection fault (#GP)"
}

guest hostile-hlt kvm
case_hostile_hlt() {
	hostile hlt
	expect_status 139
	expect_err_lines 1
	expect_err_has "keel: fatal general protection fault (#GP)"
}

# Page tables edited to reach guest-physical memory that does not exist.
guest hostile-mmio kvm
case_hostile_mmio() {
	hostile mmio
	expect_status 139
	expect_out $'reading past the end of guest memory\n'
	expect_err_lines 1
	expect_err_has "outside the guest's memory"
}

# A fake exception report from ring 3 whose stack is outside memory.
guest hostile-fault-port kvm
case_hostile_fault_port() {
	hostile fault-port
	expect_status 139
	expect_err_lines 1
	expect_err_has "keel: fatal exception at pc 0"
}

guest hostile-triple-fault kvm
case_hostile_triple_fault() {
	hostile triple
	expect_status 139
	expect_err $'keel: the guest crashed (triple fault)\n'
}

guest hostile-spin kvm
case_hostile_spin() {
	hostile --timeout=1 spin
	expect_status 124
	expect_elapsed 0.95 1.5
	expect_out $'spinning\n'
	expect_err_lines 1
	expect_err_line "keel-run: .*/hostile: timed out after 1 s; stopped"
}

# keel-run killed (SIGKILL) while its guest spins takes the VM with it
# (the VM's process used to go on spinning, orphaned).
guest hostile-keel-run-killed kvm
case_hostile_keel_run_killed() {
	local log=$W/killed.out
	: >"$log"
	run_host "$TB/tools/reap" 3 bash -c '
		"$1" --target=kvm "$2" spin >"$3" & p=$!
		for ((i = 0; i < 500; i++)); do grep -q spinning "$3" && break; sleep 0.01; done
		kill -KILL $p; wait $p' _ "$KEEL_RUN" "$TB/guest/hostile" "$log"
	expect_status 137
	grep -qx spinning "$log" || note_fail "the guest never ran: $(show "$log")"
	! grep -q 'still running' "$err" || note_fail "$(grep -m1 'still running' "$err")"
	expect_err_line "reap: process [0-9]+ \(a descendant\) died of signal 9 \(Killed\)"
}

# SIGTERM to keel-run reaches the VM (the guest has no handler: the
# default ends it), and keel-run ends with 143, nothing left behind.
guest hostile-keel-run-terminated kvm
case_hostile_keel_run_terminated() {
	local log=$W/killed.out
	: >"$log"
	run_host "$TB/tools/reap" 3 bash -c '
		"$1" --target=kvm "$2" spin >"$3" & p=$!
		for ((i = 0; i < 500; i++)); do grep -q spinning "$3" && break; sleep 0.01; done
		kill $p; wait $p' _ "$KEEL_RUN" "$TB/guest/hostile" "$log"
	expect_status 143
	grep -qx spinning "$log" || note_fail "the guest never ran: $(show "$log")"
	expect_clean_end
}

# The monitor's own seccomp sandbox: a call outside its allow-list
# (KEEL_RUN_SANDBOX_SELFTEST makes it try open()) ends keel-run with 159.
guest sandbox-monitor kvm
case_sandbox_monitor() {
	KEEL_RUN_SANDBOX_SELFTEST=1 run_host "$TB/tools/reap" 3 "$KEEL_RUN" --target=kvm "$TB/guest/hello"
	expect_clean_end
	expect_status 159
	expect_out ''
	expect_err_lines 1
	expect_err_line "keel-run: the monitor's sandbox refused host system call [0-9]+; stopping"
}

guest threads all
case_threads() {
	run threads
	expect_ok
	run threads deadlock
	expect_status 255
	expect_err_has "keel: panic: the only thread waits for ever: deadlock"
}

# Without FSGSBASE (KVM may not offer it) the kvm base loads each
# thread's pointer through the GDT: threads and a pipe between them.
guest threads-gdt-fs kvm
case_threads_gdt_fs() {
	export KEEL_RUN_NO_FSGSBASE=1
	run threads
	expect_ok
	run pipe
	expect_ok
	unset KEEL_RUN_NO_FSGSBASE
}

# Files on ramfs: open/read/write/seek, stat, directories, rename,
# symlinks, dup2 onto stdout, O_APPEND, sparse files, stdio, opendir,
# getcwd/chdir, umask, and the errors (tests/guest/files.c).
guest files all
case_files() {
	run files
	expect_ok
	expect_err_empty
	expect_out_has "0123" # sendfile from a file to the console
}

guest files-dev all
case_files_dev() {
	run files dev
	expect_ok
	expect_out_has "to the console"
	expect_out_has "via /dev/stdout"
}

# Filling the file system under a small budget: ENOSPC, nothing written
# before is lost, and the pages show as fs in --stats.
guest files-full all
case_files_full() {
	run --mem=16M --stats files full
	expect_ok
	expect_out_line "filled [0-9]+ KiB"
	expect_err_line "keel:   fs +peak +[0-9]{4,} KiB +now +[0-9]+ KiB"
}

# The disk behind --disk as the file /dev/vda: aligned and unaligned
# reads and writes, the size ioctl, the end of the device; the host
# file then holds what the guest wrote where it wrote it.
guest files-blk all
case_files_blk() {
	local img=$W/files-blk.img
	rm -f "$img"
	truncate -s 1M "$img"
	run --disk="$img" files blk 2048
	expect_ok
	[[ $(tail -c +1001 "$img" | head -c 5) == hello ]] ||
		note_fail "the disk file lacks 'hello' at byte 1000"
	[[ $(tail -c +40961 "$img" | head -c 1) == A && $(tail -c +49152 "$img" | head -c 1) == P ]] ||
		note_fail "the disk file lacks the aligned write at byte 40960"
	[[ $(tail -c +70002 "$img" | head -c 3 | od -An -tu1 | tr -s ' ') == " 0 1 2" ]] ||
		note_fail "the disk file lacks the unaligned write at byte 70001"
}
