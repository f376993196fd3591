/* Host unit tests of keel-run's command line (monitor/options.c). */
#include "../../monitor/options.h"
#include "unit.h"

static struct options o;
static char err[256];

/* Parses the words after "keel-run" (kept in args: o points into it). */
static char *args[MAX_ENV + 8];

static int parse_words(const char *const *w)
{
	int n = 0;

	args[n++] = "keel-run";
	while (*w)
		args[n++] = (char *)*w++;
	args[n] = NULL;
	err[0] = 0;
	return options_parse(n, args, &o, err, sizeof err);
}

#define PARSE(...) parse_words((const char *const[]){ __VA_ARGS__, NULL })

static unsigned long long size(const char *s)
{
	unsigned long long v = 12345;

	if (parse_size(s, &v))
		FAILF("parse_size(\"%s\") refused a good size", s);
	return v;
}

static void bad_size(const char *s)
{
	unsigned long long v = 12345;

	if (parse_size(s, &v) == 0)
		FAILF("parse_size(\"%s\") accepted a bad size (%llu)", s, v);
	if (v != 12345)
		FAILF("parse_size(\"%s\") wrote its result although it failed", s);
}

TEST(sizes)
{
	CHECK_EQ(size("0"), 0);
	CHECK_EQ(size("1048576"), 1048576);
	CHECK_EQ(size("512K"), 512ULL << 10);
	CHECK_EQ(size("512k"), 512ULL << 10);
	CHECK_EQ(size("64M"), 64ULL << 20);
	CHECK_EQ(size("64m"), 64ULL << 20);
	CHECK_EQ(size("1G"), 1ULL << 30);
	CHECK_EQ(size("1g"), 1ULL << 30);
	CHECK_EQ(size("1GiB"), 1ULL << 30);
	CHECK_EQ(size("16MiB"), 16ULL << 20);
	CHECK_EQ(size("16MB"), 16ULL << 20);
	CHECK_EQ(size("4KiB"), 4096);
	CHECK_EQ(size("64G"), 64ULL << 30);
	CHECK_EQ(size("017M"), 17ULL << 20); /* decimal, not octal */
}

TEST(bad_sizes)
{
	bad_size("");
	bad_size("abc");
	bad_size("M");
	bad_size("-1");
	bad_size("+1M");
	bad_size(" 64M");
	bad_size("64 M");
	bad_size("64M ");
	bad_size("1.5G");
	bad_size("64X");
	bad_size("1T");
	bad_size("64MM");
	bad_size("64Mi");
	bad_size("64iB");
	bad_size("64B");
	bad_size("64MiBx");
	bad_size("0x10M");
	bad_size("99999999999999999999");  /* overflows 64 bits */
	bad_size("18446744073709551615K"); /* overflows once scaled */
	bad_size("17179869184G");	   /* 2^34 GiB = 2^64 */
}

TEST(defaults)
{
	CHECK_EQ(PARSE("img"), 0);
	CHECK_EQ(o.target, TARGET_AUTO);
	CHECK_EQ(o.mem, DEFAULT_MEM);
	CHECK_EQ(o.mem, 64ULL << 20);
	CHECK_EQ(o.stats, 0);
	CHECK(o.timeout == 0);
	CHECK_EQ(o.nenv, 0);
	CHECK_EQ(o.help, 0);
	CHECK_EQ(o.version, 0);
	CHECK_STR(o.image, "img");
	CHECK_EQ(o.argc, 1);
	CHECK_STR(o.argv[0], "img");
	CHECK(o.argv[1] == NULL);
}

TEST(all_options)
{
	CHECK_EQ(PARSE("--target=kvm", "--mem=512M", "--stats", "--timeout=2.5", "--env=A=1",
		       "--env=B=x=y", "img"),
		 0);
	CHECK_EQ(o.target, TARGET_KVM);
	CHECK_EQ(o.mem, 512ULL << 20);
	CHECK_EQ(o.stats, 1);
	CHECK(o.timeout == 2.5);
	CHECK_EQ(o.nenv, 2);
	CHECK_STR(o.env[0], "A=1");
	CHECK_STR(o.env[1], "B=x=y");
	CHECK_STR(o.image, "img");
}

