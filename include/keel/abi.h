/*
 * What makes an ELF file a keel image: a note in section .note.keel,
 * name "keel", type KEEL_NOTE_ABI, whose descriptor is struct
 * keel_abi_note. keel-run and the monitor refuse any ELF without it,
 * or with another ABI version, with one clear line.
 */
#ifndef KEEL_ABI_H
#define KEEL_ABI_H

#include <stdint.h>

#define KEEL_NOTE_NAME "keel"
#define KEEL_NOTE_ABI 0x6b01
#define KEEL_ABI_VERSION 1

struct keel_abi_note {
	uint32_t version;   /* KEEL_ABI_VERSION */
	uint32_t flags;     /* none yet */
	uint64_t kvm_entry; /* 64-bit CPL3 entry for keel's KVM monitor */
};

/* Environment variable keel-run uses to hand options to an image on
 * the Linux-process base ("mem=BYTES stats=0|1"); removed before main. */
#define KEEL_OPTS_ENV "KEEL_OPTS"

#endif
