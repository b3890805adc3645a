// SPDX-License-Identifier: GPL-2.0
/*
 * synflood - bounded raw TCP SYN generator for the gateway's statelessness
 * tests (SYN cookies / no per-SYN state).
 *
 *   synflood --src ADDR --dst ADDR --dport P [--count N] [--rate PPS]
 *            [--mpc] [--join TOKEN | --join-random] [--seed S] [-6]
 *            [--allow-default-route]
 *
 * Sends exactly N (default 1000) TCP SYNs from random source ports (1024..
 * 65535) and random ISNs of --src to --dst:--dport, paced at --rate packets
 * per second (default 20000; 0 = as fast as possible), then prints
 * {"sent":N,"secs":...} on stdout.
 *
 * SYN options are those of a typical Linux SYN, in Linux's order:
 *   MSS 1460 (IPv6: 1440), SACK_PERM, timestamps (TSval random base + ms,
 *   TSecr 0), NOP, window scale 7                                  (20 bytes)
 * optionally followed by
 *   --mpc          MP_CAPABLE v1:  1e 04 01 01                     ( 4 bytes)
 *   --join-random  MP_JOIN SYN:    1e 0c 10 01 <token:4> <nonce:4> (12 bytes)
 *                  (subtype 1, backup 0, address id 1, random token)
 *   --join TOKEN   same with the given hex token (e.g. 0x1a2b3c4d)
 * Every packet gets a fresh random nonce (and token with --join-random).
 *
 * Packets are built whole (IPv4: AF_INET/IPPROTO_RAW, i.e. IP_HDRINCL;
 * IPv6: AF_INET6/IPPROTO_RAW, i.e. IPV6_HDRINCL), TCP checksum over the
 * pseudo-header computed here, so the source address may be any address of
 * the test ranges.  Safety: both --dst and --src must lie in 198.18.0.0/15
 * (IPv4) or 2001:db8::/32 (IPv6); anything else is refused before a socket
 * is opened.  Also refused: a --dst that this network namespace reaches only
 * through its default route (typically: run in the host namespace by
 * mistake), unless --allow-default-route.  N is capped at 10,000,000.
 * Needs CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "peer.h"

#define MAX_COUNT 10000000ull
#define TCP_HDR 20
#define OPT_BASE 20
#define OPT_MAX 40

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	/* xorshift64* */
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd32(void)
{
	return (uint32_t)(rnd64() >> 32);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: synflood --src ADDR --dst ADDR --dport P [--count N] [--rate PPS]\n"
"                [--mpc] [--join TOKEN | --join-random] [--seed S] [-6]\n"
"                [--allow-default-route]\n"
"  Sends N (default 1000, max 10000000) raw TCP SYNs from random source\n"
"  ports/ISNs of --src to --dst:--dport at --rate pps (default 20000,\n"
"  0 = unpaced).  --mpc adds MP_CAPABLE v1, --join/--join-random MP_JOIN.\n"
"  --src and --dst must be in 198.18.0.0/15 or 2001:db8::/32, and --dst\n"
"  must be reached through a route more specific than the default route\n"
"  (unless --allow-default-route).\n"
"  Prints {\"sent\":N,\"secs\":S,...}; exit 0 when all N were sent.\n");
}

static void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "synflood: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(code);
}

static bool parse_token(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s || strlen(s) > 8)
		return false;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* 198.18.0.0/15 and 2001:db8::/32 only */
static bool v4_allowed(const struct in_addr *a)
{
	return (ntohl(a->s_addr) & 0xfffe0000u) == 0xc6120000u;
}

