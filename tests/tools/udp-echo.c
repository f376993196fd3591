/*
 * udp-echo: a UDP echo client (host program) for the network tests.
 *
 *   udp-echo A.B.C.D PORT COUNT
 *
 * Sends COUNT datagrams of varied sizes (1 to 1400 bytes, and every
 * tenth 4000 bytes, which IP carries in fragments), each with its own
 * sequence number and pattern, and waits up to a second for each echo,
 * sending again up to three times; an echo must match byte for byte.
 * Then sends "bye" (the guest's signal to stop) and waits briefly for
 * its echo. Prints "udp-echo: N of COUNT echoed (R resent)" on stdout;
 * exits 0 when all were echoed, 1 otherwise, 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t fill(unsigned char *buf, int seq)
{
	size_t n = seq % 10 == 9 ? 4000 : (size_t)(seq * 97 % 1400) + 1;
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)(seq * 31 + i * 7);
	if (n >= 4)
		memcpy(buf, &seq, 4);
	return n;
}

/* Sends buf and waits for the same bytes back; 1 if they came. */
static int exchange(int s, const unsigned char *buf, size_t n, int tries, int ms, int *resent)
{
	static unsigned char in[65536];
	int t;

	for (t = 0; t < tries; t++) {
		struct pollfd p = { .fd = s, .events = POLLIN };

		if (t)
			(*resent)++;
		if (send(s, buf, n, 0) != (ssize_t)n) {
			perror("udp-echo: send");
			continue;
		}
		while (poll(&p, 1, ms) == 1) {
			ssize_t r = recv(s, in, sizeof in, 0);

			if (r == (ssize_t)n && !memcmp(in, buf, n))
				return 1;
			/* a late echo of an earlier datagram: keep waiting */
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char buf[4096];
	struct sockaddr_in to = { .sin_family = AF_INET };
	int s, count, seq, ok = 0, resent = 0;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
	    (count = atoi(argv[3])) < 0) {
		fprintf(stderr, "usage: udp-echo A.B.C.D PORT COUNT\n");
		return 2;
	}
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof to)) {
		perror("udp-echo: socket");
		return 1;
	}
	for (seq = 0; seq < count; seq++) {
		size_t n = fill(buf, seq);

		if (exchange(s, buf, n, 4, 1000, &resent))
			ok++;
		else
			fprintf(stderr, "udp-echo: no echo of datagram %d (%zu bytes)\n", seq, n);
	}
	exchange(s, (const unsigned char *)"bye", 3, 2, 500, &resent);
	printf("udp-echo: %d of %d echoed (%d resent)\n", ok, count, resent);
	return ok == count ? 0 : 1;
}
