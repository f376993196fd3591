# Guest tests of the socket layer (sys/socket.c): sourced by tests/run.sh.

# No --net: socket() is refused honestly, other fds are not sockets.
guest sock-none all
case_sock_none() {
	run sock-none
	expect_ok
	expect_err $'keel: socket: no network (start with keel-run --net=...)\n'
}

# ---- keel-run --net=host: the host's sockets (base/linux/hostnet.c) ------
# Each test runs in a network namespace of its own with loopback only
# (tests/net/in-netns.sh, host-echo.sh); 127.0.0.1 is the only address.

hostnet_skip() { # sets skip_reason when namespaces cannot be made here
	if ! command -v ip >/dev/null; then
		skip_reason="skipped: needs ip(8)"
	elif ! ip netns list >/dev/null 2>&1 || [[ $(id -u) != 0 ]]; then
		skip_reason="skipped: network namespaces need root"
	fi
}

# The socket calls on host sockets, both ends in the guest: names,
# EADDRINUSE, ECONNREFUSED, SO_RCVTIMEO, UDP, non-blocking accept with poll,
# poll and blocking accept in a thread while the main thread sleeps, 1 MiB written and
# closed at once arriving whole, EPIPE instead of the host's SIGPIPE;
# refused families, types and options say so once each.
guest hostnet linux
case_hostnet() {
	hostnet_skip
	[[ -n $skip_reason ]] && return
	limit=20
	run_host tests/net/in-netns.sh "$KEEL_RUN" --target=linux --net=host --timeout=15 \
		"$(image_path hostnet)"
	expect_ok
	expect_out_has "close: 1 MiB pending arrived, then EPIPE"
	expect_err "keel: socket: --net=host has AF_INET and AF_INET6 only (family 1 refused)
keel: socket: --net=host has stream and datagram sockets only (type 3 refused)
keel: setsockopt: level 1 option 25 is not passed to the host (--net=host passes the options in base/linux/host.h)
"
}

# The echo guest (tests/guest/sock-echo.c, the same image lwIP serves
# with) on the host's stack: 3 TCP connections of 1 MiB and 40
# datagrams of 1 to 4000 bytes from host clients (tests/tools/), after
# a second idle without spinning.
guest hostnet-echo linux
case_hostnet_echo() {
	hostnet_skip
	[[ -n $skip_reason ]] && return
	limit=40
	run_host tests/net/host-echo.sh "$KEEL_RUN" "$(image_path sock-echo)" "$TB/tools" serve
	expect_ok
	expect_out_line "listening on 127.0.0.1 [0-9]+"
	expect_err_has "tcp-echo: 3 of 3 connections echoed 1048576 bytes"
	expect_err_has "udp-echo: 40 of 40 echoed"
	expect_out_has "tcp: echoed 3145728 bytes on 3 connections, 3 closed"
	expect_out_line "udp: echoed (4[1-9]|[5-9][0-9]) datagrams" # and "bye"
	# three threads waiting on three host sockets cost no CPU when idle
	local idle
	idle=$(sed -n 's/^idle: \([0-9]*\) ticks$/\1/p' "$err")
	[[ -n $idle ]] || note_fail "no idle line: $(first_err)"
	((${idle:-99} <= 5)) || note_fail "the idle guest took $idle ticks of CPU in 1 s: it spins"
}

# The guest connects out to a listener on the host (the same echo code
# built for Linux, tests/tools/sock-echo.c).
guest hostnet-connect linux
case_hostnet_connect() {
	hostnet_skip
	[[ -n $skip_reason ]] && return
	limit=40
	run_host tests/net/host-echo.sh "$KEEL_RUN" "$(image_path sock-echo)" "$TB/tools" client
	expect_status 0
	expect_out_line "client: 2 connections echoed 1048576 bytes, [0-9.]+ MB/s"
	expect_out_line "rtt: 200 round trips of 64 bytes, [0-9.]+ us each"
	expect_err_has "host: tcp: echoed 2109952 bytes on 3 connections, 3 closed"
}

# Names with --net=host: the host's /etc/resolv.conf and /etc/hosts
# are keel's, so getaddrinfo asks the host's name server (a test one on
# 127.0.0.1, in namespaces of the test's own) and knows the host's names.
guest hostnet-dns linux
case_hostnet_dns() {
	hostnet_skip
	[[ -n $skip_reason ]] && return
	if ! command -v unshare >/dev/null; then
		skip_reason="skipped: needs unshare(1)"
		return
	fi
	limit=20
	run_host tests/net/host-dns.sh "$KEEL_RUN" "$(image_path hostnet-dns)" "$TB/tools"
	expect_ok
	expect_out_has "keel-dns.test: 127.0.0.42"
	expect_out_has "keel-hosts.test: 127.0.0.9"
	expect_err_has "dns-answer: keel-dns.test type 1: 127.0.0.42"
	expect_err_has "dns-answer: nowhere.test type 1: NXDOMAIN"
}