static bool v6_allowed(const struct in6_addr *a)
{
	static const uint8_t doc[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	return !memcmp(a->s6_addr, doc, 4);
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Second safety net: ask the kernel (RTM_GETROUTE with RTM_F_FIB_MATCH)
 * which FIB entry carries dst.  A test network reaches its own addresses
 * through specific routes; if only the default route matches, the packets
 * would leave for the outside world (e.g. when run in the wrong namespace),
 * so refuse unless --allow-default-route.  Returns the prefix length of the
 * matching route, -ENETUNREACH when there is none, or another -errno.
 */
static int route_prefix_len(int fam, const void *dst)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		char attrs[64];
	} req;
	char buf[8192];
	int fd, ret = -EIO;
	size_t alen = fam == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.rt.rtm_family = (unsigned char)fam;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	req.rt.rtm_flags = RTM_F_FIB_MATCH;
	struct rtattr *ra = (struct rtattr *)((char *)&req +
					      NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct rtmsg))));

	ra->rta_type = RTA_DST;
	ra->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(ra), dst, alen);
	req.nh.nlmsg_len = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct rtmsg))) +
			   RTA_ALIGN(ra->rta_len);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n < 0) {
		ret = -errno;
		goto out;
	}
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	     NLMSG_OK(nh, (unsigned int)n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			ret = e->error ? e->error : -EIO;
			break;
		}
		if (nh->nlmsg_type == RTM_NEWROUTE) {
			struct rtmsg *rt = NLMSG_DATA(nh);

			ret = rt->rtm_dst_len;
			break;
		}
	}