TEST(targets)
{
	CHECK_EQ(PARSE("--target=linux", "img"), 0);
	CHECK_EQ(o.target, TARGET_LINUX);
	CHECK_EQ(PARSE("--target=qemu", "img"), 0);
	CHECK_EQ(o.target, TARGET_QEMU);
	CHECK_EQ(PARSE("--target=kvm", "--target=auto", "img"), 0);
	CHECK_EQ(o.target, TARGET_AUTO);
	CHECK_EQ(PARSE("--target=bogus", "img"), -1);
	CHECK_HAS(err, "bogus");
	CHECK_EQ(PARSE("--target=", "img"), -1);
	CHECK_EQ(PARSE("--target=LINUX", "img"), -1);
	CHECK_EQ(PARSE("--target", "linux", "img"), -1);
	CHECK_STR(target_name(TARGET_AUTO), "auto");
	CHECK_STR(target_name(TARGET_LINUX), "linux");
	CHECK_STR(target_name(TARGET_KVM), "kvm");
	CHECK_STR(target_name(TARGET_QEMU), "qemu");
}

/* --net=host: the linux target only, whichever option comes first; the
 * last --net wins. */
TEST(net_host)
{
	CHECK_EQ(PARSE("--net=host", "img"), 0);
	CHECK_EQ(o.net_host, 1);
	CHECK(o.tap == NULL);
	CHECK_EQ(PARSE("--net=host", "--target=linux", "img"), 0);
	CHECK_EQ(o.net_host, 1);
	CHECK_EQ(PARSE("--net=host", "--net=tap:t0", "img"), 0);
	CHECK_EQ(o.net_host, 0);
	CHECK_STR(o.tap, "t0");
	CHECK_EQ(PARSE("--net=tap:t0", "--net=host", "img"), 0);
	CHECK_EQ(o.net_host, 1);
	CHECK(o.tap == NULL);
	CHECK_EQ(PARSE("--net=host", "--net=none", "img"), 0);
	CHECK_EQ(o.net_host, 0);
	CHECK_EQ(PARSE("--net=host", "--target=kvm", "img"), -1);
	CHECK_HAS(err, "--net=host needs --target=linux");
	CHECK_HAS(err, "--net=tap:IFNAME");
	CHECK_EQ(PARSE("--target=qemu", "--net=host", "img"), -1);
	CHECK_HAS(err, "on qemu");
	CHECK_EQ(PARSE("--net=hosts", "img"), -1);
	CHECK_HAS(err, "bad --net");
}

TEST(mem_option)
{
	CHECK_EQ(PARSE("--mem=16M", "img"), 0);
	CHECK_EQ(o.mem, 16ULL << 20);
	CHECK_EQ(PARSE("--mem=2M", "img"), 0); /* the smallest */
	CHECK_EQ(o.mem, MIN_MEM);
	CHECK_EQ(PARSE("--mem=64G", "img"), 0);		    /* the largest */
	CHECK_EQ(PARSE("--mem=1G", "--mem=32M", "img"), 0); /* the last one counts */
	CHECK_EQ(o.mem, 32ULL << 20);

	CHECK_EQ(PARSE("--mem=abc", "img"), -1);
	CHECK_HAS(err, "--mem");
	CHECK_HAS(err, "abc");
	CHECK_EQ(PARSE("--mem=", "img"), -1);
	CHECK_EQ(PARSE("--mem=1K", "img"), -1);
	CHECK_HAS(err, "range");
	CHECK_EQ(PARSE("--mem=2047K", "img"), -1);
	CHECK_EQ(PARSE("--mem=0", "img"), -1);
	CHECK_EQ(PARSE("--mem=65G", "img"), -1);
	CHECK_EQ(PARSE("--mem", "16M", "img"), -1);
	CHECK_EQ(PARSE("--memory=16M", "img"), -1);
}

TEST(timeout_option)
{
	CHECK_EQ(PARSE("--timeout=10", "img"), 0);
	CHECK(o.timeout == 10);
	CHECK_EQ(PARSE("--timeout=0.5", "img"), 0);
	CHECK(o.timeout == 0.5);
	CHECK_EQ(PARSE("--timeout=0", "img"), -1);
	CHECK_HAS(err, "--timeout");
	CHECK_EQ(PARSE("--timeout=-1", "img"), -1);
	CHECK_EQ(PARSE("--timeout=abc", "img"), -1);
	CHECK_EQ(PARSE("--timeout=", "img"), -1);
	CHECK_EQ(PARSE("--timeout=5s", "img"), -1);
	CHECK_EQ(PARSE("--timeout=nan", "img"), -1);
	CHECK_EQ(PARSE("--timeout=inf", "img"), -1);
	CHECK_EQ(PARSE("--timeout=1e7", "img"), -1);
}

