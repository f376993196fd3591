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

# ---- signals from outside the machine (a host kill of keel-run) ----
# tests/tools/signal-when-ready.sh waits for the image's "ready", then
# sends the signals to keel-run. The Linux base and keel's KVM monitor
# pass them in; under QEMU the host's default stands (QEMU's own).

# hostsig_run SIGNALS MODE
hostsig_run() {
	local path
	path=$(image_path hostsig)
	if [[ ! -x $path ]]; then
		note_fail "image hostsig did not build: $(grep -m1 -i error "$TB/guest/hostsig.log" 2>/dev/null)"
		status=none
		return
	fi
	run_host tests/tools/signal-when-ready.sh "$1" -- "$KEEL_RUN" --target="$target" "$path" "$2"
}

# A handler, the only thread in pause(): SIGTERM reaches it, the image
# ends as it chooses (status 0), not as the host would.
guest hostsig-term linux
guest hostsig-term kvm
case_hostsig_term() {
	limit=20
	hostsig_run TERM term
	expect_ok
	expect_out_has "got SIGTERM in pause"
	expect_elapsed 0 10
}

# A thread that never idles still takes it when a system call returns.
guest hostsig-busy linux
guest hostsig-busy kvm
case_hostsig_busy() {
	limit=20
	hostsig_run USR1 busy
	expect_ok
	expect_out_has "got SIGUSR1 after many system calls"
}

# SIG_IGN: the host ignores SIGINT too; then SIGTERM to a handler.
guest hostsig-ignore linux
guest hostsig-ignore kvm
case_hostsig_ignore() {
	limit=20
	hostsig_run INT,TERM ignore
	expect_ok
	expect_out_has "got SIGTERM in pause"
}

# No handler: the host's default ends keel-run at once, 128 + 15.
guest hostsig-default linux
guest hostsig-default kvm
case_hostsig_default() {
	limit=20
	hostsig_run TERM sleep
	expect_status 143
	expect_out_lacks survived
	expect_elapsed 0 10
}

# A handler while main sleeps and another thread blocks in read().
guest hostsig-thread linux
guest hostsig-thread kvm
case_hostsig_thread() {
	limit=20
	hostsig_run HUP thread
	expect_ok
	expect_out_has "got SIGHUP with a thread blocked"
}

# Under --timeout keel-run watches the image from a process of its own
# (the linux target forks, kvm always does): the signals from outside
# go on to the image, and keel-run killed outright takes it along.
guest hostsig-watched linux
guest hostsig-watched kvm
case_hostsig_watched() {
	local path
	limit=30
	path=$(image_path hostsig)
	run_host "$TB/tools/reap" 3 tests/tools/signal-when-ready.sh TERM -- \
		"$KEEL_RUN" --target="$target" --timeout=20 "$path" term
	expect_ok
	expect_out_has "got SIGTERM in pause"
	expect_clean_end
	run_host "$TB/tools/reap" 3 tests/tools/signal-when-ready.sh KILL -- \
		"$KEEL_RUN" --target="$target" --timeout=20 "$path" sleep
	expect_status 137
	expect_elapsed 0 10
	! grep -q 'still running' "$err" || note_fail "$(grep -m1 'still running' "$err")"
}
