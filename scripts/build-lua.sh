#!/bin/sh
# Build the Lua 5.4 interpreter as a keel image: Debian's lua5.4 source,
# unmodified C, compiled and linked by keel-cc through Lua's own plain
# Makefile (`make linux CC=keel-cc`). The proof that an ordinary program
# builds for keel as it would for Linux; tests/guest/cases-apps.sh runs it.
#
#   scripts/build-lua.sh BUILDDIR
#
# Needs BUILDDIR/bin/keel-cc (make all). Source in BUILDDIR/src/lua5.4
# (verified, as fetched), build tree in BUILDDIR/apps-build/lua, image
# BUILDDIR/apps/lua. Re-running only recompiles what changed: relinks
# when keel.o or keel-cc is newer than the image, rebuilds when libc.a
# is.
#
# Debian's patches are applied (the CVE fixes among them) except the two
# that fit Lua to Debian's packaging: 0001 replaces the Makefile with a
# libtool one building shared libraries, 0002 adds /usr/lib/<multiarch>
# module paths through a header debian/rules generates. Both are
# reverted in the build tree, which restores upstream's plain Makefile
# and luaconf.h paths; no C source differs from Debian's.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
src=$build/src/lua5.4
tree=$build/apps-build/lua
out=$build/apps/lua
cc=$build/bin/keel-cc

LUA_VERSION=5.4.4-3+deb12u1
LUA_DSC_SHA256=d47c50154294a68c8a209c5d61bc09e5b22891c01b7c47501ac3f9725eb4a813
"$top/scripts/fetch-src.sh" lua5.4 "$LUA_VERSION" "$LUA_DSC_SHA256" "$src"

[ -x "$cc" ] || { echo "build-lua: no $cc (run make all first)" >&2; exit 1; }

# A new libc (headers may differ) or source: start the tree afresh.
if [ ! -f "$tree/.keel-tree" ] || [ "$build/lib/libc.a" -nt "$tree/.keel-tree" ] ||
	[ "$src/.keel-verified" -nt "$tree/.keel-tree" ]; then
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	cp -R "$src" "$tree"
	(cd "$tree" && for p in 0002-lua-modules-paths 0001-build-system; do
		patch -R -s -p1 <debian/patches/$p.patch || exit 1
	done) || { echo "build-lua: cannot revert Debian's packaging patches" >&2; exit 1; }
	touch "$tree/.keel-tree"
fi
# keel.o is linked into every image: relink when it or keel-cc changed.
if [ -f "$tree/src/lua" ] && { [ "$build/lib/keel.o" -nt "$tree/src/lua" ] || [ "$cc" -nt "$tree/src/lua" ]; }; then
	rm -f "$tree/src/lua" "$tree/src/luac"
fi

log=$build/apps-build/lua.log
if ! make -C "$tree" -j"$(nproc)" linux CC="$cc -std=gnu99" >"$log" 2>&1; then
	tail -20 "$log" >&2
	echo "build-lua: failed; full log in $log" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
cp "$tree/src/lua" "$out.tmp"
mv -f "$out.tmp" "$out"
echo "build-lua: $out (Lua $LUA_VERSION, built with keel-cc)"
