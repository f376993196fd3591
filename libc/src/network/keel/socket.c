/*
 * keel: socket() as musl's own, plus one reference that links keel's
 * network stack into every image that makes sockets: keel_lwip_boot
 * (net/lwip/boot.c, in build/lib/libkeelnet.a) starts lwIP at boot when
 * keel-run gives the image a net device. Images without socket() get
 * neither it nor lwIP.
 */
#include <sys/socket.h>
#include <fcntl.h>
#include <errno.h>
#include "syscall.h"

struct keel_boot;
int keel_lwip_boot(const struct keel_boot *);

static int (*const keel_stack_link)(const struct keel_boot *) __attribute__((used)) = keel_lwip_boot;

int socket(int domain, int type, int protocol)
{
	int s = __socketcall(socket, domain, type, protocol, 0, 0, 0);

	/* keel's socket layer knows SOCK_NONBLOCK and SOCK_CLOEXEC; the
	 * fallback musl keeps for old kernels is not needed. */
	return __syscall_ret(s);
}
