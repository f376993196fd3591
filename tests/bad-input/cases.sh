# keel-run and bad input: sourced by tests/run.sh, which runs each
# bad_NAME function as the test bad-input/NAME. Every refusal is exit
# status 2 with exactly one line on stderr, "keel-run: ...", and nothing
# on stdout. bad_prepare makes the spoiled images in build/tests/bad-input.

BAD_TESTS=(missing-file directory empty-file text-file host-binary host-static-binary
	truncated-header truncated-headers truncated-segment corrupt-phdr overlapping-segments
	no-keel-note other-abi-version elf32 wrong-machine
	unknown-flag mem-abc mem-1K mem-out-of-range mem-too-small-for-image
	mem-too-small-for-big-image target-bogus no-image options-but-no-image timeout-bad env-bad
	help version)

BI=$W/bad-input # this run's spoiled images
GOOD=$TB/guest/hello
HOST_STATIC=$TB/bad-input/host-static # kept between runs

# poke FILE OFFSET HEX: overwrites bytes of FILE at OFFSET (hex pairs,
# "ff00..."), with printf and dd.
poke() {
	printf "$(sed 's/../\\x&/g' <<<"$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; } # FILE OFFSET
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
u16() { od -An -t u2 -j "$2" -N 2 "$1" | tr -d ' '; }

# The offset of the first program header of TYPE (1 LOAD, 4 NOTE) after
# the one at index SKIP.
phdr_of() { # FILE TYPE [NTH]
	local f=$1 type=$2 nth=${3:-0} phoff phnum i
	phoff=$(u64 "$f" 32)
	phnum=$(u16 "$f" 56)
	for ((i = 0; i < phnum; i++)); do
		if [[ $(u32 "$f" $((phoff + 56 * i))) == "$type" ]]; then
			((nth-- == 0)) && { echo $((phoff + 56 * i)); return; }
		fi
	done
	echo "no program header of type $type in $f" >&2
	return 1
}

le64() { printf '%016x' "$1" | sed 's/\(..\)/\1 /g' | awk '{ for (i = NF; i; i--) printf "%s", $i }'; }

bad_prepare() {
	local ph ph2 note
	mkdir -p "$BI"
	printf 'This is a text file, not a keel image.\n' >"$BI/text"
	: >"$BI/empty"
	head -c 40 "$GOOD" >"$BI/truncated-header"
	head -c 200 "$GOOD" >"$BI/truncated-headers"
	head -c $(($(stat -c %s "$GOOD") / 2)) "$GOOD" >"$BI/truncated-segment"

	# The first PT_LOAD's file offset, far past the end of the file.
	cp "$GOOD" "$BI/corrupt-phdr"
	ph=$(phdr_of "$BI/corrupt-phdr" 1) && poke "$BI/corrupt-phdr" $((ph + 8)) ffffffffffffff7f

	# The second PT_LOAD moved onto the first.
	cp "$GOOD" "$BI/overlap"
	ph=$(phdr_of "$BI/overlap" 1 0) && ph2=$(phdr_of "$BI/overlap" 1 1) &&
		poke "$BI/overlap" $((ph2 + 16)) "$(le64 "$(u64 "$BI/overlap" $((ph + 16)))")"

	# No PT_NOTE (type PT_NULL): no keel note to be found.
	cp "$GOOD" "$BI/no-note"
	ph=$(phdr_of "$BI/no-note" 4) && poke "$BI/no-note" "$ph" 00000000

	# The note's ABI version (the descriptor's first word) set to 2.
	cp "$GOOD" "$BI/abi2"
	ph=$(phdr_of "$BI/abi2" 4) && note=$(u64 "$BI/abi2" $((ph + 8))) &&
		poke "$BI/abi2" $((note + 20)) 02000000

	cp "$GOOD" "$BI/elf32"
	poke "$BI/elf32" 4 01
	cp "$GOOD" "$BI/aarch64"
	poke "$BI/aarch64" 18 b700

	# A static Linux executable that is not a keel image.
	if [[ ! -x $HOST_STATIC ]]; then
		mkdir -p "$(dirname "$HOST_STATIC")"
		printf 'int main(void) { return 0; }\n' >"$BI/host-static.c"
		gcc -static -O2 -o "$HOST_STATIC.$$" "$BI/host-static.c" >"$BI/host-static.log" 2>&1 &&
			mv -f "$HOST_STATIC.$$" "$HOST_STATIC"
	fi
}

# Refused: status 2, one "keel-run: " line, nothing on stdout; the line
# mentions each of the words given.
expect_refused() {
	local w
	expect_status 2
	expect_err_lines 1
	grep -q '^keel-run: ' "$err" || note_fail "stderr does not start with 'keel-run: ': $(show "$err")"
	[[ -s $out ]] && note_fail "stdout is not empty: $(show "$out")"
	for w; do expect_err_has "$w"; done
}

kr() { run_host "$KEEL_RUN" "$@"; }

bad_missing_file() {
	kr /nonexistent/keel-image
	expect_refused /nonexistent/keel-image "No such file"
}

