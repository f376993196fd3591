/*
 * The platform contract: everything keel's core (sys/) needs from the
 * machine it booted on. A base (base/linux, base/pvh, the KVM monitor's
 * guest side) is exactly an implementation of struct keel_platform plus
 * an entry point that fills struct keel_boot and calls keel_start().
 *
 * Conventions for every call below:
 *  - errors are negative errno values (-ENODEV, -EAGAIN, ...);
 *  - buffers passed in are owned by the caller and are not kept after
 *    the call returns unless the comment says so;
 *  - calls never block unless the comment says they wait;
 *  - times are nanoseconds; deadlines are absolute monotonic times.
 */
#ifndef KEEL_PLATFORM_H
#define KEEL_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Events a base can wake up for (wait_until's mask and result). */
#define KEEL_EV_CONSOLE 0x1u /* console input is readable */
#define KEEL_EV_NET 0x2u     /* a net device has frames or tx room */
#define KEEL_EV_BLOCK 0x4u   /* a block request completed */
#define KEEL_EV_SOCK 0x8u    /* a host socket keel waits on is ready (linux, --net=host) */
#define KEEL_EV_SIGNAL 0x10u /* a signal came from outside the machine (host_signals) */

/* How a base treats a signal sent to the machine from outside (a host
 * kill, Ctrl-C), host_signal's how. */
#define KEEL_HOSTSIG_DEFAULT 0 /* as the host would: the machine ends */
#define KEEL_HOSTSIG_IGNORE 1
#define KEEL_HOSTSIG_CATCH 2   /* kept for host_signals, KEEL_EV_SIGNAL */

#define KEEL_MAX_NETS 4
#define KEEL_MAX_DISKS 4

struct keel_winsize {
	unsigned short rows, cols;
};

struct keel_net_info {
	uint8_t mac[6];
	unsigned mtu;      /* largest payload of one frame, without the 14-byte header */
	unsigned max_batch; /* frames one net_send/net_recv call may carry */
};

/* One frame in a batch. For net_send the caller fills data/len; for
 * net_recv the caller gives data/cap and the base sets len. */
struct keel_frame {
	void *data;
	size_t len;
	size_t cap;
};

struct keel_block_info {
	uint64_t sectors;  /* device size in 512-byte sectors */
	unsigned max_batch; /* requests one block_submit call may carry */
	int read_only;
};

enum keel_block_op { KEEL_BLOCK_READ, KEEL_BLOCK_WRITE, KEEL_BLOCK_FLUSH };

/* One block request. buf must stay valid and untouched until the
 * request is returned by block_complete; status is 0 or -errno. */
struct keel_block_req {
	enum keel_block_op op;
	uint64_t sector;
	void *buf;
	size_t len; /* a multiple of 512 */
	int status;
	void *cookie; /* the caller's; returned unchanged */
};

struct keel_platform {
	const char *name; /* "linux", "kvm", "pvh": shown by uname -v */

	/* Console. write: writes all of buf to stream 1 (output) or 2
	 * (errors; bases with a single console merge the two), blocking until
	 * it is out; returns len or -errno. read: non-blocking; returns bytes read, 0 at end of
	 * input, or -EAGAIN (then wait for KEEL_EV_CONSOLE). winsize: the
	 * size of the terminal behind stream (0, 1, 2), or -ENOTTY when that
	 * stream is not a terminal. */
	long (*console_write)(int stream, const void *buf, size_t len);
	long (*console_read)(void *buf, size_t len);
	int (*console_winsize)(int stream, struct keel_winsize *ws);

	/* Clocks: monotonic never goes back and starts near 0 at boot;
	 * realtime is nanoseconds since the Unix epoch. */
	uint64_t (*clock_monotonic)(void);
	uint64_t (*clock_realtime)(void);

	/* Waits until one of the events in mask is pending or the monotonic
	 * clock reaches deadline (UINT64_MAX: no deadline). Returns the
	 * pending events of mask (0 after a timeout). The only call that
	 * may idle the machine: a blocked keel never spins. */
	unsigned (*wait_until)(uint64_t deadline, unsigned mask);

	/* Ends the machine with status (0..255). Never returns. */
	void (*exit)(int status) __attribute__((noreturn));

	/* Sets the thread pointer (the %fs base) to tp. 0 or -errno. */
	int (*set_tls)(void *tp);

