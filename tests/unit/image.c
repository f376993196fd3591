/*
 * Host unit tests of keel-run's ELF checks (monitor/image.c): a valid
 * keel image built here in memory, then every way of spoiling it. The
 * checker must refuse each with a reason and never read outside the
 * buffer (the unit tests run under AddressSanitizer).
 */
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/abi.h>

#include "../../monitor/image.h"
#include "unit.h"

#define LEN 0x2000
#define NOTE_OFF 0x200
#define BASE 0x100000ULL

static unsigned char *img; /* exactly LEN bytes on the heap: ASan sees overruns */
static struct image_info info;
static char err[256];

static Elf64_Ehdr *eh(void)
{
	return (Elf64_Ehdr *)img;
}

static Elf64_Phdr *ph(int i)
{
	return (Elf64_Phdr *)(img + 64) + i;
}

static Elf64_Nhdr *note(void)
{
	return (Elf64_Nhdr *)(img + NOTE_OFF);
}

/* The note's descriptor is only 4-byte aligned: written with memcpy. */
#define DESC (NOTE_OFF + 12 + 8)

static void set_version(uint32_t v)
{
	memcpy(img + DESC + offsetof(struct keel_abi_note, version), &v, sizeof v);
}

static void set_kvm_entry(uint64_t e)
{
	memcpy(img + DESC + offsetof(struct keel_abi_note, kvm_entry), &e, sizeof e);
}

/* Two PT_LOADs (headers + text at 1 MiB, then data with .bss) and the
 * keel note, like keel-cc's images. */
static void build(void)
{
	struct keel_abi_note a = { .version = KEEL_ABI_VERSION, .kvm_entry = BASE + 0x1010 };

	img = calloc(1, LEN);
	CHECK(img != NULL);
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = ELFCLASS64;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
	eh()->e_type = ET_EXEC;
	eh()->e_machine = EM_X86_64;
	eh()->e_version = EV_CURRENT;
	eh()->e_entry = BASE + 0x1000;
	eh()->e_phoff = 64;
	eh()->e_ehsize = sizeof(Elf64_Ehdr);
	eh()->e_phentsize = sizeof(Elf64_Phdr);
	eh()->e_phnum = 3;

	*ph(0) = (Elf64_Phdr){ .p_type = PT_LOAD,
			       .p_flags = PF_R | PF_X,
			       .p_offset = 0,
			       .p_vaddr = BASE,
			       .p_paddr = BASE,
			       .p_filesz = 0x1000,
			       .p_memsz = 0x1000,
			       .p_align = 0x1000 };
	*ph(1) = (Elf64_Phdr){ .p_type = PT_LOAD,
			       .p_flags = PF_R | PF_W,
			       .p_offset = 0x1000,
			       .p_vaddr = BASE + 0x1000,
			       .p_paddr = BASE + 0x1000,
			       .p_filesz = 0x1000,
			       .p_memsz = 0x3000,
			       .p_align = 0x1000 };
	*ph(2) = (Elf64_Phdr){ .p_type = PT_NOTE,
			       .p_flags = PF_R,
			       .p_offset = NOTE_OFF,
			       .p_vaddr = BASE + NOTE_OFF,
			       .p_filesz = 12 + 8 + sizeof a,
			       .p_memsz = 12 + 8 + sizeof a,
			       .p_align = 4 };
	note()->n_namesz = sizeof KEEL_NOTE_NAME;
	note()->n_descsz = sizeof a;
	note()->n_type = KEEL_NOTE_ABI;
	memcpy(img + NOTE_OFF + 12, KEEL_NOTE_NAME, sizeof KEEL_NOTE_NAME);
	memcpy(img + DESC, &a, sizeof a);
}

static int check_len(size_t len)
{
	unsigned char *copy;
	int r;

	/* A buffer of exactly len bytes, so reading past it is caught. */
	copy = malloc(len ? len : 1);
	CHECK(copy != NULL);
	memcpy(copy, img, len);
	err[0] = 0;
	r = image_check(copy, len, &info, err, sizeof err);
	free(copy);
	if (r == 0 && err[0])
		FAILF("image_check accepted the image but wrote an error: %s", err);
	if (r != 0 && !err[0])
		FAILF("image_check refused the image without a reason");
	if (strchr(err, '\n'))
		FAILF("the reason is not one line: %s", err);
	return r;
}

static int check(void)
{
	return check_len(LEN);
}

/* Refused, and the reason mentions what. */
#define REFUSED(what)                                                                              \
	do {                                                                                       \
		CHECK_EQ(check(), -1);                                                             \
		CHECK_HAS(err, what);                                                              \
	} while (0)

TEST(valid_image)
{
	build();
	CHECK_EQ(check(), 0);
	CHECK_EQ(info.entry, BASE + 0x1000);
	CHECK_EQ(info.lo, BASE);
	CHECK_EQ(info.hi, BASE + 0x4000);
	CHECK_EQ(info.abi_version, KEEL_ABI_VERSION);
}

