# A hostile guest on the KVM monitor's network device (monitor/net.c):
# sourced by tests/run.sh after cases.sh (hostile guests, expect_clean_end).

# tests/guest/hostile.c "net" drives the virtio-net rings itself, with the
# tap in a namespace of its own (tests/net/hostile-net.sh): rings refused
# (-EINVAL) and, once both are set up, -EBUSY; transmit chains outside
# memory, device-writable, too long, looping, too short or too big, heads
# past the ring, crafted TCP trains for the segment merging and random
# frames: each handed back; receive buffers that are readable, too small
# or outside memory: handed back empty and never written. Then ARP works
# both ways. The monitor must send exactly the frames the guest says are
# for the host, none of the refused ones (tcpdump, when there is one),
# and end cleanly.
guest hostile-net kvm
case_hostile_net() {
	if ! command -v ip >/dev/null || [[ ! -c /dev/net/tun ]]; then
		skip_reason="skipped: needs ip(8) and /dev/net/tun"
		return
	fi
	if [[ $(id -u) != 0 ]]; then
		skip_reason="skipped: network namespaces need root"
		return
	fi
	if [[ ! -x $TB/guest/hostile || ! -x $TB/tools/reap ]]; then
		note_fail "hostile or reap did not build: $(grep -hm1 -i error "$TB/guest/hostile.log" "$TB/tools/reap.log" 2>/dev/null)"
		return
	fi
	limit=60
	run_host tests/net/hostile-net.sh "$KEEL_RUN" "$TB/guest/hostile" "$TB/tools/reap"
	expect_clean_end
	expect_ok
	expect_out_line "arp before: 10.77.0.1 answered \([0-9]+ requests\)"
	expect_out_line "arp after: 10.77.0.1 answered \([0-9]+ requests\)"
	local want sent
	want=$(sed -n 's/^tx: \([0-9]*\) frames for the host$/\1/p' "$out")
	sent=$(sed -nE 's/^keel-run: kvm: net: ([0-9]+) frames sent as [0-9]+ host packets.*/\1/p' "$err")
	[[ -n $want && $want == "$sent" ]] ||
		note_fail "the monitor sent ${sent:-no} frames, the guest offered ${want:-no} it must pass on"
	local cap
	cap=$(grep -a '^capture: ' "$err")
	[[ -z $cap || $cap =~ ^capture:\ [0-9]+\ frames\ \([0-9]+\ dropped\),\ 0\ with\ the\ refused\ marker$ ]] ||
		note_fail "on the tap: $cap"
}