bad_directory() {
	kr "$BI"
	expect_refused "not a regular file"
}

bad_empty_file() {
	kr "$BI/empty"
	expect_refused "not an ELF"
}

bad_text_file() {
	kr "$BI/text" arg
	expect_refused "not an ELF"
}

bad_host_binary() {
	local t
	t=$(type -P true)
	kr "$t"
	expect_refused "keel image"
}

bad_host_static_binary() {
	if [[ ! -x $HOST_STATIC ]]; then
		skip_reason="skipped: cannot link a static host program ($(head -1 "$BI/host-static.log"))"
		return
	fi
	kr "$HOST_STATIC"
	expect_refused "not a keel image" "keel ABI note"
}

bad_truncated_header() {
	kr "$BI/truncated-header"
	expect_refused "truncated"
}

bad_truncated_headers() {
	kr "$BI/truncated-headers"
	expect_refused "ELF"
}

bad_truncated_segment() {
	kr "$BI/truncated-segment"
	expect_refused "truncated"
}

bad_corrupt_phdr() {
	kr "$BI/corrupt-phdr"
	expect_refused "segment 0" "beyond the end"
}

bad_overlapping_segments() {
	kr "$BI/overlap"
	expect_refused "overlap"
}

bad_no_keel_note() {
	kr "$BI/no-note"
	expect_refused "not a keel image"
}

bad_other_abi_version() {
	kr "$BI/abi2"
	expect_refused "ABI version 2"
}

bad_elf32() {
	kr "$BI/elf32"
	expect_refused "x86-64"
}

bad_wrong_machine() {
	kr "$BI/aarch64"
	expect_refused "x86-64"
}

bad_unknown_flag() {
	kr --bogus "$GOOD"
	expect_refused "--bogus"
}

bad_mem_abc() {
	kr --mem=abc "$GOOD"
	expect_refused "--mem" "abc"
}

bad_mem_1K() {
	kr --mem=1K "$GOOD"
	expect_refused "--mem"
}

bad_mem_out_of_range() {
	kr --mem=100G "$GOOD"
	expect_refused "--mem"
}

bad_mem_too_small_for_image() {
	kr --mem=2M "$GOOD"
	expect_refused "too small"
}

bad_mem_too_small_for_big_image() {
	kr --mem=8M "$TB/guest/bigimage" 8
	expect_refused "too small" "bigimage"
}

bad_target_bogus() {
	kr --target=bogus "$GOOD"
	expect_refused "bogus"
}

bad_no_image() {
	kr
	expect_refused "no image"
}

bad_options_but_no_image() {
	kr --stats --mem=16M
	expect_refused "no image"
}

bad_timeout_bad() {
	kr --timeout=abc "$GOOD"
	expect_refused "--timeout"
	kr --timeout=0 "$GOOD"
	expect_refused "--timeout"
}

bad_env_bad() {
	kr --env=NOEQUALS "$GOOD"
	expect_refused "--env"
}

bad_help() {
	local o w
	for o in --help -h; do
		kr "$o"
		expect_status 0
		expect_err_empty
		for w in --mem --target --stats --timeout --env --initrd; do
			expect_out_has "$w"
		done
	done
}

bad_version() {
	kr --version
	expect_status 0
	expect_err_empty
	expect_out_line "keel-run [0-9]+\.[0-9]+\.[0-9]+.*"
	[[ $(wc -l <"$out") == 1 ]] || note_fail "more than one line: $(show "$out")"
}

# ---- --initrd=DIR|FILE -------------------------------------------------------

BAD_TESTS+=(initrd-missing initrd-empty-arg initrd-garbage initrd-empty-file initrd-gzip
	initrd-tar initrd-corrupt initrd-dotdot initrd-fifo initrd-device initrd-unreadable
	initrd-too-large initrd-too-large-dir initrd-too-many-entries initrd-is-a-device)

