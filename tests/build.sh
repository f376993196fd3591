# Checks on what `make` built; sourced by tests/run.sh, which runs each
# build_NAME function as the test build/NAME.

BUILD_TESTS=(libc-no-syscall sys-no-syscall syscalls-def-matches-musl syscalls-doc-current
	image-layout keel-cc-refuses-pie keel-cc-no-host-libs lwip-only-where-used)

# An instruction that enters a kernel, in objdump -d's notation.
KERNEL_ENTRY='\s(syscall|sysenter|int +\$0x80)\s*$'

# The acceptance check of the foundation: keel's libc never enters a
# kernel. The same search must find the Linux base's own syscall
# instructions, or the search itself is broken.
build_libc_no_syscall() {
	local hits control
	hits=$(objdump -d "$B/lib/libc.a" | grep -E "$KERNEL_ENTRY" | head -3)
	[[ -z $hits ]] || note_fail "libc.a has kernel entries: $hits"
	control=$(objdump -d "$B"/obj/base/linux/*.o | grep -cE "$KERNEL_ENTRY")
	((control > 0)) || note_fail "the search found no syscall in base/linux either: it is broken"
}

# Only the bases may enter a host kernel; keel's core (sys/) never does.
build_sys_no_syscall() {
	local hits
	ls "$B"/obj/sys/*.o >/dev/null 2>&1 || { note_fail "no objects in $B/obj/sys"; return; }
	hits=$(objdump -d "$B"/obj/sys/*.o | grep -E "$KERNEL_ENTRY|>:$" | grep -B1 -E "$KERNEL_ENTRY" | head -4)
	[[ -z $hits ]] || note_fail "sys/ has kernel entries: $hits"
}

# sys/syscalls.def lists every x86_64 call musl knows, with musl's number.
build_syscalls_def_matches_musl() {
	local musl=$W/musl.txt def=$W/def.txt
	sed -n 's/^#define __NR_\([a-z0-9_]*\)[[:space:]]\{1,\}\([0-9]\{1,\}\)$/\2 \1/p' \
		"$B/include/bits/syscall.h" | sort -n >"$musl"
	sed -n 's/^SYSCALL( *\([0-9]*\), *\([a-z0-9_]*\),.*/\1 \2/p' sys/syscalls.def | sort -n >"$def"
	(($(wc -l <"$musl") >= 350)) || note_fail "only $(wc -l <"$musl") calls read from musl's bits/syscall.h"
	cmp -s "$musl" "$def" ||
		note_fail "syscalls.def differs from musl: $(diff "$musl" "$def" | grep '^[<>]' | head -3)"
}

# docs/syscalls.md is generated from syscalls.def; the committed copy
# must be current.
build_syscalls_doc_current() {
	if [[ ! -x scripts/gen-syscall-doc.sh ]]; then
		skip_reason="skipped: no scripts/gen-syscall-doc.sh"
		return
	fi
	run_host scripts/gen-syscall-doc.sh --check
	expect_status 0
}

# keel-cc's images: static, non-PIE, linked at 1 MiB, no interpreter.
build_image_layout() {
	local img=$TB/guest/hello h l
	[[ -x $img ]] || { note_fail "no $img"; return; }
	h=$(readelf -hW "$img")
	l=$(readelf -lW "$img")
	grep -q 'Type:[[:space:]]*EXEC' <<<"$h" || note_fail "not ET_EXEC: $(grep Type: <<<"$h")"
	grep -qE '^\s+(INTERP|DYNAMIC)\s' <<<"$l" && note_fail "has INTERP or DYNAMIC"
	[[ $(awk '$1 == "LOAD" { print $3; exit }' <<<"$l") == 0x0000000000100000 ]] ||
		note_fail "first LOAD is not at 1 MiB: $(grep -m1 LOAD <<<"$l")"
	grep -qE '^\s+NOTE\s' <<<"$l" || note_fail "no NOTE segment (the keel ABI note)"
}

build_keel_cc_refuses_pie() {
	run_host "$KEEL_CC" -shared -o "$W/x.so" tests/guest/hello.c
	expect_status 2
	expect_err_has "static, non-PIE"
	[[ ! -e $W/x.so ]] || note_fail "it wrote $W/x.so"
}

# keel-cc links libraries from keel's lib directory and the -L options
# only: neither gcc's search path (its directories, LIBRARY_PATH) nor
# ld's built-in one may hand a keel image the host's glibc archives
# (configure scripts probe -lz, -lreadline, ... and would find them).
build_keel_cc_no_host_libs() {
	local d=$W/hostlib
	mkdir -p "$d"
	printf 'int keel_probe_sym(void) { return 7; }\n' >"$d/probe.c"
	printf 'int keel_probe_sym(void);\nint main(void) { return keel_probe_sym(); }\n' >"$d/main.c"
	gcc -c -o "$d/probe.o" "$d/probe.c" && ar rcs "$d/libkeelprobe.a" "$d/probe.o" ||
		{ note_fail "cannot make the probe archive"; return; }
	LIBRARY_PATH=$d run_host "$KEEL_CC" -o "$d/a" "$d/main.c" -lkeelprobe
	[[ $status != 0 ]] || note_fail "keel-cc found -lkeelprobe through LIBRARY_PATH"
	run_host "$KEEL_CC" -o "$d/b" "$d/main.c" -L"$d" -lkeelprobe
	[[ $status == 0 ]] || note_fail "keel-cc -L$d -lkeelprobe failed: the control is broken$(first_err)"
	# libanl.a: glibc's (libc6-dev), in ld's default directories; musl has none.
	if [[ -e /usr/lib/x86_64-linux-gnu/libanl.a ]]; then
		run_host "$KEEL_CC" -o "$d/c" tests/guest/hello.c -lanl
		[[ $status != 0 ]] || note_fail "keel-cc linked the host's glibc libanl.a"
		expect_err_has "cannot find -lanl"
	fi
}

# keel-cc links lwIP and keel's glue from archives, by reference: an
# image that never starts the network or makes a socket has none of it;
# one that does, has (the control that the search works): keel's
# socket() refers to the glue that starts lwIP at boot.
build_lwip_only_where_used() {
	local img syms
	for img in hello netecho lwip-ping sock-echo; do
		[[ -x $TB/guest/$img ]] || { note_fail "no $TB/guest/$img"; return; }
	done
	for img in hello netecho; do
		syms=$(nm "$TB/guest/$img")
		grep -qwE 'lwip_init|keel_net_start|tcp_input' <<<"$syms" &&
			note_fail "$img contains lwIP though it never starts the network"
	done
	syms=$(nm "$TB/guest/lwip-ping")
	grep -qw lwip_init <<<"$syms" || note_fail "lwip-ping has no lwip_init: the search is broken"
	syms=$(nm "$TB/guest/sock-echo")
	grep -qw keel_lwip_boot <<<"$syms" && grep -qw tcp_input <<<"$syms" ||
		note_fail "sock-echo makes sockets but has no keel_lwip_boot or tcp_input"
}