TEST(not_elf)
{
	build();
	CHECK_EQ(check_len(0), -1);
	CHECK_HAS(err, "not an ELF");
	CHECK_EQ(check_len(3), -1);
	CHECK_HAS(err, "not an ELF");
	img[0] = 0x7e;
	REFUSED("not an ELF");
	memcpy(img, "#!/bin/sh\necho hi\n", 18);
	REFUSED("not an ELF");
}

TEST(truncated_header)
{
	build();
	CHECK_EQ(check_len(4), -1);
	CHECK_HAS(err, "truncated");
	CHECK_EQ(check_len(40), -1);
	CHECK_HAS(err, "truncated");
	CHECK_EQ(check_len(sizeof(Elf64_Ehdr) - 1), -1);
}

TEST(every_truncation_refused)
{
	size_t len;

	build();
	/* The last segment ends at the end of the file: no prefix will do. */
	for (len = 0; len < LEN; len++)
		if (check_len(len) != -1)
			FAILF("a %zu-byte prefix of a %d-byte image was accepted", len, LEN);
}

TEST(wrong_class_data_machine)
{
	build();
	img[EI_CLASS] = ELFCLASS32;
	REFUSED("x86-64");
	build();
	img[EI_DATA] = ELFDATA2MSB;
	REFUSED("x86-64");
	build();
	eh()->e_machine = EM_AARCH64;
	REFUSED("x86-64");
}

TEST(not_an_executable)
{
	build();
	eh()->e_type = ET_DYN;
	REFUSED("position-independent");
	eh()->e_type = ET_REL;
	REFUSED("not a keel image");
	eh()->e_type = ET_CORE;
	REFUSED("not a keel image");
}

TEST(program_header_table)
{
	build();
	eh()->e_phentsize = 32;
	REFUSED("program headers");
	build();
	eh()->e_phnum = 0;
	REFUSED("program headers");
	build();
	eh()->e_phoff = LEN - 100;
	REFUSED("program headers");
	build();
	eh()->e_phoff = LEN;
	REFUSED("program headers");
	build();
	eh()->e_phoff = ~0ULL - 8; /* offset + size wraps around */
	REFUSED("program headers");
	build();
	eh()->e_phnum = 0xffff;
	REFUSED("program headers");
	build();
	memmove(img + 68, img + 64, 3 * sizeof(Elf64_Phdr));
	eh()->e_phoff = 68; /* misaligned: refused rather than read */
	REFUSED("program headers");
}

TEST(segment_outside_file)
{
	build();
	ph(1)->p_offset = LEN - 0x800;
	REFUSED("beyond the end");
	build();
	ph(1)->p_filesz = LEN;
	ph(1)->p_memsz = LEN;
	REFUSED("beyond the end");
	build();
	ph(1)->p_offset = ~0ULL - 0x10;
	REFUSED("beyond the end");
	build();
	ph(1)->p_filesz = ~0ULL - 0x800; /* offset + filesz wraps around */
	CHECK_EQ(check(), -1);
}

TEST(impossible_sizes)
{
	build();
	ph(1)->p_filesz = 0x1000;
	ph(1)->p_memsz = 0x800;
	REFUSED("impossible sizes");
	build();
	ph(1)->p_offset = 0;
	ph(1)->p_filesz = 0;
	ph(1)->p_memsz = 2ULL << 30;
	REFUSED("impossible sizes");
	build();
	ph(1)->p_vaddr = ~0ULL - 0x1000; /* vaddr + memsz wraps around */
	CHECK_EQ(check(), -1);
}

TEST(overlapping_segments)
{
	build();
	ph(1)->p_vaddr = BASE + 0x800;
	REFUSED("overlap");
	build();
	ph(1)->p_vaddr = BASE; /* the same place */
	REFUSED("overlap");
	build();
	ph(0)->p_vaddr = BASE + 0x2000; /* the first inside the second */
	REFUSED("overlap");
	build();
	ph(1)->p_vaddr = BASE - 0x2000; /* touching from below: fine */
	ph(1)->p_memsz = 0x2000;
	eh()->e_entry = BASE;
	set_kvm_entry(BASE);
	CHECK_EQ(check(), 0);
	CHECK_EQ(info.lo, BASE - 0x2000);
	CHECK_EQ(info.hi, BASE + 0x1000);
}