# newc NAME MODE DATA: one cpio newc entry (header, name, data, padding).
newc() {
	local name=$1 mode=$2 data=$3 h
	h=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		1 "$mode" 0 0 1 0 ${#data} 0 0 0 0 $((${#name} + 1)) 0)
	printf '%s%s\0' "$h" "$name"
	head -c $(((4 - (110 + ${#name} + 1) % 4) % 4)) /dev/zero
	printf '%s' "$data"
	head -c $(((4 - ${#data} % 4) % 4)) /dev/zero
}

bad_initrd_missing() {
	kr --initrd=/nonexistent/site "$GOOD"
	expect_refused "--initrd=/nonexistent/site" "No such file"
}

bad_initrd_empty_arg() {
	kr --initrd= "$GOOD"
	expect_refused "--initrd"
}

bad_initrd_garbage() {
	kr --initrd="$BI/text" "$GOOD"
	expect_refused "--initrd=" "neither a cpio archive in newc format nor a tar archive"
}

bad_initrd_empty_file() {
	kr --initrd="$BI/empty" "$GOOD"
	expect_refused "--initrd=" "empty"
}

bad_initrd_gzip() {
	gzip -c "$BI/text" >"$BI/text.gz"
	kr --initrd="$BI/text.gz" "$GOOD"
	expect_refused "compressed"
}

# A tar archive whose second header's checksum is spoiled.
bad_initrd_tar() {
	mkdir -p "$BI/tartree"
	printf 'x\n' >"$BI/tartree/x"
	tar -C "$BI/tartree" -cf "$BI/tree.tar" ./x ./x
	poke "$BI/tree.tar" $((1024 + 148)) 3737373737373700
	kr --initrd="$BI/tree.tar" "$GOOD"
	expect_refused "bad tar archive" "byte 1024" "checksum"
}

# A good entry, then one whose size runs past the end of the file.
bad_initrd_corrupt() {
	{ newc a $((0100644)) x; newc b $((0100644)) yyyy; newc 'TRAILER!!!' 0 ''; } >"$BI/corrupt.cpio"
	# b's filesize field: the second header starts at 116, fields at +6
	poke "$BI/corrupt.cpio" $((116 + 6 + 6 * 8)) "$(printf 'FFFFFF00' | od -An -tx1 | tr -d ' \n')"
	kr --initrd="$BI/corrupt.cpio" "$GOOD"
	expect_refused "bad cpio archive" '"b"' "past the end"
}

bad_initrd_dotdot() {
	{ newc ../escape $((0100644)) x; newc 'TRAILER!!!' 0 ''; } >"$BI/dotdot.cpio"
	kr --initrd="$BI/dotdot.cpio" "$GOOD"
	expect_refused "bad cpio archive" '".."'
}

bad_initrd_fifo() {
	mkdir -p "$BI/fifotree/sub"
	printf 'x\n' >"$BI/fifotree/ok"
	[[ -p $BI/fifotree/sub/pipe ]] || mkfifo "$BI/fifotree/sub/pipe"
	kr --initrd="$BI/fifotree" "$GOOD"
	expect_refused "fifotree/sub/pipe" "FIFO"
}

bad_initrd_device() {
	if [[ $(id -u) != 0 ]]; then
		skip_reason="skipped: making a device node needs root"
		return
	fi
	mkdir -p "$BI/devtree"
	[[ -c $BI/devtree/null ]] || mknod "$BI/devtree/null" c 1 3
	kr --initrd="$BI/devtree" "$GOOD"
	expect_refused "devtree/null" "device"
	# and in an archive
	{ newc null $((0020644)) ''; newc 'TRAILER!!!' 0 ''; } >"$BI/dev.cpio"
	kr --initrd="$BI/dev.cpio" "$GOOD"
	expect_refused "bad cpio archive" "device"
}

# A file keel-run may not read (as root: keel-run runs as nobody).
bad_initrd_unreadable() {
	local d as=()
	if [[ $(id -u) == 0 ]]; then
		command -v setpriv >/dev/null ||
			{ skip_reason="skipped: as root, this needs setpriv to drop privileges"; return; }
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	d=$(mktemp -d /tmp/keel-initrd.XXXXXX) || return
	chmod 755 "$d"
	mkdir "$d/tree"
	printf 'secret\n' >"$d/tree/secret"
	chmod 000 "$d/tree/secret"
	cp "$GOOD" "$d/hello" && chmod 755 "$d/hello"
	run_host "${as[@]}" "$KEEL_RUN" --initrd="$d/tree" "$d/hello"
	rm -rf "$d"
	expect_refused "cannot read" "tree/secret" "Permission denied"
}

# 3 MiB of archive cannot fit in 4M beside the image and keel's 2 MiB.
bad_initrd_too_large() {
	{ newc big $((0100644)) "$(head -c 3145728 /dev/zero | tr '\0' x)"; newc 'TRAILER!!!' 0 ''; } >"$BI/big.cpio"
	kr --mem=4M --initrd="$BI/big.cpio" "$GOOD"
	expect_refused "--initrd=" "does not fit in --mem=4096K"
	kr --mem=8M --initrd="$BI/big.cpio" --target=linux "$GOOD"
	expect_status 0
}

bad_initrd_too_large_dir() {
	mkdir -p "$BI/bigtree"
	head -c 3145728 /dev/zero >"$BI/bigtree/big"
	kr --mem=4M --initrd="$BI/bigtree" "$GOOD"
	expect_refused "--initrd=" "does not fit"
}

# 5000 empty files: a small archive, but their nodes in the guest count.
bad_initrd_too_many_entries() {
	local i
	if [[ ! -e $BI/manytree/f4999 ]]; then
		mkdir -p "$BI/manytree"
		for ((i = 0; i < 5000; i++)); do : >"$BI/manytree/f$i"; done
	fi
	kr --mem=4M --initrd="$BI/manytree" "$GOOD"
	expect_refused "--initrd=" "its tree in the guest" "do not fit"
	kr --mem=8M --initrd="$BI/manytree" --target=linux "$GOOD"
	expect_status 0
}

bad_initrd_is_a_device() {
	kr --initrd=/dev/null "$GOOD"
	expect_refused "--initrd=/dev/null" "not a directory or a regular file"
}
