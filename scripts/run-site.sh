#!/bin/sh
# `make run`: boots the website unikernel, apps/httpd serving build/site
# from an initrd, and says where to open it. Stops with Ctrl-C.
#
#   scripts/run-site.sh [linux|kvm]      (make run [TARGET=kvm] [PORT=N])
#
# linux (default): the Linux-process base with the host's network stack
#   (--net=host), listening on 127.0.0.1:PORT; no root needed.
# kvm: the same image on KVM with lwIP inside it, over a tap device in a
#   network namespace this script creates (needs root and /dev/kvm); the
#   page is fetched from inside that namespace.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
target=${1:-linux}
port=${PORT:-8080}
ns=keel-site
tap=keel-site0
guest_ip=10.77.0.2
host_ip=10.77.0.1

case $target in
linux)
	echo "keel: starting the website unikernel on the linux base (--net=host)"
	echo "keel: open http://127.0.0.1:$port/ in a browser; Ctrl-C stops it"
	"$B/bin/keel-run" --target=linux --net=host --initrd="$B/site" \
		"$B/apps/httpd" -a 127.0.0.1 -p "$port" &
	child=$!
	trap 'kill $child 2>/dev/null; wait $child; exit 0' INT TERM
	status=0
	wait $child || status=$?
	if [ $status != 0 ]; then
		echo "run-site: the server stopped with status $status; if port $port is taken, try: make run PORT=9000" >&2
		exit $status
	fi
	;;
kvm)
	if [ "$(id -u)" != 0 ]; then
		echo "run-site: TARGET=kvm creates a network namespace and a tap device: run it as root" >&2
		exit 2
	fi
	if [ ! -w /dev/kvm ]; then
		echo "run-site: no usable /dev/kvm; use 'make run' (the linux base) instead" >&2
		exit 2
	fi
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	trap 'ip netns del "$ns" 2>/dev/null || true' EXIT INT TERM
	ip -n "$ns" link set lo up
	ip -n "$ns" tuntap add "$tap" mode tap
	ip -n "$ns" addr add "$host_ip/24" dev "$tap"
	ip -n "$ns" link set "$tap" up
	echo "keel: starting the website unikernel on KVM (lwIP on $tap in namespace $ns)"
	echo "keel: fetch it with:  sudo ip netns exec $ns curl http://$guest_ip:$port/"
	echo "keel: Ctrl-C stops it"
	# In the background, so that a TERM or INT to this script stops it
	# at once (a shell runs its traps only after a foreground command).
	ip netns exec "$ns" "$B/bin/keel-run" --target=kvm --net=tap:"$tap" \
		--ip="$guest_ip/24" --initrd="$B/site" "$B/apps/httpd" -p "$port" &
	child=$!
	trap 'kill $child 2>/dev/null; wait $child; ip netns del "$ns" 2>/dev/null; exit 0' INT TERM
	wait $child || true
	;;
*)
	echo "run-site: unknown target '$target' (linux or kvm)" >&2
	exit 2
	;;
esac