# The sandbox in host mode: raw calls get what the host stack uses and
# no more (base/linux/seccomp.c); inherited fds are closed first.
hostnet_refused() { # MODE NR NAME
	run --net=host hostnet-sandbox "$1"
	expect_status 159
	expect_err_lines 1
	expect_err_has "refused host system call $2 ($3)"
	expect_out_lacks "the sandbox let"
}
guest hostnet-sandbox linux
case_hostnet_sandbox() {
	local m
	for m in unix:41:socket raw:41:socket icmp:41:socket device:54:setsockopt \
		console:46:sendmsg getpid:39:getpid; do
		IFS=: read -r mode nr name <<<"$m"
		hostnet_refused "$mode" "$nr" "$name"
		[[ -n $reason ]] && { reason="$mode: $reason"; return; }
	done
	{ run --net=host hostnet-sandbox inherited; } 5</dev/null
	expect_ok
	run --net=host hostnet-sandbox inet
	expect_ok
	# without --net=host the same raw AF_INET socket is refused
	run hostnet-sandbox inet
	expect_status 159
	expect_err_has "refused host system call 41 (socket)"
}

# Bad input: the host's sockets exist only for the Linux-process base
# (and --target=auto with --net=host picks it, even where KVM is usable).
guest hostnet-not-vm linux
case_hostnet_not_vm() {
	local t
	run_host "$KEEL_RUN" --net=host "$(image_path uname)"
	expect_ok
	expect_out_line "version=keel [0-9.]+ on linux"
	for t in kvm qemu; do
		run_host "$KEEL_RUN" --target=$t --net=host "$(image_path hostnet)"
		expect_status 2
		expect_err "keel-run: --net=host needs --target=linux (the host's sockets are reachable only from the Linux-process base; on $t use --net=tap:IFNAME)
"
		expect_out ""
	done
}

# ---- sockets on lwIP inside the image (net/lwip/sock.c) -------------------
# Each runs the guest at 10.77.0.2/24 on a tap in a network namespace of
# its own, the host side inside it (tests/net/sock.sh).

net_skip() {
	if ! command -v ip >/dev/null || ! command -v ping >/dev/null || [[ ! -c /dev/net/tun ]]; then
		skip_reason="skipped: needs ip(8), ping(8) and /dev/net/tun"
		return 0
	fi
	return 1
}

# The echo guest (tests/guest/sock-echo.c, the image the host's stack
# serves with too) on lwIP: a TCP echo server (a thread per connection)
# and a UDP echo server, plain BSD sockets: 3 connections of 1 MiB and
# 40 datagrams of 1 to 4000 bytes echoed byte for byte.
guest sock-echo all
case_sock_echo() {
	net_skip && return
	limit=50
	run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" echo "$(image_path sock-echo)" \
		serve 0.0.0.0 7
	expect_ok
	expect_out_line "listening on 0.0.0.0 7"
	expect_err_has "tcp-echo: 3 of 3 connections echoed 1048576 bytes"
	expect_err_has "udp-echo: 40 of 40 echoed"
	expect_out_has "tcp: echoed 3145728 bytes on 3 connections, 3 closed"
	expect_out_line "udp: echoed (4[1-9]|[5-9][0-9]) datagrams"
}

# What a socket answers alone on lwIP: bind's errors, ephemeral ports,
# names, options, calls before a connection, refused kinds of socket;
# and the image's sockets reaching each other through 127.0.0.1 and
# through its own address.
guest sock-lwip-local all
case_sock_lwip_local() {
	net_skip && return
	limit=30
	run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" none "$(image_path sock-lwip)" local
	expect_ok
	expect_out_has "loopback: TCP and UDP to 127.0.0.1"
	expect_out_has "loopback: TCP and UDP to 10.77.0.2"
}

# keel-run's network address options: one clear line and status 2.
guest net-bad-address all
case_net_bad_address() {
	run --ip=10.77.0.2/24 hello
	expect_status 2
	expect_err $'keel-run: --ip needs --net=tap:IFNAME (the guest\'s own network stack)\n'
	run --net=tap:ktap0 --ip=10.77.0.2 hello
	expect_status 2
	expect_err $'keel-run: bad --ip \'10.77.0.2\' (an address and prefix length, A.B.C.D/N)\n'
	run --net=tap:ktap0 --dns=example.org hello
	expect_status 2
	expect_err $'keel-run: bad --dns \'example.org\' (an address, A.B.C.D)\n'
}

