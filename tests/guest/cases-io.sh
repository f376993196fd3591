# Guest tests of pipes, eventfd, timerfd and the readiness calls (poll,
# select, epoll): sourced by tests/run.sh.

guest pipe all
case_pipe() {
	run pipe
	expect_ok
}

guest poll all
case_poll() {
	run poll
	expect_ok
	expect_err_empty
}

# The console in poll and select: input that is there, then its end.
guest poll-stdin all
case_poll_stdin() {
	input=(printf abc)
	run poll stdin
	expect_ok
}

# Input that comes late: poll times out first, then wakes for it.
guest poll-stdin-late all
case_poll_stdin_late() {
	input=(bash -c 'sleep 0.6; printf abc')
	run poll stdin-late
	expect_ok
	expect_elapsed 0.6 5
}

guest eventfd all
case_eventfd() {
	run eventfd
	expect_ok
	expect_err_empty
}

guest epoll all
case_epoll() {
	run epoll
	expect_ok
	expect_err_empty
}

# The console in an epoll instance: its input, then its end.
guest epoll-stdin all
case_epoll_stdin() {
	input=(printf abc)
	run epoll stdin
	expect_ok
}

# Input that arrives while the program sleeps, fd 0 in an instance: the
# machine idles all the same (no spinning on input nobody reads yet).
guest epoll-stdin-idle all
case_epoll_stdin_idle() {
	input=(bash -c 'sleep 0.6; printf abc; sleep 2')
	run epoll stdin-idle
	expect_ok
}

guest timerfd all
case_timerfd() {
	run timerfd
	expect_ok
	expect_err_empty
}
