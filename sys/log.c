/*
 * Console logging for keel itself: a small printf that needs no libc
 * state (it runs before TLS and errno exist), keel_log and keel_panic.
 * Below: keel_platform->console_write.
 */
#include "kernel.h"

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long v, unsigned base, int neg,
		    int width, char pad, int left)
{
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (neg && pad == '0')
		put(o, '-'); /* -0042, as printf */
	while (!left && width-- > len)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
	while (left && width-- > len)
		put(o, ' ');
}

int kfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { buf, cap, 0 };
	const char *s;

	for (; *fmt; fmt++) {
		int lng = 0, width = 0, left = 0;
		char pad = ' ';
		long sv;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = 1;
			fmt++;
		}
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&o, sv < 0 ? -(unsigned long)sv : (unsigned long)sv,
				10, sv < 0, width, pad, left);
			break;
		case 'u':
			put_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
				10, 0, width, pad, left);
			break;
		case 'x':
			put_num(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
				16, 0, width, pad, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), 16, 0, width, pad, left);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (sv = 0; s[sv]; sv++)
				;
			while (!left && width-- > sv)
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			while (left && width-- > sv)
				put(&o, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt);
			else
				fmt--;
		}
	}
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kfmt(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

static void vlog(const char *fmt, va_list ap)
{
	char line[256] = "keel: ";
	int n = kfmt(line + 6, sizeof line - 7, fmt, ap) + 6;

	if (n > (int)sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	if (keel_platform)
		keel_platform->console_write(2, line, n);
}

void keel_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void keel_panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	kfmt(msg, sizeof msg, fmt, ap);
	va_end(ap);
	keel_log("panic: %s", msg);
	if (keel_platform)
		keel_platform->exit(255);
	for (;;)
		__builtin_trap();
}