TEST(missing_or_wrong_note)
{
	build();
	ph(2)->p_type = PT_NULL;
	REFUSED("no keel ABI note");
	build();
	img[NOTE_OFF + 12 + 3] = 'L'; /* "keeL" */
	REFUSED("no keel ABI note");
	build();
	note()->n_type = 1;
	REFUSED("no keel ABI note");
	build();
	note()->n_namesz = 4; /* "keel" without its NUL */
	REFUSED("no keel ABI note");
	build();
	note()->n_descsz = 4; /* too short for the descriptor */
	ph(2)->p_filesz = 12 + 8 + 4;
	REFUSED("no keel ABI note");
	build();
	ph(2)->p_filesz = 12 + 8; /* the descriptor cut off */
	REFUSED("no keel ABI note");
	build();
	ph(2)->p_offset = LEN - 4; /* the note segment outside the file */
	REFUSED("no keel ABI note");
	build();
	ph(2)->p_filesz = ~0ULL;
	REFUSED("no keel ABI note");
	build();
	memmove(img + NOTE_OFF + 2, img + NOTE_OFF, ph(2)->p_filesz);
	ph(2)->p_offset += 2; /* notes are 4-byte aligned */
	REFUSED("no keel ABI note");
	build();
	note()->n_namesz = 0xffffffff;
	REFUSED("no keel ABI note");
	build();
	note()->n_descsz = 0xfffffffc;
	REFUSED("no keel ABI note");
}

TEST(note_after_other_notes)
{
	Elf64_Nhdr gnu = { 4, 8, NT_GNU_BUILD_ID };

	build();
	/* A GNU note first, then keel's: both in one PT_NOTE. */
	memmove(img + NOTE_OFF + 24, img + NOTE_OFF, ph(2)->p_filesz);
	memcpy(img + NOTE_OFF, &gnu, sizeof gnu);
	memcpy(img + NOTE_OFF + 12, "GNU\0\1\2\3\4\5\6\7\10", 12);
	ph(2)->p_filesz += 24;
	CHECK_EQ(check(), 0);
	CHECK_EQ(info.abi_version, KEEL_ABI_VERSION);
}

TEST(other_abi_version)
{
	build();
	set_version(KEEL_ABI_VERSION + 1);
	REFUSED("ABI version");
	set_version(0);
	REFUSED("ABI version");
}

TEST(no_loadable_segment)
{
	build();
	ph(0)->p_type = PT_NULL;
	ph(1)->p_type = PT_NULL;
	REFUSED("no loadable segments");
}

TEST(segments_too_far_apart)
{
	build();
	ph(1)->p_vaddr = BASE + (4ULL << 30);
	REFUSED("corrupt");
}

TEST(entry_outside_image)
{
	build();
	eh()->e_entry = BASE - 1;
	REFUSED("entry point");
	eh()->e_entry = BASE + 0x4000;
	REFUSED("entry point");
	eh()->e_entry = 0;
	REFUSED("entry point");
	build();
	set_kvm_entry(BASE + 0x4000);
	REFUSED("entry point");
}

TEST(small_error_buffer)
{
	char small[6];

	build();
	img[0] = 0;
	memset(small, 'x', sizeof small);
	CHECK_EQ(image_check(img, LEN, &info, small, sizeof small), -1);
	CHECK(memchr(small, 0, sizeof small) != NULL);
}

TEST(random_corruption_never_crashes)
{
	unsigned seed = 1;
	int i, j, accepted = 0;

	/* Up to four random bytes of the headers and note replaced: the
	 * checker either refuses or returns a consistent layout. */
	for (i = 0; i < 20000; i++) {
		build();
		for (j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1103515245 + 12345;
			img[(seed >> 8) % (NOTE_OFF + 48)] = (unsigned char)(seed >> 20);
		}
		if (check() == 0) {
			accepted++;
			CHECK(info.lo < info.hi);
			CHECK(info.entry >= info.lo && info.entry < info.hi);
			CHECK_EQ(info.abi_version, KEEL_ABI_VERSION);
		}
		free(img);
	}
	CHECK(accepted > 0 && accepted < 20000);
}

static char *temp_file(const void *data, size_t len)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/keel-unit-XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, data, len), (long long)len);
	close(fd);
	return path;
}

TEST(check_file)
{
	char *path;

	build();
	path = temp_file(img, LEN);
	CHECK_EQ(image_check_file(path, &info, err, sizeof err), 0);
	CHECK_EQ(info.entry, BASE + 0x1000);
	unlink(path);

	path = temp_file(img, 100);
	CHECK_EQ(image_check_file(path, &info, err, sizeof err), -1);
	CHECK_HAS(err, "truncated");
	unlink(path);

	path = temp_file("", 0);
	CHECK_EQ(image_check_file(path, &info, err, sizeof err), -1);
	CHECK_HAS(err, "not an ELF");
	unlink(path);

	CHECK_EQ(image_check_file("/nonexistent/keel-image", &info, err, sizeof err), -1);
	CHECK_HAS(err, "No such file");
	CHECK_EQ(image_check_file("/tmp", &info, err, sizeof err), -1);
	CHECK_HAS(err, "not a regular file");
}

UNIT_MAIN("image")
