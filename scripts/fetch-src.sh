#!/bin/sh
# Fetch a pinned Debian source package into build/src/, verify it, unpack it.
#
#   scripts/fetch-src.sh PACKAGE VERSION SHA256-OF-DSC DESTDIR
#
# The .dsc lists the checksums of the tarballs and dpkg-source verifies
# them on unpack; pinning the .dsc's own SHA-256 here pins everything.
# Adds a deb-src entry for bookworm when the machine has none.
set -eu
pkg=$1 ver=$2 sum=$3 dest=$4
dl=$(dirname "$dest")/dl-$pkg
mkdir -p "$dl"

if [ -d "$dest" ] && [ -f "$dest/.keel-verified" ]; then exit 0; fi

. "$(dirname "$0")/deb-src.sh"
if ! command -v dpkg-source >/dev/null 2>&1 || ! have_deb_src; then
	if [ "$(id -u)" != 0 ]; then
		echo "fetch-src: need root once to add a deb-src entry and dpkg-dev (or run 'sudo make deps')" >&2
		exit 1
	fi
	have_deb_src || add_deb_src
	apt-get update -qq
	command -v dpkg-source >/dev/null 2>&1 || apt-get install -y -qq dpkg-dev >/dev/null
fi

dsc="${pkg}_${ver}.dsc"
if [ ! -f "$dl/$dsc" ]; then
	(cd "$dl" && apt-get source --download-only -qq "$pkg=$ver" >/dev/null 2>&1) || {
		(cd "$dl" && apt-get update -qq && apt-get source --download-only -qq "$pkg=$ver") || {
			echo "fetch-src: cannot download Debian source $pkg=$ver" >&2
			exit 1
		}
	}
fi
got=$(sha256sum "$dl/$dsc" | cut -d' ' -f1)
if [ "$got" != "$sum" ]; then
	echo "fetch-src: $dsc checksum mismatch: got $got, want $sum" >&2
	exit 1
fi
rm -rf "$dest"
dpkg-source --require-strong-checksums -x "$dl/$dsc" "$dest" >/dev/null
touch "$dest/.keel-verified"
echo "fetch-src: $pkg $ver unpacked and verified in $dest"
