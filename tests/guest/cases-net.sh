# Guest tests of the socket layer (sys/socket.c): sourced by tests/run.sh.

# No --net: socket() is refused honestly, other fds are not sockets.
guest sock-none all
case_sock_none() {
	run sock-none
	expect_ok
	expect_err $'keel: socket: no network (start with keel-run --net=...)\n'
}