# The guest connects out to an echo server in the namespace
# (tests/tools/sock-echo): refused connections, a non-blocking connect
# finished with poll, SO_ERROR, names, a poll loop, MSG_PEEK,
# MSG_WAITALL, SO_RCVTIMEO expiring, shutdown, UDP with and without a
# peer, MSG_TRUNC, getaddrinfo on a numeric host and on localhost.
guest sock-lwip-client all
case_sock_lwip_client() {
	net_skip && return
	limit=50
	run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" client "$(image_path sock-lwip)" \
		client 10.77.0.1 7000
	expect_ok
	expect_out_has "client: all checks against 10.77.0.1:7000 done"
	expect_err_has "tcp: echoed 283156 bytes on 2 connections, 2 closed"
}

# A TCP and UDP echo server in one thread over poll(): 3 connections of
# 1 MiB and 40 datagrams.
guest sock-lwip-poll all
case_sock_lwip_poll() {
	net_skip && return
	limit=50
	run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" echo "$(image_path sock-lwip)" \
		pollserve 7
	expect_ok
	expect_err_has "tcp-echo: 3 of 3 connections echoed 1048576 bytes"
	expect_err_has "udp-echo: 40 of 40 echoed"
	expect_out_has "tcp: echoed 3145728 bytes on 3 connections, 3 closed"
}

# lwIP's memory spent by connections whose echoes nobody reads: a call
# fails with ENOMEM, ENOBUFS or EAGAIN (or a connect cannot finish),
# nothing panics, and once they are closed a new connection echoes.
guest sock-lwip-exhaust all
case_sock_lwip_exhaust() {
	net_skip && return
	limit=60
	run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" client "$(image_path sock-lwip)" \
		exhaust 10.77.0.1 7000
	expect_ok
	expect_out_line "exhaust: lwIP's memory spent after [0-9]+ connections"
	expect_out_has "exhaust: recovered: 100000 bytes echoed on a new connection"
}

# keel-run --dns: the guest's /etc/resolv.conf names the server, musl's
# resolver asks it over lwIP's UDP (tests/tools/dns-answer in the
# namespace); localhost comes from the /etc/hosts written at boot.
guest sock-lwip-dns all
case_sock_lwip_dns() {
	net_skip && return
	limit=40
	KEEL_RUN_OPTS="--ip=10.77.0.2/24 --gw=10.77.0.1 --dns=10.77.0.1" \
		run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" dns \
		"$(image_path sock-lwip)" dns 10.77.0.1
	expect_ok
	expect_out_has "keel-dns.test: 127.0.0.42"
	expect_out_has "nowhere.test: not found"
	expect_err_has "dns-answer: keel-dns.test type 1: 127.0.0.42"
}

# No --ip: the guest asks DHCP (tests/tools/dhcp-answer on the tap
# leases 10.77.0.50/24), says what it got, and serves there.
guest sock-lwip-dhcp all
case_sock_lwip_dhcp() {
	net_skip && return
	limit=50
	KEEL_RUN_OPTS= run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" dhcp \
		"$(image_path sock-echo)" serve 0.0.0.0 7
	expect_ok
	# keel's line is on stderr, or on qemu's one console
	cat "$out" "$err" | grep -qF "keel: network: 10.77.0.50/24 from DHCP, gateway 10.77.0.1" ||
		note_fail "no line saying what DHCP gave: $(show "$err")"
	expect_err_has "dhcp-answer: REQUEST -> ACK 10.77.0.50"
	expect_err_has "tcp-echo: 3 of 3 connections echoed 1048576 bytes"
	expect_err_has "udp-echo: 40 of 40 echoed"
}

# No --ip and no DHCP server: after 5 s one line says so, and the
# machine stops (exit 255) instead of running without an address.
guest sock-lwip-no-dhcp linux
case_sock_lwip_no_dhcp() {
	net_skip && return
	limit=20
	KEEL_RUN_OPTS= run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" none \
		"$(image_path sock-lwip)" local
	expect_status 255
	expect_err_has "keel: network: no DHCP answer on the net device within 5 s (give keel-run --ip=A.B.C.D/N)"
	expect_elapsed 5 15
}

# listen()'s backlog: with 2, two completed connections wait for
# accept and the SYNs of two more are dropped until there is room.
guest sock-lwip-backlog all
case_sock_lwip_backlog() {
	net_skip && return
	limit=40
	run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" backlog \
		"$(image_path sock-lwip)" backlog 7
	expect_ok
	expect_out_has "backlog: 2 of 4 connections queued, the other 2 came in later"
}

# Resets both ways (tests/tools/tcp-reset): the peer's RST is POLLERR,
# POLLHUP and ECONNRESET once; closing with unread data sends one.
guest sock-lwip-reset all
case_sock_lwip_reset() {
	net_skip && return
	limit=40
	run_host tests/net/sock.sh "$KEEL_RUN" "$target" "$TB/tools" reset "$(image_path sock-lwip)" \
		reset 7
	expect_ok
	expect_out_has "reset: ECONNRESET seen, and a close with unread data reset"
	expect_err_has "tcp-reset: the guest reset the connection"
}