TEST(env_option)
{
	static char names[MAX_ENV + 1][24];
	const char *w[MAX_ENV + 3];
	int i;

	CHECK_EQ(PARSE("--env=A=", "img"), 0);
	CHECK_STR(o.env[0], "A=");
	CHECK_EQ(PARSE("--env=A", "img"), -1);
	CHECK_HAS(err, "--env");
	CHECK_EQ(PARSE("--env==x", "img"), -1);
	CHECK_EQ(PARSE("--env=", "img"), -1);

	/* MAX_ENV of them are fine; one more is refused. */
	for (i = 0; i <= MAX_ENV; i++) {
		snprintf(names[i], sizeof names[i], "--env=V%d=1", i);
		w[i] = names[i];
	}
	w[MAX_ENV] = "img";
	w[MAX_ENV + 1] = NULL;
	CHECK_EQ(parse_words(w), 0);
	CHECK_EQ(o.nenv, MAX_ENV);
	CHECK_STR(o.env[MAX_ENV - 1], names[MAX_ENV - 1] + 6);
	CHECK_STR(o.image, "img");
	w[MAX_ENV] = names[MAX_ENV];
	w[MAX_ENV + 1] = "img";
	w[MAX_ENV + 2] = NULL;
	CHECK_EQ(parse_words(w), -1);
	CHECK_HAS(err, "too many");
}

TEST(net_address_options)
{
	CHECK_EQ(PARSE("--net=tap:t0", "--ip=10.0.0.2/24", "--gw=10.0.0.1", "--dns=9.9.9.9", "img"), 0);
	CHECK_STR(o.ip, "10.0.0.2/24");
	CHECK_STR(o.gw, "10.0.0.1");
	CHECK_STR(o.dns, "9.9.9.9");
	/* order does not matter, and --ip alone (no DHCP then) is fine */
	CHECK_EQ(PARSE("--ip=192.168.1.255/32", "--net=tap:t0", "img"), 0);
	CHECK(!o.gw && !o.dns);
	CHECK_EQ(PARSE("--net=tap:t0", "img"), 0);
	CHECK(!o.ip);
	/* they need a tap device */
	CHECK_EQ(PARSE("--ip=10.0.0.2/24", "img"), -1);
	CHECK_HAS(err, "--ip needs --net=tap:IFNAME");
	CHECK_EQ(PARSE("--net=none", "--dns=1.1.1.1", "img"), -1);
	CHECK_HAS(err, "--dns needs --net=tap:IFNAME");
	CHECK_EQ(PARSE("--gw=10.0.0.1", "img"), -1);
	CHECK_HAS(err, "--gw needs");
	/* malformed */
	static const char *const bad_ip[] = { "10.0.0.2", "10.0.0.2/", "10.0.0.2/33", "10.0.0.2/0",
		"10.0.0/24", "10.0.0.256/24", "10.0.0.2/24x", "a.b.c.d/8", "10..0.2/8", "010.0.0.2/8",
		"-1.0.0.2/8", "", "10.0.0.2/024" };
	unsigned i;
	char opt[64];

	for (i = 0; i < sizeof bad_ip / sizeof bad_ip[0]; i++) {
		snprintf(opt, sizeof opt, "--ip=%s", bad_ip[i]);
		if (PARSE("--net=tap:t0", opt, "img") != -1)
			FAILF("%s accepted", opt);
		CHECK_HAS(err, "bad --ip");
	}
	CHECK_EQ(PARSE("--net=tap:t0", "--gw=10.0.0.1/24", "img"), -1);
	CHECK_HAS(err, "bad --gw '10.0.0.1/24' (an address, A.B.C.D)");
	CHECK_EQ(PARSE("--net=tap:t0", "--dns=1.2.3", "img"), -1);
	CHECK_HAS(err, "bad --dns");
	CHECK_EQ(PARSE("--net=tap:t0", "--dns=1.2.3.4.5", "img"), -1);
}

