/*
 * keel-run's command line: options before the image, the image, then
 * the application's own arguments untouched.
 */
#ifndef KEEL_MONITOR_OPTIONS_H
#define KEEL_MONITOR_OPTIONS_H

#include <stddef.h>

enum target { TARGET_AUTO, TARGET_LINUX, TARGET_KVM, TARGET_QEMU };

#define MAX_ENV 64

struct options {
	enum target target;
	unsigned long long mem; /* bytes */
	int stats;
	double timeout; /* seconds; 0 = none */
	int help, version;
	const char *env[MAX_ENV];
	int nenv;
	const char *disk; /* --disk=FILE, or NULL */
	const char *tap;  /* --net=tap:IFNAME, or NULL */
	const char *initrd; /* --initrd=DIR|FILE, or NULL */
	int initrd_fd;	    /* the archive keel-run made of it (initrd.h) */
	size_t initrd_len;
	int net_host;     /* --net=host: the host's sockets (linux target only) */
	/* --ip=A.B.C.D/N (NULL: DHCP), --gw=, --dns= (need --net=tap:) */
	const char *ip, *gw, *dns;
	unsigned char mac[6]; /* the guest's, chosen by keel-run */
	const char *image;
	int argc; /* the application's argv: image path first */
	char **argv;
};

#define DEFAULT_MEM (64ULL << 20)
#define MIN_MEM (2ULL << 20)
#define MAX_MEM (64ULL << 30)

/* Parses argv into o. Returns 0, or -1 with a one-line reason in err. */
int options_parse(int argc, char **argv, struct options *o, char *err,
		  size_t errlen);

/* "A.B.C.D" (bits < 0) or "A.B.C.D/N" (N stored in *bits); 0 or -1. */
int parse_ipv4(const char *s, int *bits);

/* "64M", "512k", "1G", "1048576" -> bytes; -1 on a malformed size. */
int parse_size(const char *s, unsigned long long *out);

const char *target_name(enum target t);

#endif
