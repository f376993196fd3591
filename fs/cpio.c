/*
 * The cpio newc parser shared by keel-run and the guest (cpio.h).
 * Above: monitor/initrd.c (checks an archive), fs/initrd.c (mounts
 * one). Below: only the archive's bytes. Offsets are checked against
 * the length before each read, in an order that cannot overflow.
 */
#include <string.h>
#include <sys/stat.h>

#include "cpio.h"

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* 8 hex digits; -1 when one is not a hex digit. */
static int hex8(const unsigned char *s, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		unsigned c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *e, const char **why)
{
	const unsigned char *b = buf, *h;
	uint32_t f[13], namesize;
	size_t at = *off, room;
	int i;

	memset(e, 0, sizeof *e);
	e->offset = at;
	if (at > len || len - at < CPIO_HDR_LEN) {
		*why = at >= len ? "the archive ends without a TRAILER!!! entry"
				 : "truncated header";
		return -1;
	}
	h = b + at;
	if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2')) {
		*why = "bad magic (not a cpio archive in newc format)";
		return -1;
	}
	for (i = 0; i < 13; i++)
		if (hex8(h + 6 + 8 * i, &f[i])) {
			*why = "a header field is not hexadecimal";
			return -1;
		}
	e->crc = h[5] == '2';
	e->ino = f[0];
	e->mode = f[1];
	e->uid = f[2];
	e->gid = f[3];
	e->nlink = f[4];
	e->mtime = f[5];
	e->size = f[6];
	e->devmajor = f[7];
	e->devminor = f[8];
	/* f[9], f[10]: the device a node is; keel holds no devices */
	namesize = f[11];
	e->check = f[12];
	at += CPIO_HDR_LEN;
	room = len - at;
	if (namesize < 2 || namesize > CPIO_NAME_MAX + 1) {
		*why = namesize < 2 ? "empty name" : "name longer than 4095 bytes";
		return -1;
	}
	if (namesize > room) {
		*why = "the name runs past the end of the archive";
		return -1;
	}
	e->name = (const char *)b + at;
	e->namelen = namesize - 1;
	if (e->name[e->namelen] != 0 || memchr(e->name, 0, e->namelen)) {
		*why = "the name is not one NUL-terminated string";
		return -1;
	}
	at += namesize;
	room -= namesize;
	/* The header and name are padded to 4 bytes; the header starts at
	 * a multiple of 4 from the archive's start. */
	if (pad4(at) > room) {
		*why = "the name's padding runs past the end of the archive";
		return -1;
	}
	room -= pad4(at);
	at += pad4(at);
	if (e->namelen == sizeof CPIO_TRAILER - 1 &&
	    memcmp(e->name, CPIO_TRAILER, e->namelen) == 0) {
		*off = at;
		return 0;
	}
	if (e->size > room) {
		*why = "the data run past the end of the archive";
		return -1;
	}
	e->data = b + at;
	at += e->size;
	room -= e->size;
	/* The last entry's padding may be missing only if nothing follows;
	 * then the next read reports the missing trailer. */
	at += pad4(at) <= room ? pad4(at) : room;
	*off = at;
	return 1;
}

const char *cpio_check_entry(const struct cpio_entry *e)
{
	switch (e->mode & S_IFMT) {
	case S_IFREG:
		break;
	case S_IFDIR:
		if (e->size)
			return "a directory with data";
		break;
	case S_IFLNK:
		if (e->size == 0 || e->size > CPIO_LINK_MAX)
			return e->size ? "a symlink target longer than 4095 bytes"
				       : "a symlink with an empty target";
		if (memchr(e->data, 0, e->size))
			return "a symlink target with a NUL byte";
		break;
	case S_IFCHR:
	case S_IFBLK:
		return "a device node (an initrd holds files, directories and symlinks)";
	case S_IFIFO:
		return "a FIFO (an initrd holds files, directories and symlinks)";
	case S_IFSOCK:
		return "a socket (an initrd holds files, directories and symlinks)";
	default:
		return "an entry of unknown type";
	}
	if (e->crc) {
		uint32_t sum = 0;
		size_t i;

		for (i = 0; i < e->size; i++)
			sum += e->data[i];
		if (sum != e->check)
			return "its data do not match the 070702 checksum";
	}
	return NULL;
}

int cpio_component(const char **p, const char *end, const char **comp, size_t *clen,
		   const char **why)
{
	const char *s = *p, *q;

	for (;;) {
		while (s < end && *s == '/')
			s++;
		if (s == end) {
			*p = s;
			return 0;
		}
		for (q = s; q < end && *q != '/'; q++)
			;
		if (q - s == 1 && s[0] == '.') {
			s = q;
			continue;
		}
		if (q - s == 2 && s[0] == '.' && s[1] == '.') {
			*why = "a name with a \"..\" component";
			return -1;
		}
		if (q - s > CPIO_COMPONENT_MAX) {
			*why = "a name with a component longer than 255 bytes";
			return -1;
		}
		*comp = s;
		*clen = (size_t)(q - s);
		*p = q;
		return 1;
	}
}
