#!/bin/sh
# Install the Debian packages keel's build, tests and benchmarks need.
#
#   scripts/deps.sh            install whatever is missing (root), or say
#                              what is missing and how to install it
#   scripts/deps.sh --check    only report; exit 1 if anything is missing
#   scripts/deps.sh --if-missing
#                              what `make` calls before building: a fast
#                              dpkg-query; installs only when something
#                              is missing (as root), and as another user
#                              fails only if the build itself cannot run
#
# Idempotent: with everything present it runs no apt-get at all. When it
# installs, it runs `apt-get update` once, non-interactively. It also
# makes sure a deb-src entry exists (scripts/fetch-src.sh needs one for
# `apt-get source musl`), so the one update covers the sources too.
set -eu

# To build: a C toolchain, and dpkg-source (dpkg-dev, xz-utils) plus the
# archive keyring for fetching Debian's musl source.
BUILD="gcc make binutils libc6-dev dpkg-dev xz-utils debian-archive-keyring"
# To test and benchmark: static musl reference programs (musl-tools),
# QEMU and its firmware for the VM targets, network namespaces (iproute2),
# an HTTP client (curl), a Markdown renderer for the website (cmark-gfm:
# cmark with GitHub's tables), cpio for the initrd tests' prepacked
# archive, for the web server's benchmark wrk and nginx (its anchor), and
# tclsh (tcl) for SQLite's build, which the apps tests run.
EXTRA="musl-tools qemu-system-x86 qemu-system-data seabios iproute2 iputils-ping curl cmark cmark-gfm cpio wrk nginx tcl"

mode=install
case ${1:-} in
--check) mode=check ;;
--if-missing) mode=if-missing ;;
"") ;;
-h | --help)
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 0 ;;
*)
	echo "deps.sh: unknown option '$1' (see --help)" >&2
	exit 2 ;;
esac

# Prints the packages of "$@" that are not installed.
missing() {
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null |
		awk '$2 == "ii" { print $1 }')
	for p in "$@"; do
		case " $(echo $installed) " in
		*" $p "*) ;;
		*) printf '%s ' "$p" ;;
		esac
	done
}

. "$(dirname "$0")/deb-src.sh"

need_build=$(missing $BUILD)
need_extra=$(missing $EXTRA)
need="$need_build$need_extra"

if [ -z "$need" ] && have_deb_src; then
	[ $mode = install ] && echo "deps.sh: every package keel needs is installed"
	exit 0
fi

if [ $mode = check ]; then
	[ -n "$need" ] && echo "deps.sh: missing packages: $need"
	have_deb_src || echo "deps.sh: no deb-src entry in /etc/apt/sources.list*"
	exit 1
fi

if [ "$(id -u)" != 0 ]; then
	[ -n "$need" ] && echo "deps.sh: missing packages: $need" >&2
	echo "deps.sh: run 'sudo make deps' (or 'sudo scripts/deps.sh') once" >&2
	# Tests and benchmarks skip or report what they lack; the build cannot.
	if [ $mode = if-missing ] && [ -z "$need_build" ]; then
		exit 0
	fi
	exit 1
fi

if ! have_deb_src; then
	add_deb_src
	echo "deps.sh: added a deb-src entry (/etc/apt/sources.list.d/keel-deb-src.sources)"
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: apt-get update"
apt-get update -qq
if [ -n "$need" ]; then
	echo "deps.sh: installing $need"
	apt-get install -y -qq --no-install-recommends $need >/dev/null
	case " $need " in
	*" nginx "*)
		# The benchmark runs nginx itself, in a namespace of its own;
		# Debian's package starts the system's on port 80: stop it.
		invoke-rc.d nginx stop >/dev/null 2>&1 || true ;;
	esac
	left=$(missing $need)
	if [ -n "$left" ]; then
		echo "deps.sh: still missing after apt-get install: $left" >&2
		exit 1
	fi
fi
echo "deps.sh: done"