TEST(image_and_args_split)
{
	CHECK_EQ(PARSE("--stats", "img", "--mem=1K", "-x", "--", "a b", ""), 0);
	CHECK_STR(o.image, "img");
	CHECK_EQ(o.mem, DEFAULT_MEM); /* the application's --mem is not ours */
	CHECK_EQ(o.argc, 6);
	CHECK_STR(o.argv[0], "img");
	CHECK_STR(o.argv[1], "--mem=1K");
	CHECK_STR(o.argv[2], "-x");
	CHECK_STR(o.argv[3], "--");
	CHECK_STR(o.argv[4], "a b");
	CHECK_STR(o.argv[5], "");
	CHECK(o.argv[6] == NULL);
}

TEST(double_dash)
{
	CHECK_EQ(PARSE("--mem=8M", "--", "--weird-name", "arg"), 0);
	CHECK_STR(o.image, "--weird-name");
	CHECK_EQ(o.mem, 8ULL << 20);
	CHECK_EQ(o.argc, 2);
	CHECK_STR(o.argv[1], "arg");
	CHECK_EQ(PARSE("--", "-"), 0);
	CHECK_STR(o.image, "-");
	CHECK_EQ(PARSE("--"), -1); /* nothing after it */
	CHECK_HAS(err, "no image");
}

TEST(dash_alone_is_an_image)
{
	CHECK_EQ(PARSE("-", "x"), 0);
	CHECK_STR(o.image, "-");
	CHECK_EQ(o.argc, 2);
}

TEST(unknown_flags)
{
	CHECK_EQ(PARSE("--bogus", "img"), -1);
	CHECK_HAS(err, "--bogus");
	CHECK_EQ(PARSE("-x", "img"), -1);
	CHECK_HAS(err, "-x");
	CHECK_EQ(PARSE("--stats=1", "img"), -1);
	CHECK_EQ(PARSE("--Stats", "img"), -1);
	CHECK_EQ(PARSE("---mem=16M", "img"), -1);
	CHECK(strchr(err, '\n') == NULL); /* one line */
}

TEST(no_image)
{
	char *argv[] = { "keel-run", NULL };

	CHECK_EQ(options_parse(1, argv, &o, err, sizeof err), -1);
	CHECK_HAS(err, "no image");
	CHECK_EQ(options_parse(0, argv, &o, err, sizeof err), -1);
	CHECK_HAS(err, "no image");
	CHECK_EQ(PARSE("--stats"), -1);
	CHECK_HAS(err, "no image");
	CHECK_EQ(PARSE("--mem=16M", "--target=linux"), -1);
}

TEST(help_and_version)
{
	CHECK_EQ(PARSE("--help"), 0);
	CHECK_EQ(o.help, 1);
	CHECK_EQ(PARSE("-h"), 0);
	CHECK_EQ(o.help, 1);
	CHECK_EQ(PARSE("--stats", "--help", "img"), 0);
	CHECK_EQ(o.help, 1);
	CHECK_EQ(PARSE("--version"), 0);
	CHECK_EQ(o.version, 1);
	CHECK_EQ(o.help, 0);
	/* After the image they are the application's. */
	CHECK_EQ(PARSE("img", "--help"), 0);
	CHECK_EQ(o.help, 0);
}

TEST(initrd)
{
	CHECK_EQ(PARSE("img"), 0);
	CHECK(o.initrd == NULL);
	CHECK_EQ(o.initrd_fd, -1);
	CHECK_EQ(PARSE("--initrd=build/site", "img"), 0);
	CHECK_STR(o.initrd, "build/site");
	CHECK_EQ(PARSE("--initrd=", "img"), -1);
	CHECK_HAS(err, "--initrd");
}

TEST(error_fits_small_buffer)
{
	char small[8];
	char *argv[] = { "keel-run", "--target=a-very-long-bogus-target-name", "img", NULL };
	struct options o;

	memset(small, 'x', sizeof small);
	CHECK_EQ(options_parse(3, argv, &o, small, sizeof small), -1);
	CHECK(memchr(small, 0, sizeof small) != NULL);
}

UNIT_MAIN("options")
