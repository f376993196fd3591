/*
 * Sockets as keel files. A network stack (lwIP inside the image,
 * net/lwip/; or the host's stack on the Linux-process base,
 * base/linux/) installs itself at boot with net_stack_set(); its
 * socket files carry a struct sock_ops next to their file_ops, so
 * read/write/close/poll/epoll/fcntl work on them as on any file while
 * the socket calls (sys/socket.c) reach the stack through sock_ops.
 *
 * Contract for a stack: every call is non-blocking. Calls that would
 * wait return -EAGAIN (connect: -EINPROGRESS) and the socket layer
 * waits on the file's poll op (wait.h), honouring O_NONBLOCK,
 * MSG_DONTWAIT and SO_RCVTIMEO/SO_SNDTIMEO, which the layer keeps in
 * the struct sock_common every socket file's priv starts with.
 * Addresses and option values are checked for length by the stack.
 */
#ifndef KEEL_SYS_SOCK_H
#define KEEL_SYS_SOCK_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct file;
struct keel_boot;

/* The first member of every socket file's priv. */
struct sock_common {
	uint64_t rcvtimeo, sndtimeo; /* ns; 0: none */
	int type;                    /* SOCK_STREAM, SOCK_DGRAM, ... */
};

struct sock_ops {
	int (*bind)(struct file *f, const struct sockaddr *a, socklen_t len);
	int (*listen)(struct file *f, int backlog);
	/* A connection that is ready: a new socket file in *out (the
	 * layer sets its flags and installs it), the peer in a/len when
	 * a is not NULL (len: in, the room; out, the real length).
	 * -EAGAIN when none is ready (then the layer waits for POLLIN). */
	int (*accept)(struct file *f, struct file **out, struct sockaddr *a, socklen_t *len);
	/* 0 when connected, -EINPROGRESS when it goes on (the layer waits
	 * for POLLOUT, then asks getsockopt(SO_ERROR)), -errno. */
	int (*connect)(struct file *f, const struct sockaddr *a, socklen_t len);
	/* Bytes sent or received, -EAGAIN to wait. flags: MSG_* minus
	 * MSG_DONTWAIT, MSG_NOSIGNAL and MSG_WAITALL (the layer's). recvmsg
	 * fills m->msg_name/namelen and msg_flags. */
	ssize_t (*sendmsg)(struct file *f, const struct msghdr *m, int flags);
	ssize_t (*recvmsg)(struct file *f, struct msghdr *m, int flags);
	int (*shutdown)(struct file *f, int how);
	/* Options other than SO_RCVTIMEO/SO_SNDTIMEO (the layer's). */
	int (*setsockopt)(struct file *f, int level, int name, const void *v, socklen_t len);
	int (*getsockopt)(struct file *f, int level, int name, void *v, socklen_t *len);
	/* peer 0: getsockname, 1: getpeername. */
	int (*getname)(struct file *f, struct sockaddr *a, socklen_t *len, int peer);
};

struct net_stack {
	const char *name; /* "lwip", "host": in the log line of a refusal */
	/* A new socket file (flags O_RDWR; its ops have .sock), or
	 * -EAFNOSUPPORT, -EPROTONOSUPPORT, -ENOMEM... type carries no
	 * SOCK_NONBLOCK/SOCK_CLOEXEC (the layer applies them). */
	int (*socket)(int domain, int type, int protocol, struct file **out);
	/* May be NULL (-EOPNOTSUPP). */
	int (*socketpair)(int domain, int type, int protocol, struct file *out[2]);
	/* May be NULL. For a stack a base installed before keel_start (the
	 * host's): called once by net_boot, when files can be made; 0 or
	 * -errno (keel then stops: the network did not start). */
	int (*boot)(const struct keel_boot *b);
};

/* The stack socket() reaches; NULL until one is installed, and then
 * socket() fails with -EAFNOSUPPORT (logged once: no network). */
void net_stack_set(const struct net_stack *s);
const struct net_stack *net_stack_get(void);

/* read/write/readv/writev on a socket file: file_ops helpers a stack
 * can use, going through its recvmsg/sendmsg. */
ssize_t sock_file_read(struct file *f, void *buf, size_t len);
ssize_t sock_file_write(struct file *f, const void *buf, size_t len);

/* Helpers for stacks: copy an address out with Linux's truncation
 * rules (*len gets the full length). */
void sock_name_out(struct sockaddr *dst, socklen_t *len, const void *src, socklen_t srclen);

#endif
