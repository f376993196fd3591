# Sourced by the network tests: a network namespace of the test's own
# ($ns, named after $1), with loopback up and the tap $tap at 10.77.0.1/24,
# removed when the script exits. Nothing outside it is touched.
netns_up() {
	ns=$1
	tap=ktap0
	trap 'ip netns del "$ns" 2>/dev/null' EXIT
	ip netns add "$ns" || { echo "cannot create network namespace $ns" >&2; exit 3; }
	ip -n "$ns" link set lo up
	ip netns exec "$ns" ip tuntap add "$tap" mode tap || exit 3
	ip -n "$ns" addr add 10.77.0.1/24 dev "$tap"
	ip -n "$ns" link set "$tap" up
}

# The same namespace with loopback only (the --net=host tests: the host
# stack's ports stay private to it).
netns_lo_up() {
	ns=$1
	trap 'ip netns del "$ns" 2>/dev/null' EXIT
	ip netns add "$ns" || { echo "cannot create network namespace $ns" >&2; exit 3; }
	ip -n "$ns" link set lo up
}
