#!/bin/sh
# Build lwIP for keel: Debian's lwip 2.1.3+dfsg1-2, its core and IPv4
# (ARP, ICMP, UDP, TCP; what lwipopts.h leaves off compiles to nothing),
# configured by keel's net/lwip/lwipopts.h and net/lwip/arch/cc.h.
#
#   CC=... CFLAGS=... scripts/build-lwip.sh BUILDDIR
#
# CFLAGS are the ones keel's own image code is built with (musl's
# headers from BUILDDIR/include, no PIE). Produces BUILDDIR/lib/liblwip.a
# and installs lwIP's headers with keel's two into BUILDDIR/include
# (lwip/, netif/, arch/cc.h, lwipopts.h), where keel-cc finds them.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
src=$build/src/lwip
obj=$build/obj/lwip

LWIP_VERSION=2.1.3+dfsg1-2
LWIP_DSC_SHA256=8d8f944db8e6d542fc2d6f01559078fb1b5dda71651c67ee5fa3571ed1342c50
"$top/scripts/fetch-src.sh" lwip "$LWIP_VERSION" "$LWIP_DSC_SHA256" "$src"

inc=$build/include
mkdir -p "$inc/arch" "$obj" "$build/lib"
rm -rf "$inc/lwip" "$inc/netif"
cp -R "$src/src/include/lwip" "$src/src/include/netif" "$inc/"
cp "$top/net/lwip/lwipopts.h" "$inc/lwipopts.h"
cp "$top/net/lwip/arch/cc.h" "$inc/arch/cc.h"

files=$(cd "$src/src" && ls core/*.c core/ipv4/*.c netif/ethernet.c)
log=$build/lwip-build.log
: >"$log"
rm -f "$obj"/*.o
# lwIP's own code is not ours to warn about: only errors stop the build.
for f in $files; do
	o=$obj/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')
	echo "${CC:-gcc} ${CFLAGS:-} -w -I$src/src/include -c -o $o $src/src/$f"
done | xargs -P "$(nproc)" -I{} sh -c '{} >>'"$log"' 2>&1' || {
	tail -30 "$log" >&2
	echo "build-lwip: failed; full log in $log" >&2
	exit 1
}
rm -f "$build/lib/liblwip.a"
ar rcs "$build/lib/liblwip.a" "$obj"/*.o
# Images carry no debug info (like build/lib/keel.o); the objects keep it.
strip --strip-debug "$build/lib/liblwip.a"
echo "build-lwip: $build/lib/liblwip.a ($(echo $files | wc -w) files of lwIP $LWIP_VERSION)"
