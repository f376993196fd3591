# Signals, timers, limits and identity (sourced by tests/run.sh; see
# cases.sh for the conventions).

guest signal-handlers all
case_signal_handlers() {
	run signal handlers
	expect_ok
	expect_err_empty
}

# The default actions end the machine with 128 + the signal and a line.
guest signal-abort all
case_signal_abort() {
	run signal abort
	expect_status 134
	expect_out_has "dying of abort"
	expect_out_lacks survived
	expect_err_has "keel: terminated by signal 6 (SIGABRT)"
}

guest signal-abort-handled all
case_signal_abort_handled() {
	run signal abort-handled
	expect_status 134
	expect_err_has "keel: terminated by signal 6 (SIGABRT)"
}

guest signal-term all
case_signal_term() {
	run signal term
	expect_status 143
	expect_out_lacks survived
	expect_err_has "keel: terminated by signal 15 (SIGTERM)"
}

guest signal-kill all
case_signal_kill() {
	run signal kill
	expect_status 137
	expect_err_has "keel: terminated by signal 9 (SIGKILL)"
}

guest signal-pipe all
case_signal_pipe() {
	run signal pipe
	expect_status 141
	expect_out_lacks survived
	expect_err_has "keel: terminated by signal 13 (SIGPIPE)"
}

# From another thread, to main asleep in sleep(10): no waiting it out.
guest signal-from-thread all
case_signal_from_thread() {
	run signal usr1-thread
	expect_status 138
	expect_elapsed 0 5
	expect_err_has "keel: terminated by signal 10 (SIGUSR1)"
}

guest signal-blocked-then-unblocked all
case_signal_blocked_then_unblocked() {
	run signal blocked-then-unblocked
	expect_status 143
	expect_out_has "still here while blocked"
	expect_out_lacks survived
}

# fork, vfork, execve, wait4 and waitid: ENOSYS, logged once each.
guest signal-processes all
case_signal_processes() {
	run signal proc
	expect_ok
	expect_err_has "keel: syscall 57 (fork) not implemented"
	expect_err_has "keel: syscall 59 (execve) not implemented"
	expect_err_has "keel: syscall 61 (wait4) not implemented"
	[[ $(grep -c "(fork)" "$errf") == 1 ]] || note_fail "fork logged more than once"
}

# alarm, setitimer and POSIX timers (about 2 s: alarm(1) twice).
guest timers all
case_timers() {
	run timers
	expect_ok
	expect_err_has "setitimer: ITIMER_VIRTUAL and ITIMER_PROF (CPU-time timers) are not supported"
	expect_elapsed 1 10
}

guest timers-alarm-dies all
case_timers_alarm_dies() {
	run timers alarm-dies
	expect_status 142
	expect_elapsed 0.95 5
	expect_out $'waiting\n'
	expect_err_has "keel: terminated by signal 14 (SIGALRM)"
}

# Resource limits, sysinfo against the budget, host name and ids.
guest limits all
case_limits() {
	run --mem=32M limits
	expect_ok
	expect_err_empty
}
