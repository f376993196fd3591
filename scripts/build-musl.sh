#!/bin/sh
# Build keel's libc: Debian's musl 1.2.3-1 with a new arch, keel.
#
#   scripts/build-musl.sh BUILDDIR
#
# arch/keel = arch/x86_64 + libc/arch/keel (our syscall seam). Every
# src/*/x86_64 assembly file that executes a raw syscall is left out and
# replaced by libc/src/*/keel (ours) or musl's generic C version; the
# rest (string, math, setjmp, fenv) is reused as is.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
src=$build/src/musl
out=$build

MUSL_VERSION=1.2.3-1
MUSL_DSC_SHA256=243a7462e9c751da662c4c61d4c96b6318c796ba302b72f6cdf74ea5427a9b4f
"$top/scripts/fetch-src.sh" musl "$MUSL_VERSION" "$MUSL_DSC_SHA256" "$src"

# The x86_64 files that contain a syscall instruction.
raw="src/thread/x86_64/clone.s src/thread/x86_64/syscall_cp.s
     src/thread/x86_64/__set_thread_area.s src/thread/x86_64/__unmapself.s
     src/process/x86_64/vfork.s src/signal/x86_64/restore.s"

cd "$src"
rm -rf arch/keel
cp -R arch/x86_64 arch/keel
cp "$top"/libc/arch/keel/*.h arch/keel/
for d in src/*/x86_64 crt/x86_64; do
	k=${d%/x86_64}/keel
	rm -rf "$k"
	mkdir -p "$k"
	for f in "$d"/*; do
		case " $(echo $raw) " in *" $f "*) continue ;; esac
		cp "$f" "$k/"
	done
done
(cd "$top/libc" && find src crt -type f 2>/dev/null) | while read -r f; do
	mkdir -p "$(dirname "$f")"
	cp "$top/libc/$f" "$f"
done

if [ ! -f config.mak ] || ! grep -q '^ARCH = keel' config.mak ||
	! grep -qx "prefix = $out" config.mak; then
	CFLAGS="-O2 -fno-stack-protector -fno-pie -ffunction-sections -fdata-sections" \
		CC=${CC:-gcc} AR=ar RANLIB=ranlib CROSS_COMPILE= ./configure --target=x86_64-linux-musl --prefix="$out" \
		--disable-shared --disable-wrapper >/dev/null
	sed -i 's/^ARCH = .*/ARCH = keel/' config.mak
fi
log=$build/musl-build.log
if ! { make -j"$(nproc)" && make install; } >"$log" 2>&1; then
	tail -30 "$log" >&2
	echo "build-musl: failed; full log in $log" >&2
	exit 1
fi

# Acceptance check: no instruction in keel's libc enters a kernel.
objdump -d "$out/lib/libc.a" >"$build/libc.dis"
if grep -E '\s(syscall|sysenter|int +\$0x80)\s*$' "$build/libc.dis" >&2; then
	echo "build-musl: libc.a contains a raw syscall instruction" >&2
	exit 1
fi
echo "build-musl: $out/lib/libc.a (arch keel, no syscall instructions)"
