/*
 * The KVM monitor's view of one guest, shared by its files (kvm.c,
 * blk.c). guest_ptr() is the one place a guest address becomes a host
 * pointer: everything the guest hands over goes through it.
 */
#ifndef KEEL_MONITOR_VM_H
#define KEEL_MONITOR_VM_H

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

struct vm {
	int kvm, vmfd, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
	uint64_t mem_size;
	uint64_t exits, exits_by_port[16];
	double t0, t_setup, t_end;
	struct vm_blk *blk; /* device KVM_DEV_BLK, or NULL */
};

static inline void *guest_ptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return 0;
	return vm->mem + gpa;
}

/* blk.c */
int blk_open(struct vm_blk *b, const char *path);
int vm_queue_setup(struct vm *vm, struct vm_queue *q, const uint64_t *a);
void blk_notify(struct vm *vm, struct vm_blk *b);

#endif