	/* Changes access to [addr, addr+len) inside the memory region to
	 * prot (PROT_* bits). -ENOSYS where the base cannot enforce it. */
	int (*mem_protect)(void *addr, size_t len, int prot);

	/* Fills buf with len bytes from a cryptographic-quality source.
	 * Returns len, or -errno if no such source exists. */
	long (*entropy)(void *buf, size_t len);

	/* Network devices 0..KEEL_MAX_NETS-1. info: -ENODEV if absent.
	 * net_send: queues up to n frames, returns how many were taken
	 * (the frames' memory may be reused on return). net_recv: fills up
	 * to n frames, returns how many; 0 when none (then wait for
	 * KEEL_EV_NET). One call is one batch: at most one notification. */
	int (*net_info)(unsigned dev, struct keel_net_info *info);
	long (*net_send)(unsigned dev, const struct keel_frame *frames, unsigned n);
	long (*net_recv)(unsigned dev, struct keel_frame *frames, unsigned n);

	/* Block devices 0..KEEL_MAX_DISKS-1. info: -ENODEV if absent.
	 * block_submit: starts up to n requests, returns how many were
	 * taken. block_complete: returns up to n finished requests (their
	 * status set), 0 when none (then wait for KEEL_EV_BLOCK). */
	int (*block_info)(unsigned dev, struct keel_block_info *info);
	long (*block_submit)(unsigned dev, struct keel_block_req **reqs, unsigned n);
	long (*block_complete)(unsigned dev, struct keel_block_req **reqs, unsigned n);

	/* Signals from outside the machine (SIGHUP, SIGINT, SIGQUIT,
	 * SIGTERM, SIGUSR1, SIGUSR2). host_signal: how the base treats sig
	 * from now on (KEEL_HOSTSIG_*); 0 or -errno. host_signals: takes
	 * the caught ones that came (bit sig-1 each). NULL where the base
	 * cannot: the host's default then stands. */
	int (*host_signal)(int sig, int how);
	uint64_t (*host_signals)(void);
};

/* What a base hands to keel_start(). All memory the image may use is
 * [mem_base, mem_base + mem_len): the budget minus the image, an
 * initrd kept outside the region, and whatever the base itself holds
 * (counted in base_bytes). */
struct keel_boot {
	const struct keel_platform *platform;
	uintptr_t mem_base;
	size_t mem_len;
	size_t budget;     /* --mem: what the user granted in all */
	size_t image_bytes; /* the loaded image, counted against budget */
	size_t base_bytes;  /* memory the base holds outside the region */
	int argc;
	char **argv; /* argv[argc] == NULL */
	char **envp; /* NULL-terminated */
	int stats;   /* print memory and exit statistics at exit */
	const void *random16; /* 16 random bytes for AT_RANDOM, or NULL */
	/* The network keel-run set up (--net, --ip, --gw, --dns). */
	int net_mode;        /* KEEL_NET_NONE, _DEVICE (lwIP on net device 0), _HOST */
	const char *net_ip;  /* "A.B.C.D/N"; NULL: DHCP (device mode) */
	const char *net_gw;  /* "A.B.C.D" or NULL */
	const char *net_dns; /* "A.B.C.D" or NULL */
	/* The initrd (--initrd): a cpio newc archive of initrd_len bytes
	 * at initrd, or NULL and 0. keel mounts it read-only at /initrd
	 * and reads the files' data in place, so it must stay where it is,
	 * unchanged, for the machine's life. It lies either inside the
	 * region (keel then takes its pages before any other use: the base
	 * must not have written there otherwise) or wholly outside it (keel
	 * counts it against the budget, as it does the image: the base
	 * must have left it out of mem_len). keel checks every field of the
	 * archive before use; a malformed one stops the boot with a panic. */
	const void *initrd;
	size_t initrd_len;
};

#define KEEL_NET_NONE 0
#define KEEL_NET_DEVICE 1 /* sockets on lwIP inside the image */
#define KEEL_NET_HOST 2   /* sockets are the host's (Linux-process base) */

/* The one platform the image booted on; set once by keel_start. */
extern const struct keel_platform *keel_platform;

/* Common start: sets up memory, stack and libc, then runs main. */
void keel_start(const struct keel_boot *boot) __attribute__((noreturn));

#endif
