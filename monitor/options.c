/* keel-run's option parser (unit-tested on the host: tests/unit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

const char *target_name(enum target t)
{
	static const char *const names[] = { "auto", "linux", "kvm", "qemu" };
	return names[t];
}

int parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p++ - '0');
	}
	switch (*p) {
	case 0:
		break;
	case 'k': case 'K': mul = 1ULL << 10; p++; break;
	case 'm': case 'M': mul = 1ULL << 20; p++; break;
	case 'g': case 'G': mul = 1ULL << 30; p++; break;
	default:
		return -1;
	}
	if (*p == 'i' && p[1] == 'B' && mul > 1)
		p += 2;
	else if (*p == 'B' && mul > 1)
		p++;
	if (*p || (v && mul > ~0ULL / v))
		return -1;
	*out = v * mul;
	return 0;
}

/* Decimal 0..max with no sign or leading zero; the end, or NULL. */
static const char *dec_upto(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p++ - '0');
		if (v > max)
			return NULL;
	}
	*out = v;
	return p;
}

int parse_ipv4(const char *s, int *bits)
{
	unsigned v;
	int i;

	for (i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return -1;
		if (!(s = dec_upto(s, 255, &v)))
			return -1;
	}
	if (*bits >= 0) {
		if (*s++ != '/' || !(s = dec_upto(s, 32, &v)))
			return -1;
		*bits = (int)v;
	}
	return *s ? -1 : 0;
}

static const char *value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return NULL;
}

int options_parse(int argc, char **argv, struct options *o, char *err,
		  size_t errlen)
{
	const char *v;
	char *end;
	int i;

	memset(o, 0, sizeof *o);
	o->mem = DEFAULT_MEM;
	o->initrd_fd = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == 0)
			break;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = 1;
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			o->version = 1;
			return 0;
		} else if (strcmp(a, "--stats") == 0) {
			o->stats = 1;
		} else if ((v = value(a, "--target"))) {
			if (strcmp(v, "auto") == 0)
				o->target = TARGET_AUTO;
			else if (strcmp(v, "linux") == 0)
				o->target = TARGET_LINUX;
			else if (strcmp(v, "kvm") == 0)
				o->target = TARGET_KVM;
			else if (strcmp(v, "qemu") == 0)
				o->target = TARGET_QEMU;
			else {
				snprintf(err, errlen, "unknown target '%s' (auto, linux, kvm, qemu)", v);
				return -1;
			}
		} else if ((v = value(a, "--mem"))) {
			if (parse_size(v, &o->mem)) {
				snprintf(err, errlen, "bad --mem '%s' (a size such as 64M, 512K, 1G)", v);
				return -1;
			}
			if (o->mem < MIN_MEM || o->mem > MAX_MEM) {
				snprintf(err, errlen, "--mem=%s is out of range (2M to 64G)", v);
				return -1;
			}
		} else if ((v = value(a, "--timeout"))) {
			o->timeout = strtod(v, &end);
			if (!*v || *end || !(o->timeout > 0) || o->timeout > 1e6) {
				snprintf(err, errlen, "bad --timeout '%s' (seconds, e.g. 10 or 0.5)", v);
				return -1;
			}
		} else if ((v = value(a, "--net"))) {
			o->tap = NULL;
			o->net_host = 0;
			if (strcmp(v, "none") == 0) {
			} else if (strncmp(v, "tap:", 4) == 0 && v[4]) {
				o->tap = v + 4;
			} else if (strcmp(v, "host") == 0) {
				o->net_host = 1;
			} else {
				snprintf(err, errlen, "bad --net '%s' (none, host or tap:IFNAME)", v);
				return -1;
			}
		} else if ((v = value(a, "--ip"))) {
			int bits = 0;

			if (parse_ipv4(v, &bits) || bits == 0) {
				snprintf(err, errlen, "bad --ip '%s' (an address and prefix length, A.B.C.D/N)", v);
				return -1;
			}
			o->ip = v;
		} else if ((v = value(a, "--gw")) || (v = value(a, "--dns"))) {
			int bits = -1, gw = a[2] == 'g';

			if (parse_ipv4(v, &bits)) {
				snprintf(err, errlen, "bad %s '%s' (an address, A.B.C.D)", gw ? "--gw" : "--dns", v);
				return -1;
			}
			*(gw ? &o->gw : &o->dns) = v;
		} else if ((v = value(a, "--disk"))) {
			if (!*v) {
				snprintf(err, errlen, "--disk needs a file (--disk=FILE)");
				return -1;
			}
			o->disk = v;
		} else if ((v = value(a, "--initrd"))) {
			if (!*v) {
				snprintf(err, errlen, "--initrd needs a directory or a cpio archive (--initrd=DIR|FILE)");
				return -1;
			}
			o->initrd = v;
		} else if ((v = value(a, "--env"))) {
			if (!strchr(v, '=') || v[0] == '=') {
				snprintf(err, errlen, "bad --env '%s' (NAME=VALUE)", v);
				return -1;
			}
			if (o->nenv == MAX_ENV) {
				snprintf(err, errlen, "too many --env options (at most %d)", MAX_ENV);
				return -1;
			}
			o->env[o->nenv++] = v;
		} else {
			snprintf(err, errlen, "unknown option '%s' (see keel-run --help)", a);
			return -1;
		}
	}
	if (o->net_host && (o->target == TARGET_KVM || o->target == TARGET_QEMU)) {
		snprintf(err, errlen,
			 "--net=host needs --target=linux (the host's sockets are reachable only "
			 "from the Linux-process base; on %s use --net=tap:IFNAME)",
			 target_name(o->target));
		return -1;
	}
	if ((o->ip || o->gw || o->dns) && !o->tap) {
		snprintf(err, errlen, "--%s needs --net=tap:IFNAME (the guest's own network stack)",
			 o->ip ? "ip" : o->gw ? "gw" : "dns");
		return -1;
	}
	if (i >= argc) {
		snprintf(err, errlen, "no image given (usage: keel-run [options] IMAGE [ARGS...])");
		return -1;
	}
	o->image = argv[i];
	o->argc = argc - i;
	o->argv = argv + i;
	return 0;
}
