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
		for w in --mem --target --stats --timeout --env; do
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
