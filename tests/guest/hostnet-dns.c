/*
 * keel-run --net=host and names: the host's /etc/resolv.conf and
 * /etc/hosts appear in keel's /etc, so musl's resolver asks the host's
 * name server (tests/net/host-dns.sh gives the image a namespace of its
 * own whose resolv.conf names tests/tools/dns-answer on 127.0.0.1 and
 * whose hosts file names keel-hosts.test).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"

static void expect_addr(const char *name, const char *want)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char got[INET_ADDRSTRLEN];
	int r = getaddrinfo(name, "80", &hints, &ai);

	if (r)
		fprintf(stderr, "getaddrinfo(%s): %s\n", name, gai_strerror(r));
	CHECK_EQ(r, 0);
	CHECK(inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, got, sizeof got));
	CHECK_STR(got, want);
	freeaddrinfo(ai);
	printf("%s: %s\n", name, got);
}

int main(void)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char line[128];
	FILE *f = fopen("/etc/resolv.conf", "r");

	CHECK(f != NULL);
	CHECK(fgets(line, sizeof line, f) != NULL);
	CHECK_STR(line, "nameserver 127.0.0.1\n");
	fclose(f);
	expect_addr("localhost", "127.0.0.1");
	expect_addr("keel-hosts.test", "127.0.0.9");
	expect_addr("keel-dns.test", "127.0.0.42");
	CHECK_EQ(getaddrinfo("nowhere.test", "80", &hints, &ai), EAI_NONAME);
	printf("nowhere.test: not found\n");
	return done();
}