out:
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "mpc", no_argument, NULL, 'm' },
		{ "join", required_argument, NULL, 'j' },
		{ "join-random", no_argument, NULL, 'J' },
		{ "seed", required_argument, NULL, 'S' },
		{ "allow-default-route", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *src_s = NULL, *dst_s = NULL;
	uint64_t dport = 0, count = 1000, rate = 20000, seed = 0;
	bool have_dport = false, mpc = false, join = false, join_rand = false;
	bool v6 = false, have_seed = false, allow_default = false;
	uint32_t join_token = 0;
	int o;

	while ((o = getopt_long(argc, argv, "6s:d:p:c:r:mj:JS:h", opts, NULL))
	       != -1) {
		switch (o) {
		case '6': v6 = true; break;
		case 's': src_s = optarg; break;
		case 'd': dst_s = optarg; break;
		case 'p':
			if (!parse_u64(optarg, 65535, &dport) || !dport)
				die(2, "bad --dport '%s'", optarg);
			have_dport = true;
			break;
		case 'c':
			if (!parse_u64(optarg, MAX_COUNT, &count))
				die(2, "bad --count '%s' (0..%llu)", optarg,
				    MAX_COUNT);
			break;
		case 'r':
			if (!parse_u64(optarg, 100000000, &rate))
				die(2, "bad --rate '%s'", optarg);
			break;
		case 'm': mpc = true; break;
		case 'j':
			if (!parse_token(optarg, &join_token))
				die(2, "bad --join token '%s' (want up to 8 "
				    "hex digits)", optarg);
			join = true;
			break;
		case 'J': join = join_rand = true; break;
		case 'S':
			if (!parse_u64(optarg, UINT64_MAX, &seed))
				die(2, "bad --seed '%s'", optarg);
			have_seed = true;
			break;
		case 'A': allow_default = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc)
		die(2, "unexpected argument '%s'", argv[optind]);
	if (!src_s || !dst_s || !have_dport) {
		usage(stderr);
		return 2;
	}
	if (mpc && join)
		die(2, "--mpc and --join/--join-random are exclusive");

	/* addresses and the safety check, before any socket exists */
	struct in_addr s4, d4;
	struct in6_addr s6, d6;
	int fam;

	if (inet_pton(AF_INET, dst_s, &d4) == 1) {
		fam = AF_INET;
		if (v6)
			die(2, "-6 given but --dst '%s' is IPv4", dst_s);
		if (inet_pton(AF_INET, src_s, &s4) != 1)
			die(2, "--src '%s' is not an IPv4 address", src_s);
		if (!v4_allowed(&d4))
			die(3, "refusing --dst %s: only 198.18.0.0/15 and "
			    "2001:db8::/32 are allowed", dst_s);
		if (!v4_allowed(&s4))
			die(3, "refusing --src %s: only 198.18.0.0/15 and "
			    "2001:db8::/32 are allowed", src_s);
	} else if (inet_pton(AF_INET6, dst_s, &d6) == 1) {
		fam = AF_INET6;
		if (inet_pton(AF_INET6, src_s, &s6) != 1)
			die(2, "--src '%s' is not an IPv6 address", src_s);
		if (!v6_allowed(&d6))
			die(3, "refusing --dst %s: only 198.18.0.0/15 and "
			    "2001:db8::/32 are allowed", dst_s);
		if (!v6_allowed(&s6))
			die(3, "refusing --src %s: only 198.18.0.0/15 and "
			    "2001:db8::/32 are allowed", src_s);
	} else {
		die(2, "bad --dst '%s' (numeric IPv4 or IPv6 address)", dst_s);
	}

	{
		int pl = route_prefix_len(fam, fam == AF_INET ? (void *)&d4 :
					  (void *)&d6);

		if (pl == -ENETUNREACH || pl == -EHOSTUNREACH)
			die(1, "no route to %s in this network namespace",
			    dst_s);
		if (pl < 0)
			die(1, "route lookup for %s failed: %s", dst_s,
			    strerror(-pl));
		if (pl == 0 && !allow_default)
			die(3, "refusing --dst %s: it is reached only through "
			    "the default route (wrong network namespace?); "
			    "add a specific route or pass "
			    "--allow-default-route", dst_s);
	}

	if (!have_seed &&
	    getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = now_ns() ^ ((uint64_t)getpid() << 32);
	rng_state = seed ^ 0x6a09e667f3bcc909ull;
	if (!rng_state)
		rng_state = 1;
	for (int i = 0; i < 4; i++)
		rnd64();

	int fd = socket(fam, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0)
		die(1, "raw socket: %s (needs CAP_NET_RAW)", strerror(errno));

	/* tight pacing at high rates */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	struct sockaddr_storage to;
	socklen_t tolen;

	memset(&to, 0, sizeof(to));
	if (fam == AF_INET) {
		struct sockaddr_in *t = (void *)&to;

		t->sin_family = AF_INET;
		t->sin_addr = d4;
		tolen = sizeof(*t);
	} else {
		struct sockaddr_in6 *t = (void *)&to;

		t->sin6_family = AF_INET6;
		t->sin6_addr = d6;
		tolen = sizeof(*t);
	}

	/* TCP options template (20 bytes + MPTCP) */
	uint8_t opt[OPT_MAX];
	size_t optlen = OPT_BASE;
	uint16_t mss = fam == AF_INET ? 1460 : 1440;

	opt[0] = 2; opt[1] = 4; put16(opt + 2, mss);         /* MSS */
	opt[4] = 4; opt[5] = 2;                              /* SACK_PERM */
	opt[6] = 8; opt[7] = 10;                             /* TS */
	put32(opt + 8, 0); put32(opt + 12, 0);
	opt[16] = 1;                                         /* NOP */
	opt[17] = 3; opt[18] = 3; opt[19] = 7;               /* WS 7 */
	if (mpc) {
		opt[20] = 30; opt[21] = 4;
		opt[22] = 0x01; /* subtype 0 (MP_CAPABLE) << 4 | version 1 */
		opt[23] = 0x01; /* flags: H (HMAC-SHA256) */
		optlen += 4;
	} else if (join) {
		opt[20] = 30; opt[21] = 12;
		opt[22] = 0x10; /* subtype 1 (MP_JOIN) << 4 | backup 0 */
		opt[23] = 1;    /* address id */
		optlen += 12;
	}

	const size_t iplen = fam == AF_INET ? 20 : 40;
	const size_t tcplen = TCP_HDR + optlen;
	const size_t pktlen = iplen + tcplen;
	uint8_t pkt[128];
	uint8_t *ip = pkt, *tcp = pkt + iplen;
	uint32_t ts_base = rnd32();
	uint64_t t0 = now_ns(), interval = rate ? 1000000000ull / rate : 0;
	uint64_t base = t0, base_i = 0, sent = 0, retries = 0;
	int err = 0;

	if (rate && !interval)
		interval = 1;
	for (uint64_t i = 0; i < count; i++) {
		memset(pkt, 0, pktlen);
		/* TCP header */
		uint16_t sport = (uint16_t)(1024 + rnd32() % (65536 - 1024));

		put16(tcp + 0, sport);
		put16(tcp + 2, (uint16_t)dport);
		put32(tcp + 4, rnd32());                /* ISN */
		put32(tcp + 8, 0);                      /* ack */
		tcp[12] = (uint8_t)((tcplen / 4) << 4); /* data offset */
		tcp[13] = 0x02;                         /* SYN */
		put16(tcp + 14, 64240);                 /* window */
		memcpy(tcp + TCP_HDR, opt, optlen);
		put32(tcp + TCP_HDR + 8,
		      ts_base + (uint32_t)((now_ns() - t0) / 1000000));
		if (join) {
			put32(tcp + TCP_HDR + 24,
			      join_rand ? rnd32() : join_token);
			put32(tcp + TCP_HDR + 28, rnd32()); /* nonce */
		}

		/* pseudo-header + checksum, then the IP header */
		uint32_t sum = 0;

		if (fam == AF_INET) {
			sum = csum_add(sum, &s4, 4);
			sum = csum_add(sum, &d4, 4);
			sum += IPPROTO_TCP + (uint32_t)tcplen;
		} else {
			sum = csum_add(sum, &s6, 16);
			sum = csum_add(sum, &d6, 16);
			sum += (uint32_t)tcplen;
			sum += IPPROTO_TCP;
		}
		sum = csum_add(sum, tcp, tcplen);
		uint16_t ck = csum_fold(sum);

		memcpy(tcp + 16, &ck, 2);

		if (fam == AF_INET) {
			ip[0] = 0x45;
			put16(ip + 2, (uint16_t)pktlen);
			put16(ip + 4, (uint16_t)rnd32());  /* id */
			put16(ip + 6, 0x4000);             /* DF */
			ip[8] = 64;
			ip[9] = IPPROTO_TCP;
			memcpy(ip + 12, &s4, 4);
			memcpy(ip + 16, &d4, 4);
			uint16_t ipck = csum_fold(csum_add(0, ip, 20));

			memcpy(ip + 10, &ipck, 2);
		} else {
			put32(ip, 6u << 28 | (rnd32() & 0xfffff)); /* flow */
			put16(ip + 4, (uint16_t)tcplen);
			ip[6] = IPPROTO_TCP;
			ip[7] = 64;
			memcpy(ip + 8, &s6, 16);
			memcpy(ip + 24, &d6, 16);
		}

		/* pacing: packet i is due at base + (i - base_i) * interval */
		if (interval) {
			uint64_t due = base + (i - base_i) * interval;
			uint64_t now = now_ns();

			if (now < due) {
				struct timespec ts = {
					.tv_sec = (time_t)(due / 1000000000ull),
					.tv_nsec = (long)(due % 1000000000ull),
				};

				while (clock_nanosleep(CLOCK_MONOTONIC,
						       TIMER_ABSTIME, &ts, NULL)
				       == EINTR)
					;
			} else if (now - due > 50000000ull) {
				/* more than 50 ms late: no catch-up burst */
				base = now;
				base_i = i;
			}
		}

		for (;;) {
			ssize_t n = sendto(fd, pkt, pktlen, 0,
					   (struct sockaddr *)&to, tolen);

			if (n == (ssize_t)pktlen) {
				sent++;
				break;
			}
			if (n >= 0) {
				err = EMSGSIZE;
				break;
			}
			if ((errno == ENOBUFS || errno == EAGAIN ||
			     errno == EINTR) && retries < 100000) {
				retries++;
				usleep(100);
				continue;
			}
			err = errno;
			break;
		}
		if (err)
			break;
	}
	close(fd);

	double secs = (double)(now_ns() - t0) / 1e9;

	printf("{\"sent\":%" PRIu64 ",\"secs\":%.6f,\"pps\":%.1f,"
	       "\"requested\":%" PRIu64 ",\"retries\":%" PRIu64 ","
	       "\"mptcp\":\"%s\"}\n", sent, secs,
	       secs > 0 ? (double)sent / secs : 0.0, count, retries,
	       mpc ? "mp_capable" : join ? "mp_join" : "none");
	fflush(stdout);
	if (err)
		die(1, "sendto failed after %" PRIu64 " packets: %s", sent,
		    strerror(err));
	return 0;
}
