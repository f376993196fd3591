/* The ELF note that marks an image as keel's (include/keel/abi.h). */
#include <keel/abi.h>

void kvm_start(void);

/* Notes are 4-byte aligned: no padding before desc. */
struct __attribute__((packed)) keel_elf_note {
	uint32_t namesz, descsz, type;
	char name[8];
	struct keel_abi_note desc;
};

__attribute__((used, section(".note.keel"), aligned(4)))
const struct keel_elf_note keel_note = {
	.namesz = sizeof KEEL_NOTE_NAME,
	.descsz = sizeof(struct keel_abi_note),
	.type = KEEL_NOTE_ABI,
	.name = KEEL_NOTE_NAME,
	.desc = { .version = KEEL_ABI_VERSION, .kvm_entry = (uintptr_t)kvm_start },
};
