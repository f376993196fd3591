# The initrd (keel-run --initrd=DIR|FILE, mounted read-only at
# /initrd): sourced by tests/run.sh like cases.sh. The tree is made
# once per run in the scratch directory; tests/guest/initrd.c checks
# it from inside.

# The tree: files (one of 1 MiB, one empty, one executable), nested
# directories, symlinks (relative, absolute, to a directory), a hard
# link and a directory of 300 entries. Prints big.bin's cksum.
initrd_tree() {
	local t=$W/initrd/tree i
	if [[ ! -d $t ]]; then
		mkdir -p "$t/sub/deeper" "$t/many"
		printf 'hello\n' >"$t/a.txt"
		touch -d @1600000000 "$t/a.txt"
		chmod 0644 "$t/a.txt"
		ln "$t/a.txt" "$t/hard.txt"
		: >"$t/empty"
		printf '#!/bin/sh\n' >"$t/run.sh"
		chmod 0755 "$t/run.sh"
		ln -s a.txt "$t/link"
		ln -s /initrd/a.txt "$t/abslink"
		ln -s sub "$t/dirlink"
		head -c 1048576 /dev/urandom >"$t/sub/big.bin"
		printf 'deep\n' >"$t/sub/deeper/x"
		for ((i = 0; i < 300; i++)); do
			printf 'f%03d\n' $i >"$t/many/$(printf 'f%03d' $i)"
		done
		cksum <"$t/sub/big.bin" | cut -d' ' -f1 >"$W/initrd/cksum"
	fi
	cat "$W/initrd/cksum"
}

# A directory, packed by keel-run itself.
guest initrd-dir all
case_initrd_dir() {
	local sum
	sum=$(initrd_tree)
	run --initrd="$W/initrd/tree" initrd "$sum"
	expect_ok
}

# The Linux base under --timeout execs the image, which maps the
# archive from the fd it inherits instead of keel-run's own process.
guest initrd-exec linux
case_initrd_exec() {
	local sum
	sum=$(initrd_tree)
	run --timeout=30 --initrd="$W/initrd/tree" initrd "$sum"
	expect_ok
}

# An archive made by cpio -o -H newc (which keeps the hard link).
guest initrd-cpio all
case_initrd_cpio() {
	local sum
	if ! command -v cpio >/dev/null; then
		skip_reason="skipped: no cpio (apt-get install cpio)"
		return
	fi
	sum=$(initrd_tree)
	[[ -s $W/initrd/tree.cpio ]] ||
		(cd "$W/initrd/tree" && find . | cpio -o -H newc --quiet >"$W/initrd/tree.cpio")
	run --initrd="$W/initrd/tree.cpio" initrd "$sum" cpio
	expect_ok
}

# A tar archive (GNU's format, tar's default), converted by keel-run;
# hard links become copies as in a packed directory.
guest initrd-tar all
case_initrd_tar() {
	local sum
	sum=$(initrd_tree)
	[[ -s $W/initrd/tree.tar ]] || tar -C "$W/initrd/tree" -cf "$W/initrd/tree.tar" .
	run --initrd="$W/initrd/tree.tar" initrd "$sum"
	expect_ok
}

# The archive counts against the budget, under its own name.
guest initrd-stats all
case_initrd_stats() {
	local sum kib
	sum=$(initrd_tree)
	run --stats --mem=16M --initrd="$W/initrd/tree" initrd "$sum"
	expect_ok
	kib=$(sed -n 's/^keel:   initrd   peak *\([0-9]*\) KiB.*/\1/p' "$errf" | head -1)
	[[ -n $kib ]] || note_fail "--stats shows no initrd line$(first_err)"
	# 1 MiB of data, 300 small files and the nodes of about 320 entries
	((kib >= 1100 && kib < 1600)) || note_fail "--stats shows $kib KiB of initrd, expected 1100-1600"
}

# Without --initrd there is no /initrd.
guest initrd-none all
case_initrd_none() {
	run initrd none
	expect_ok
}
