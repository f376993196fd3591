#!/bin/sh
# Build SQLite's shell (sqlite3) as a keel image: Debian's sqlite3
# source with Debian's patches, unmodified, configured by its own
# autoconf script with CC=keel-cc and built by its Makefile.
# tests/guest/cases-apps.sh runs it.
#
#   scripts/build-sqlite.sh BUILDDIR
#
# Needs BUILDDIR/bin/keel-cc (make all) and tclsh (Debian's tcl: the
# build generates the amalgamation, sqlite3.c, with Tcl scripts). Source
# in BUILDDIR/src/sqlite3 (verified, as fetched), build tree
# BUILDDIR/apps-build/sqlite3, image BUILDDIR/apps/sqlite3. Re-running
# only redoes what changed: relinks when keel.o or keel-cc is newer than
# the image, configures and builds afresh when libc.a is.
#
# keel is a cross target: --build/--host say so, so configure takes gcc
# for the programs the build runs on this machine (BCC), and
# CROSS_BUILDING=yes (the flag Debian's 30-cross.patch reads) builds
# lemon, the parser generator, with it too. (A keel image does run as a
# Linux process, but it sees keel's file system, not the host's.)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
src=$build/src/sqlite3
tree=$build/apps-build/sqlite3
out=$build/apps/sqlite3
cc=$build/bin/keel-cc

SQLITE_VERSION=3.40.1-2+deb12u2
SQLITE_DSC_SHA256=ee3459ae9d00939741c7708fc1b8ce1bde12d8c3fb1dfa005bbbc8651d884e23
"$top/scripts/fetch-src.sh" sqlite3 "$SQLITE_VERSION" "$SQLITE_DSC_SHA256" "$src"

[ -x "$cc" ] || { echo "build-sqlite: no $cc (run make all first)" >&2; exit 1; }
command -v tclsh >/dev/null 2>&1 || {
	echo "build-sqlite: no tclsh (Debian's tcl package; run scripts/deps.sh as root)" >&2
	exit 1
}

log=$build/apps-build/sqlite3.log
fail() {
	tail -20 "$log" >&2
	echo "build-sqlite: $1 failed; full log in $log" >&2
	exit 1
}

mkdir -p "$tree"
if [ ! -f "$tree/Makefile" ] || [ "$build/lib/libc.a" -nt "$tree/Makefile" ] ||
	[ "$src/.keel-verified" -nt "$tree/Makefile" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	(cd "$tree" && "$src/configure" --build=x86_64-pc-linux-gnu --host=x86_64-pc-linux-musl \
		CC="$cc" CFLAGS="-O2" --disable-shared --disable-tcl \
		--disable-readline --disable-editline) >"$log" 2>&1 || fail configure
fi
if [ -f "$tree/sqlite3" ] && { [ "$build/lib/keel.o" -nt "$tree/sqlite3" ] || [ "$cc" -nt "$tree/sqlite3" ]; }; then
	rm -f "$tree/sqlite3"
fi
make -C "$tree" -j"$(nproc)" CROSS_BUILDING=yes sqlite3 >>"$log" 2>&1 || fail make
mkdir -p "$(dirname "$out")"
cp "$tree/sqlite3" "$out.tmp"
mv -f "$out.tmp" "$out"
echo "build-sqlite: $out (SQLite $SQLITE_VERSION, built with keel-cc)"
