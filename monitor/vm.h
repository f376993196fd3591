/*
 * The KVM monitor's view of one guest, shared by its files (kvm.c,
 * blk.c). guest_ptr() is the one place a guest address becomes a host
 * pointer: everything the guest hands over goes through it.
 */
#ifndef KEEL_MONITOR_VM_H
#define KEEL_MONITOR_VM_H

#include <pthread.h>
#include <stdint.h>

#include <keel/kvm.h>

/* A virtio split ring the guest set up (KVM_PORT_QUEUE). */
struct vm_queue {
	unsigned num; /* 0 while not set up */
	uint64_t desc, avail, used;
	uint16_t last_avail;
};

struct vm_blk {
	int fd;
	uint64_t sectors;
	int read_only;
	struct vm_queue q;
	uint64_t requests, batches, bytes;
};

struct vm_net {
	int fd;	     /* the tap, non-blocking, with virtio-net headers */
	int kick_fd; /* eventfd: the guest notified (vCPU -> I/O thread) */
	int wake_fd; /* eventfd: frames for a waiting guest (I/O thread -> vCPU) */
	pthread_t io;
	int running;	  /* both rings set up: the I/O thread owns them */
	int vcpu_waiting; /* the vCPU sleeps in hc_wait, wake_fd wakes it */
	int tap_broken;	  /* a read failed other than EAGAIN: no more receiving */
	struct vm_queue rx, tx;
	/* counted by the I/O thread (kicks: by the vCPU) */
	uint64_t rx_frames, rx_dropped, tx_frames, tx_writes, kicks, io_sleeps;
};

struct vm {
	int kvm, vmfd, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
	uint64_t mem_size;
	uint64_t initrd_addr; /* --initrd: the archive's place in guest memory */
	uint64_t exits, exits_by_port[16];
	double t0, t_setup, t_end;
	struct vm_blk *blk; /* device KVM_DEV_BLK, or NULL */
	struct vm_net *net; /* device KVM_DEV_NET, or NULL */
	int blk_dev, net_dev; /* their indexes in kvm_boot_info.devs */
};

static inline void *guest_ptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return 0;
	return vm->mem + gpa;
}

/* net.c */
/* Attaches to the tap IFNAME (non-blocking); vnet_hdr: frames carry
 * a virtio-net header (12 bytes) both ways. -1 with a message in err. */
int tap_open(const char *ifname, int vnet_hdr, char *err, unsigned errlen);
/* Starts vm->net's I/O thread (before the sandbox); -errno. */
int net_start(struct vm *vm, struct vm_net *n);
/* The guest has set both rings up: the I/O thread takes them over. */
void net_run(struct vm_net *n);
/* The guest notified the device (a ring has new entries). */
void net_kick(struct vm_net *n);
/* Whether received frames wait in the rings for the guest. */
int net_rx_pending(struct vm *vm, struct vm_net *n);

/* blk.c */
int blk_open(struct vm_blk *b, const char *path);
int vm_queue_setup(struct vm *vm, struct vm_queue *q, const uint64_t *a);
void blk_notify(struct vm *vm, struct vm_blk *b);

#endif
