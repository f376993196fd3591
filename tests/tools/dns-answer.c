/*
 * dns-answer: the smallest DNS server the network tests need (host
 * program): answers on UDP at ADDR:PORT, for NAME an A record ADDRESS,
 * for NAME's other types no record, for every other name NXDOMAIN.
 *
 *   dns-answer ADDR PORT NAME ADDRESS SECONDS
 *
 * Prints "dns-answer: ready" once it listens, and one line per query
 * ("dns-answer: NAME type T: ...") on stdout; stops after SECONDS.
 * Exits 0, or 2 on bad arguments or when it cannot listen.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The question's name as dotted text; the offset after it, or 0. */
static size_t qname(const unsigned char *q, size_t len, char *out, size_t cap)
{
	size_t off = 12, n = 0;

	while (off < len && q[off]) {
		size_t l = q[off++];

		if (l > 63 || off + l > len || n + l + 2 > cap)
			return 0;
		if (n)
			out[n++] = '.';
		memcpy(out + n, q + off, l);
		n += l;
		off += l;
	}
	out[n] = 0;
	return off < len ? off + 1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in me = { .sin_family = AF_INET }, peer;
	struct in_addr answer;
	time_t end;
	int s;

	if (argc != 6 || inet_pton(AF_INET, argv[1], &me.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[4], &answer) != 1 || atoi(argv[5]) <= 0) {
		fprintf(stderr, "usage: dns-answer ADDR PORT NAME ADDRESS SECONDS\n");
		return 2;
	}
	me.sin_port = htons((unsigned short)atoi(argv[2]));
	end = time(NULL) + atoi(argv[5]);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof me)) {
		perror("dns-answer: bind");
		return 2;
	}
	printf("dns-answer: ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		unsigned char q[512], r[600];
		struct pollfd p = { s, POLLIN, 0 };
		socklen_t plen = sizeof peer;
		char name[256];
		size_t qend, n;
		ssize_t len;
		int type, known;

		if (poll(&p, 1, 200) != 1)
			continue;
		len = recvfrom(s, q, sizeof q, 0, (struct sockaddr *)&peer, &plen);
		if (len < 12 || !(qend = qname(q, (size_t)len, name, sizeof name)) ||
		    qend + 4 > (size_t)len)
			continue;
		type = q[qend] << 8 | q[qend + 1];
		known = !strcasecmp(name, argv[3]);
		/* header: the id, a response with recursion, the question */
		memcpy(r, q, 2);
		r[2] = 0x81;
		r[3] = known ? 0x80 : 0x83; /* NOERROR or NXDOMAIN */
		r[4] = 0;
		r[5] = 1;
		r[6] = 0;
		r[7] = known && type == 1;
		memset(r + 8, 0, 4);
		memcpy(r + 12, q + 12, qend + 4 - 12);
		n = qend + 4;
		if (known && type == 1) {
			static const unsigned char rr[] = { 0xc0, 0x0c, 0, 1,  0, 1,
							    0,	  0,	0, 60, 0, 4 };

			memcpy(r + n, rr, sizeof rr);
			n += sizeof rr;
			memcpy(r + n, &answer, 4);
			n += 4;
		}
		sendto(s, r, n, 0, (struct sockaddr *)&peer, plen);
		printf("dns-answer: %s type %d: %s\n", name, type,
		       !known	   ? "NXDOMAIN"
		       : type == 1 ? argv[4]
				   : "no record");
		fflush(stdout);
	}
	return 0;
}
