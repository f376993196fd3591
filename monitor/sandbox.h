/* The monitor's own seccomp allow-list (monitor/sandbox.c). */
#ifndef KEEL_MONITOR_SANDBOX_H
#define KEEL_MONITOR_SANDBOX_H

/* After set-up the monitor needs only: KVM_RUN and a few vCPU ioctls
 * on vcpu_fd, console fds 0-2, a status byte to report_fd, reads,
 * writes and flushes of disk_fd, reads and writes of tap_fd and of the
 * eventfds kick_fd and wake_fd (the network thread) and sig_fd (signals
 * from outside; rt_sigaction for those six signals), ppoll, clocks,
 * getrandom, signals' return, and exit. Anything else traps and stops
 * keel-run with a line naming the call (status 159). The filter holds
 * every thread of the monitor. Returns 0 or -errno. */
int sandbox_enter(int vcpu_fd, int report_fd, int disk_fd, int tap_fd, int kick_fd, int wake_fd,
		  int sig_fd);

#endif
