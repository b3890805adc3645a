// SPDX-License-Identifier: GPL-2.0
/*
 * xfer - full-duplex data-integrity traffic tool for the mpxdp tests.
 *
 *   xfer server [-6] --port P [--bind ADDR] [--count N] [--out FILE]
 *               [--timeout SEC] [--mptcp]
 *   xfer client --connect ADDR:PORT [--mptcp] [--up N] [--down M]
 *               [--count K] [--seed S] [--bind ADDR] [--timeout SEC] [--json]
 *               [--serial] [--hold FILE] [--hold-fin]
 *
 * Wire protocol (one TCP connection):
 *   client -> server: 24-byte header, network byte order
 *                       u32 magic 'MPXF' (0x4d505846), u32 seed,
 *                       u64 up, u64 down
 *                     then exactly `up` data bytes, then FIN
 *   server -> client: exactly `down` data bytes, then FIN
 * Both directions run at the same time (non-blocking socket + poll()),
 * except with magic 'MPXS' (client --serial): the server starts sending
 * only after the client's FIN, so the client's half-close always comes
 * first (a case gateways get wrong). With --hold FILE the client sends only
 * the header until FILE exists: an established, idle connection for tests
 * that need one to stay open (joins against it). With --hold-fin the client
 * sends its FIN only once all `down` bytes have arrived, as a client that
 * waits for its response does (the server is not told).
 *
 * Data streams: xorshift64* words serialised little-endian, the state seeded
 * with splitmix64(((u64)seed << 8) | dir), dir = 'U' (0x55) for the
 * client's upload and 'D' (0x44) for the server's download (a zero state is
 * replaced by 1).  See stream_init()/gen_fill() - short enough to
 * re-implement in a test script.
 *
 * Each side hashes (SHA-256, OpenSSL EVP) every data byte it sent and every
 * data byte it received (the header is not hashed or counted) and also
 * compares the received bytes with the regenerated expected stream, so a
 * connection is "ok" only when exactly the expected number of bytes arrived,
 * byte-for-byte equal to the expected stream (which is stronger than, and
 * implies, equal SHA-256), everything was sent, and no error, reset or
 * timeout happened.
 *
 * Sizes take K/M/G/T suffixes, powers of 1024 (an optional "i"/"iB"/"B" is
 * accepted: 200M = 200MiB = 209715200 bytes).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include "peer.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif
#ifndef MPTCP_INFO
#define MPTCP_INFO 1
#endif
#ifndef TCP_IS_MPTCP
#define TCP_IS_MPTCP 43
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* Prefix of struct mptcp_info (linux/mptcp.h); the kernel copies
 * min(optlen, sizeof) so a prefix is enough. */
struct mptcp_info_prefix {
	uint8_t subflows;
	uint8_t add_addr_signal;
	uint8_t add_addr_accepted;
	uint8_t subflows_max;
	uint8_t add_addr_signal_max;
	uint8_t add_addr_accepted_max;
	uint32_t flags;
	uint32_t token;
};

#define XF_MAGIC 0x4d505846u	    /* 'MPXF' */
#define XF_MAGIC_SERIAL 0x4d505853u /* 'MPXS': download after the upload's FIN */
#define XF_HDR_LEN 24
#define XF_BUF (256 * 1024)
#define XF_DIR_UP 0x55   /* 'U': client -> server */
#define XF_DIR_DOWN 0x44 /* 'D': server -> client */
#define XF_BURST 16      /* max recv()/send() calls per poll wakeup */

static const char *prog = "xfer";
static EVP_MD *sha256_md; /* fetched once: implicit fetches are slow */

/* ------------------------------------------------------------------ utils */

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(run '%s --help' for usage)\n", prog);
	exit(2);
}

static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	case 't': case 'T': mul = 1ull << 40; end++; break;
	default: break;
	}
	if (mul > 1 && *end == 'i')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return false;
	if (v && mul > UINT64_MAX / v)
		return false;
	*out = (uint64_t)v * mul;
	return true;
}

static bool parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e7)
		return false;
	*out = v;
	return true;
}

static void hex32(const uint8_t *md, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[md[i] >> 4];
		out[2 * i + 1] = hx[md[i] & 15];
	}
	out[64] = 0;
}

/* Append s to dst as a JSON string literal (with quotes). */
static size_t json_str(char *dst, size_t cap, const char *s)
{
	size_t n = 0;

#define PUT(c) do { if (n + 1 < cap) dst[n] = (c); n++; } while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20) {
			char esc[8];

			snprintf(esc, sizeof(esc), "\\u%04x", c);
			for (char *e = esc; *e; e++)
				PUT(*e);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	if (cap)
		dst[n < cap ? n : cap - 1] = 0;
	return n;
}

/* "a.b.c.d:port" or "[v6]:port"; v4-mapped v6 printed as plain v4 */
static void fmt_sockaddr(const struct sockaddr_storage *ss, char *out,
			 size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, cap, "%s:%u", a, ntohs(s4->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], a,
				  sizeof(a));
			snprintf(out, cap, "%s:%u", a, ntohs(s6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			snprintf(out, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
		}
	} else {
		snprintf(out, cap, "?");
	}
}

/* Parse a numeric address ("1.2.3.4", "2001:db8::1", "[2001:db8::1]") with
 * an optional port into ss.  want_port: 1 required, 0 forbidden, -1 optional. */
static bool parse_addr(const char *in, int want_port, uint16_t def_port,
		       struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[256];
	char *host = buf, *port = NULL;
	unsigned long p = def_port;

	if (strlen(in) >= sizeof(buf))
		return false;
	strcpy(buf, in);
	if (buf[0] == '[') {
		char *rb = strchr(buf, ']');

		if (!rb)
			return false;
		*rb = 0;
		host = buf + 1;
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1])
			return false;
	} else {
		char *c = strchr(buf, ':');

		/* exactly one colon: v4 or name with port; more: bare v6 */
		if (c && !strchr(c + 1, ':')) {
			*c = 0;
			port = c + 1;
		}
	}
	if (want_port == 1 && !port)
		return false;
	if (want_port == 0 && port)
		return false;
	if (port) {
		char *end;

		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || end == port || *end || p > 65535)
			return false;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;

	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
		return true;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
		return true;
	}
	/* last resort: a host name (e.g. "localhost") */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;

	if (getaddrinfo(host, NULL, &hints, &ai) || !ai)
		return false;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		s4->sin_port = htons((uint16_t)p);
	else if (ss->ss_family == AF_INET6)
		s6->sin6_port = htons((uint16_t)p);
	else
		return false;
	return true;
}

/* --------------------------------------------------------- data streams */

struct gen {
	uint64_t x;      /* xorshift64* state */
	uint8_t left[8]; /* unconsumed bytes of the last word */
	unsigned nleft;
};

static uint64_t splitmix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void stream_init(struct gen *g, uint32_t seed, unsigned dir)
{
	g->x = splitmix64(((uint64_t)seed << 8) | dir);
	if (!g->x)
		g->x = 1;
	g->nleft = 0;
}

static inline uint64_t xs64s(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Next n bytes of the stream (little-endian words, in order). */
static void gen_fill(struct gen *g, uint8_t *p, size_t n)
{
	uint64_t x = g->x;

	if (g->nleft) {
		size_t k = n < g->nleft ? n : g->nleft;

		memcpy(p, g->left + (8 - g->nleft), k);
		g->nleft -= (unsigned)k;
		p += k;
		n -= k;
	}
	while (n >= 32) {
		uint64_t w[4];

		w[0] = htole64(xs64s(&x));
		w[1] = htole64(xs64s(&x));
		w[2] = htole64(xs64s(&x));
		w[3] = htole64(xs64s(&x));
		memcpy(p, w, 32);
		p += 32;
		n -= 32;
	}
	while (n >= 8) {
		uint64_t w = htole64(xs64s(&x));

		memcpy(p, &w, 8);
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = htole64(xs64s(&x));

		memcpy(g->left, &w, 8);
		memcpy(p, g->left, n);
		g->nleft = (unsigned)(8 - n);
	}
	g->x = x;
}

/* ------------------------------------------------------- one connection */

struct xconn {
	int fd;
	bool server;
	uint64_t deadline; /* now_ns() value */

	/* header: client builds it, server receives it */
	uint8_t hdr[XF_HDR_LEN];
	size_t hdr_len; /* server: bytes received so far */
	bool hdr_ok;
	bool hdr_queued; /* client: header placed in sbuf */
	bool serial;	 /* server sends after the client's FIN */
	const char *hold; /* client: no data until this file exists */
	bool hold_fin;	 /* client: FIN only once all expected data arrived */
	uint32_t seed;
	uint64_t up, down;

	/* sending */
	uint64_t send_total, generated, sent;
	struct gen sgen;
	EVP_MD_CTX *sctx;
	uint8_t *sbuf;
	size_t soff, slen;
	bool send_done; /* everything sent and SHUT_WR done */

	/* receiving */
	uint64_t recv_expect, recvd;
	struct gen rgen;
	EVP_MD_CTX *rctx;
	uint8_t *rbuf, *ebuf;
	bool mismatch;
	uint64_t mismatch_off;
	bool eof;

	/* results */
	char err[256];
	uint8_t sent_md[32], recv_md[32];
	int mptcp_active;  /* -1 unknown/not asked */
	int mptcp_subflows; /* -1 unknown */
};

static void xc_err(struct xconn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err[0])
		return; /* keep the first error */
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static bool xc_alloc(struct xconn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->sbuf = malloc(XF_BUF);
	c->rbuf = malloc(XF_BUF);
	c->ebuf = malloc(XF_BUF);
	c->sctx = EVP_MD_CTX_new();
	c->rctx = EVP_MD_CTX_new();
	return c->sbuf && c->rbuf && c->ebuf && c->sctx && c->rctx;
}

static void xc_free(struct xconn *c)
{
	free(c->sbuf);
	free(c->rbuf);
	free(c->ebuf);
	EVP_MD_CTX_free(c->sctx);
	EVP_MD_CTX_free(c->rctx);
}

/* Reset per-connection state, keep buffers and digest contexts. */
static void xc_reset(struct xconn *c, bool server)
{
	struct xconn keep = *c;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->server = server;
	c->sbuf = keep.sbuf;
	c->rbuf = keep.rbuf;
	c->ebuf = keep.ebuf;
	c->sctx = keep.sctx;
	c->rctx = keep.rctx;
	c->mptcp_active = -1;
	c->mptcp_subflows = -1;
	EVP_DigestInit_ex(c->sctx, sha256_md, NULL);
	EVP_DigestInit_ex(c->rctx, sha256_md, NULL);
}

static void xc_setup_streams(struct xconn *c)
{
	if (c->server) {
		c->send_total = c->down;
		c->recv_expect = c->up;
		stream_init(&c->sgen, c->seed, XF_DIR_DOWN);
		stream_init(&c->rgen, c->seed, XF_DIR_UP);
	} else {
		c->send_total = c->up;
		c->recv_expect = c->down;
		stream_init(&c->sgen, c->seed, XF_DIR_UP);
		stream_init(&c->rgen, c->seed, XF_DIR_DOWN);
	}
}

static void xc_sample_mptcp(struct xconn *c)
{
	int v = 0;
	socklen_t l = sizeof(v);
	struct mptcp_info_prefix mi;

	/* TCP_IS_MPTCP: 1 on a live MPTCP connection, 0 after fallback */
	if (getsockopt(c->fd, SOL_TCP, TCP_IS_MPTCP, &v, &l) == 0)
		c->mptcp_active = v ? 1 : 0;
	memset(&mi, 0, sizeof(mi));
	l = sizeof(mi);
	if (getsockopt(c->fd, SOL_MPTCP, MPTCP_INFO, &mi, &l) == 0 &&
	    l >= 1 && (int)mi.subflows > c->mptcp_subflows)
		c->mptcp_subflows = mi.subflows;
}

/* Data bytes arrived: hash, compare with expected stream, count. */
static void xc_consume(struct xconn *c, const uint8_t *p, size_t n)
{
	if (!n)
		return;
	EVP_DigestUpdate(c->rctx, p, n);
	if (c->recvd < c->recv_expect && !c->mismatch) {
		uint64_t want = c->recv_expect - c->recvd;
		size_t m = n < want ? n : (size_t)want;

		gen_fill(&c->rgen, c->ebuf, m);
		if (memcmp(p, c->ebuf, m)) {
			size_t i = 0;

			while (p[i] == c->ebuf[i])
				i++;
			c->mismatch = true;
			c->mismatch_off = c->recvd + i;
		}
	}
	c->recvd += n;
}

static void xc_parse_hdr(struct xconn *c)
{
	uint32_t magic, seed;
	uint64_t up, down;

	memcpy(&magic, c->hdr, 4);
	memcpy(&seed, c->hdr + 4, 4);
	memcpy(&up, c->hdr + 8, 8);
	memcpy(&down, c->hdr + 16, 8);
	if (ntohl(magic) != XF_MAGIC && ntohl(magic) != XF_MAGIC_SERIAL) {
		xc_err(c, "bad header magic 0x%08x (not an xfer client?)",
		       ntohl(magic));
		return;
	}
	c->serial = ntohl(magic) == XF_MAGIC_SERIAL;
	c->seed = ntohl(seed);
	c->up = be64toh(up);
	c->down = be64toh(down);
	c->hdr_ok = true;
	xc_setup_streams(c);
}

static uint64_t xc_data_sent(const struct xconn *c);

/* Returns false on a hard error (already recorded). */
static bool xc_do_recv(struct xconn *c)
{
	for (int i = 0; i < XF_BURST && !c->eof; i++) {
		ssize_t n = recv(c->fd, c->rbuf, XF_BUF, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			int e = errno;

			xc_err(c, "recv failed after %" PRIu64 " of %" PRIu64
			       " data bytes (sent %" PRIu64 " of %" PRIu64
			       "): %s", c->recvd, c->recv_expect,
			       xc_data_sent(c), c->send_total, strerror(e));
			return false;
		}
		if (n == 0) {
			c->eof = true;
			break;
		}
		const uint8_t *p = c->rbuf;
		size_t len = (size_t)n;

		if (c->server && !c->hdr_ok) {
			size_t k = XF_HDR_LEN - c->hdr_len;

			if (k > len)
				k = len;
			memcpy(c->hdr + c->hdr_len, p, k);
			c->hdr_len += k;
			p += k;
			len -= k;
			if (c->hdr_len == XF_HDR_LEN) {
				xc_parse_hdr(c);
				if (!c->hdr_ok)
					return false;
			}
		}
		xc_consume(c, p, len);
	}
	return true;
}

static void xc_refill(struct xconn *c)
{
	c->soff = c->slen = 0;
	if (!c->server && !c->hdr_queued) {
		memcpy(c->sbuf, c->hdr, XF_HDR_LEN);
		c->slen = XF_HDR_LEN;
		c->hdr_queued = true;
	}
	uint64_t left = c->send_total - c->generated;
	size_t room = XF_BUF - c->slen;
	size_t n = left < room ? (size_t)left : room;

	if (c->hold && access(c->hold, F_OK))
		n = 0;
	if (n) {
		gen_fill(&c->sgen, c->sbuf + c->slen, n);
		EVP_DigestUpdate(c->sctx, c->sbuf + c->slen, n);
		c->slen += n;
		c->generated += n;
	}
}

/* Everything is sent but the FIN, which waits for the peer's data. */
static bool xc_fin_held(const struct xconn *c)
{
	return c->hold_fin && !c->eof && c->recvd < c->recv_expect &&
	       c->hdr_queued && c->generated == c->send_total &&
	       c->soff == c->slen;
}

static bool xc_do_send(struct xconn *c)
{
	for (int i = 0; i < XF_BURST && !c->send_done; i++) {
		if (c->soff == c->slen) {
			if (xc_fin_held(c))
				return true;
			if (c->generated == c->send_total &&
			    (c->server || c->hdr_queued)) {
				if (shutdown(c->fd, SHUT_WR) < 0) {
					xc_err(c, "shutdown(SHUT_WR): %s",
					       strerror(errno));
					return false;
				}
				if (c->mptcp_active >= 0)
					xc_sample_mptcp(c);
				c->send_done = true;
				return true;
			}
			xc_refill(c);
		}
		ssize_t n = send(c->fd, c->sbuf + c->soff, c->slen - c->soff,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			int e = errno;

			xc_err(c, "send failed after %" PRIu64 " of %" PRIu64
			       " data bytes (received %" PRIu64 " of %" PRIu64
			       "): %s", xc_data_sent(c), c->send_total,
			       c->recvd, c->recv_expect, strerror(e));
			return false;
		}
		c->soff += (size_t)n;
	}
	return true;
}

/* Bytes of data (not header) fully handed to the kernel so far. */
static uint64_t xc_data_sent(const struct xconn *c)
{
	uint64_t queued_total = c->generated + (!c->server && c->hdr_queued ?
						 XF_HDR_LEN : 0);
	uint64_t unsent = c->slen - c->soff;
	uint64_t handed = queued_total - unsent;

	if (!c->server)
		handed = handed > XF_HDR_LEN ? handed - XF_HDR_LEN : 0;
	return handed;
}

/* Run the transfer on c->fd until both directions are finished, an error or
 * the deadline.  Fills result fields; returns true when ok. */
static bool xc_run(struct xconn *c)
{
	bool hard = false;

	while (!(c->send_done && c->eof)) {
		struct pollfd pfd = { .fd = c->fd };
		uint64_t now = now_ns();

		if (now >= c->deadline) {
			c->sent = xc_data_sent(c);
			xc_err(c, "timeout: sent %" PRIu64 "/%" PRIu64
			       ", received %" PRIu64 "/%" PRIu64 " data bytes%s",
			       c->sent, c->send_total, c->recvd, c->recv_expect,
			       c->server && !c->hdr_ok ? " (no header)" : "");
			hard = true;
			break;
		}
		if (!c->eof)
			pfd.events |= POLLIN;
		bool may_send = (!c->server || (c->hdr_ok && (!c->serial || c->eof))) &&
				!xc_fin_held(c);
		/* holding: the header is out, nothing more until the file */
		bool holding = c->hold && c->hdr_queued && c->soff == c->slen &&
			       access(c->hold, F_OK);

		if (holding)
			may_send = false;
		else if (c->hold && c->hdr_queued && c->soff == c->slen)
			c->hold = NULL;

		if (!c->send_done && may_send)
			pfd.events |= POLLOUT;
		uint64_t ms = (c->deadline - now + 999999) / 1000000;
		int r = poll(&pfd, 1, holding ? 50 : ms > 60000 ? 60000 : (int)ms);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			xc_err(c, "poll: %s", strerror(errno));
			hard = true;
			break;
		}
		if (r == 0)
			continue;
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) && !c->eof) {
			if (!xc_do_recv(c)) {
				hard = true;
				break;
			}
		}
		if (!c->send_done && may_send &&
		    (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
			if (!xc_do_send(c)) {
				hard = true;
				break;
			}
		}
		if ((pfd.revents & POLLERR) && !(pfd.revents & POLLIN)) {
			int e = 0;
			socklen_t l = sizeof(e);

			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
			xc_err(c, "socket error: %s",
			       e ? strerror(e) : "POLLERR");
			hard = true;
			break;
		}
		if (c->server && c->eof && !c->hdr_ok) {
			/* peer closed before a full header */
			break;
		}
	}
	c->sent = xc_data_sent(c);
	if (!hard && c->mptcp_active >= 0)
		xc_sample_mptcp(c);

	/* verdict */
	if (c->server && !c->hdr_ok)
		xc_err(c, "connection closed after %zu of %d header bytes",
		       c->hdr_len, XF_HDR_LEN);
	if (c->recvd < c->recv_expect)
		xc_err(c, "early EOF: received %" PRIu64 " of %" PRIu64
		       " data bytes", c->recvd, c->recv_expect);
	else if (c->recvd > c->recv_expect)
		xc_err(c, "received %" PRIu64 " data bytes, more than the %"
		       PRIu64 " expected", c->recvd, c->recv_expect);
	if (c->mismatch)
		xc_err(c, "data mismatch: first wrong byte at offset %" PRIu64,
		       c->mismatch_off);
	if (c->sent != c->send_total)
		xc_err(c, "sent only %" PRIu64 " of %" PRIu64 " data bytes",
		       c->sent, c->send_total);

	unsigned int l = 32;

	EVP_DigestFinal_ex(c->sctx, c->sent_md, &l);
	/* The send hash covers generated bytes; if not everything was handed
	 * to the kernel it is of no use anyway (ok=false). */
	EVP_DigestFinal_ex(c->rctx, c->recv_md, &l);
	return !c->err[0];
}

/* Common JSON fields; returns length written. */
static size_t xc_json_common(const struct xconn *c, char *o, size_t cap,
			     const char *peer, const char *local)
{
	char sh[65], rh[65];
	size_t n = 0;

	hex32(c->sent_md, sh);
	hex32(c->recv_md, rh);
#define APP(...) do { if (n < cap) n += (size_t)snprintf(o + n, cap - n, __VA_ARGS__); } while (0)
	APP("{\"peer\":");
	if (n < cap)
		n += json_str(o + n, cap - n, peer);
	APP(",\"local\":");
	if (n < cap)
		n += json_str(o + n, cap - n, local);
	APP(",\"seed\":%" PRIu32 ",\"up\":%" PRIu64 ",\"down\":%" PRIu64
	    ",\"recv_bytes\":%" PRIu64 ",\"recv_sha256\":\"%s\""
	    ",\"sent_bytes\":%" PRIu64 ",\"sent_sha256\":\"%s\",\"ok\":%s"
	    ",\"error\":", c->seed, c->up, c->down, c->recvd, rh, c->sent, sh,
	    c->err[0] ? "false" : "true");
	if (n < cap) {
		if (c->err[0])
			n += json_str(o + n, cap - n, c->err);
		else
			APP("null");
	}
#undef APP
	return n < cap ? n : cap - 1;
}

/* ----------------------------------------------------------------- server */

struct srv {
	FILE *out;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned active;
	uint64_t done, failed;
	double timeout;
};

struct srv_job {
	struct srv *s;
	int fd;
	struct sockaddr_storage peer;
};

static void *srv_conn(void *arg)
{
	struct srv_job *j = arg;
	struct srv *s = j->s;
	struct xconn c;
	char peer[80], local[80], line[1024];
	struct sockaddr_storage ls;
	socklen_t ll = sizeof(ls);
	uint64_t t0 = now_ns();
	bool ok;

	fmt_sockaddr(&j->peer, peer, sizeof(peer));
	memset(&ls, 0, sizeof(ls));
	getsockname(j->fd, (struct sockaddr *)&ls, &ll);
	fmt_sockaddr(&ls, local, sizeof(local));

	if (!xc_alloc(&c)) {
		xc_free(&c);
		close(j->fd);
		fprintf(stderr, "%s: out of memory for %s\n", prog, peer);
		ok = false;
		goto out;
	}
	xc_reset(&c, true);
	c.fd = j->fd;
	c.deadline = t0 + (uint64_t)(s->timeout * 1e9);
	ok = xc_run(&c);
	close(c.fd);

	size_t n = xc_json_common(&c, line, sizeof(line) - 64, peer, local);

	snprintf(line + n, sizeof(line) - n, ",\"secs\":%.6f}\n",
		 (double)(now_ns() - t0) / 1e9);
	pthread_mutex_lock(&s->lock);
	fputs(line, s->out);
	fflush(s->out);
	pthread_mutex_unlock(&s->lock);
	if (!ok)
		fprintf(stderr, "%s server: %s: %s\n", prog, peer, c.err);
	xc_free(&c);
out:
	pthread_mutex_lock(&s->lock);
	s->done++;
	if (!ok)
		s->failed++;
	s->active--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	free(j);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage:\n"
"  xfer server [-6] --port P [--bind ADDR] [--count N] [--out FILE]\n"
"              [--timeout SEC] [--mptcp]\n"
"  xfer client --connect ADDR:PORT [--mptcp] [--up N] [--down M] [--count K]\n"
"              [--seed S] [--bind ADDR] [--timeout SEC] [--json] [--serial]\n"
"              [--hold FILE]   (send only the header until FILE exists)\n"
"              [--hold-fin]\n"
"\n"
"server: plain TCP unless --mptcp (an MPTCP-capable server, for tests of\n"
"  gateways that step aside); one thread per connection; one JSON line\n"
"  per finished connection to --out (appended) or stdout.  --count N: exit\n"
"  after N connections (status 0 only if all were ok).  -6: listen on ::\n"
"  (dual stack) unless --bind is given.  --timeout: per connection (120).\n"
"client: K connections one after the other (default 1), seeds S, S+1, ...\n"
"  (default S random); --mptcp uses IPPROTO_MPTCP.  Sizes take K/M/G/T\n"
"  suffixes, powers of 1024.  ADDR:PORT, [v6addr]:PORT.  --timeout SEC per\n"
"  connection (default 120).  One JSON line per connection on stdout, and a\n"
"  summary line when K > 1; without --json also a human-readable line on\n"
"  stderr.  Exit status 0 only if every connection completed and verified.\n"
"  --serial: the server sends only after the client's FIN.  --hold-fin: the\n"
"  client sends its FIN only once all --down bytes have arrived.\n");
}

static int server_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mptcp", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool v6 = false, have_port = false, mptcp = false;
	uint64_t port = 0, count = 0;
	const char *bind_s = NULL, *out_s = NULL;
	struct srv s = { .timeout = 120 };
	int o;

	while ((o = getopt_long(argc, argv, "6p:b:c:o:t:mh", opts, NULL)) != -1) {
		switch (o) {
		case '6': v6 = true; break;
		case 'm': mptcp = true; break;
		case 'p':
			if (!parse_u64(optarg, 65535, &port))
				die_usage("bad --port '%s'", optarg);
			have_port = true;
			break;
		case 'b': bind_s = optarg; break;
		case 'c':
			if (!parse_u64(optarg, UINT64_MAX, &count) || !count)
				die_usage("bad --count '%s'", optarg);
			break;
		case 'o': out_s = optarg; break;
		case 't':
			if (!parse_secs(optarg, &s.timeout))
				die_usage("bad --timeout '%s'", optarg);
			break;
		case 'h': usage(stdout); return 0;
		default: die_usage("bad server option");
		}
	}
	if (optind != argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!have_port)
		die_usage("server needs --port");

	struct sockaddr_storage ss;
	socklen_t sl;

	if (bind_s) {
		if (!parse_addr(bind_s, 0, (uint16_t)port, &ss, &sl))
			die_usage("bad --bind address '%s'", bind_s);
		if (v6 && ss.ss_family != AF_INET6)
			die_usage("-6 with an IPv4 --bind address");
	} else {
		memset(&ss, 0, sizeof(ss));
		if (v6) {
			struct sockaddr_in6 *s6 = (void *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_addr = in6addr_any;
			s6->sin6_port = htons((uint16_t)port);
			sl = sizeof(*s6);
		} else {
			struct sockaddr_in *s4 = (void *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
			s4->sin_port = htons((uint16_t)port);
			sl = sizeof(*s4);
		}
	}

	int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
			 mptcp ? IPPROTO_MPTCP : IPPROTO_TCP);
	int one = 1, zero = 0;

	if (lfd < 0) {
		fprintf(stderr, "%s server: socket: %s\n", prog, strerror(errno));
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && !bind_s)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, (struct sockaddr *)&ss, sl) < 0) {
		char a[80];

		fmt_sockaddr(&ss, a, sizeof(a));
		fprintf(stderr, "%s server: bind %s: %s\n", prog, a,
			strerror(errno));
		return 1;
	}
	if (listen(lfd, 1024) < 0) {
		fprintf(stderr, "%s server: listen: %s\n", prog, strerror(errno));
		return 1;
	}
	if (out_s) {
		s.out = fopen(out_s, "a");
		if (!s.out) {
			fprintf(stderr, "%s server: %s: %s\n", prog, out_s,
				strerror(errno));
			return 1;
		}
	} else {
		s.out = stdout;
	}
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	{
		char a[80];
		struct sockaddr_storage la;
		socklen_t ll = sizeof(la);

		getsockname(lfd, (struct sockaddr *)&la, &ll);
		fmt_sockaddr(&la, a, sizeof(a));
		fprintf(stderr, "%s server: listening on %s (plain TCP)\n",
			prog, a);
	}

	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);

	uint64_t accepted = 0;

	while (!count || accepted < count) {
		struct srv_job *j = calloc(1, sizeof(*j));
		socklen_t pl = sizeof(j->peer);
		pthread_t th;

		if (!j) {
			fprintf(stderr, "%s server: out of memory\n", prog);
			return 1;
		}
		j->s = &s;
		j->fd = accept4(lfd, (struct sockaddr *)&j->peer, &pl,
				SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (j->fd < 0) {
			int e = errno;

			free(j);
			if (e == EINTR || e == ECONNABORTED || e == EPROTO)
				continue;
			fprintf(stderr, "%s server: accept: %s\n", prog,
				strerror(e));
			if (e == EMFILE || e == ENFILE || e == ENOBUFS ||
			    e == ENOMEM) {
				usleep(10000);
				continue;
			}
			return 1;
		}
		accepted++;
		pthread_mutex_lock(&s.lock);
		s.active++;
		pthread_mutex_unlock(&s.lock);
		int e = pthread_create(&th, &attr, srv_conn, j);

		if (e) {
			fprintf(stderr, "%s server: pthread_create: %s\n", prog,
				strerror(e));
			close(j->fd);
			free(j);
			pthread_mutex_lock(&s.lock);
			s.active--;
			s.done++;
			s.failed++;
			pthread_mutex_unlock(&s.lock);
		}
	}
	close(lfd);
	pthread_mutex_lock(&s.lock);
	while (s.active)
		pthread_cond_wait(&s.cond, &s.lock);
	uint64_t failed = s.failed;
	pthread_mutex_unlock(&s.lock);
	if (s.out != stdout)
		fclose(s.out);
	fprintf(stderr, "%s server: %" PRIu64 " connections, %" PRIu64
		" failed\n", prog, accepted, failed);
	return failed ? 1 : 0;
}

/* ----------------------------------------------------------------- client */

static int connect_deadline(struct xconn *c, const struct sockaddr_storage *dst,
			    socklen_t dl, uint64_t deadline)
{
	if (connect(c->fd, (const struct sockaddr *)dst, dl) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		xc_err(c, "connect: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
		uint64_t now = now_ns();

		if (now >= deadline) {
			xc_err(c, "timeout: connect did not complete");
			return -1;
		}
		uint64_t ms = (deadline - now) / 1000000 + 1;
		int r = poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			xc_err(c, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			continue;
		int e = 0;
		socklen_t l = sizeof(e);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
			e = errno;
		if (e) {
			xc_err(c, "connect: %s", strerror(e));
			return -1;
		}
		return 0;
	}
}

static int client_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'C' },
		{ "mptcp", no_argument, NULL, 'm' },
		{ "up", required_argument, NULL, 'u' },
		{ "down", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "bind", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "serial", no_argument, NULL, 'S' },
		{ "hold", required_argument, NULL, 'H' },
		{ "hold-fin", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *conn_s = NULL, *bind_s = NULL, *hold = NULL;
	bool mptcp = false, json = false, have_seed = false, serial = false;
	bool hold_fin = false;
	uint64_t up = 0, down = 0, count = 1, seed64 = 0;
	double timeout = 120;
	int o;

	while ((o = getopt_long(argc, argv, "C:mu:d:c:s:b:t:jSH:Fh", opts, NULL))
	       != -1) {
		switch (o) {
		case 'C': conn_s = optarg; break;
		case 'm': mptcp = true; break;
		case 'u':
			if (!parse_size(optarg, &up))
				die_usage("bad --up size '%s'", optarg);
			break;
		case 'd':
			if (!parse_size(optarg, &down))
				die_usage("bad --down size '%s'", optarg);
			break;
		case 'c':
			if (!parse_u64(optarg, UINT32_MAX, &count) || !count)
				die_usage("bad --count '%s'", optarg);
			break;
		case 's':
			if (!parse_u64(optarg, UINT32_MAX, &seed64))
				die_usage("bad --seed '%s' (0..4294967295)",
					  optarg);
			have_seed = true;
			break;
		case 'b': bind_s = optarg; break;
		case 't':
			if (!parse_secs(optarg, &timeout))
				die_usage("bad --timeout '%s'", optarg);
			break;
		case 'j': json = true; break;
		case 'S': serial = true; break;
		case 'H': hold = optarg; break;
		case 'F': hold_fin = true; break;
		case 'h': usage(stdout); return 0;
		default: die_usage("bad client option");
		}
	}
	if (optind != argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!conn_s)
		die_usage("client needs --connect ADDR:PORT");
	if (serial && hold_fin)
		die_usage("--serial and --hold-fin wait for each other");

	struct sockaddr_storage dst, src;
	socklen_t dl, sl = 0;

	if (!parse_addr(conn_s, 1, 0, &dst, &dl))
		die_usage("bad --connect '%s' (want ADDR:PORT or [V6]:PORT)",
			  conn_s);
	if (bind_s) {
		if (!parse_addr(bind_s, -1, 0, &src, &sl))
			die_usage("bad --bind '%s'", bind_s);
		if (src.ss_family != dst.ss_family)
			die_usage("--bind and --connect address families differ");
	}
	if (!have_seed) {
		uint32_t r;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)(now_ns() ^ (uint64_t)getpid());
		seed64 = r;
	}

	struct xconn c;

	if (!xc_alloc(&c)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}

	char peer[80];
	uint64_t nok = 0, nfail = 0, tot_sent = 0, tot_recv = 0;
	uint64_t t_all = now_ns();

	fmt_sockaddr(&dst, peer, sizeof(peer));
	for (uint64_t i = 0; i < count; i++) {
		char local[80] = "", line[1280];
		uint64_t t0 = now_ns(), t_conn = 0;
		bool ok = false;

		xc_reset(&c, false);
		c.seed = (uint32_t)(seed64 + i);
		c.up = up;
		c.down = down;
		c.hold = hold;
		c.hold_fin = hold_fin;
		xc_setup_streams(&c);
		{
			uint32_t m = htonl(serial ? XF_MAGIC_SERIAL : XF_MAGIC);
			uint32_t s = htonl(c.seed);
			uint64_t u = htobe64(up), d = htobe64(down);

			memcpy(c.hdr, &m, 4);
			memcpy(c.hdr + 4, &s, 4);
			memcpy(c.hdr + 8, &u, 8);
			memcpy(c.hdr + 16, &d, 8);
		}
		c.deadline = t0 + (uint64_t)(timeout * 1e9);
		c.fd = socket(dst.ss_family,
			      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			      mptcp ? IPPROTO_MPTCP : IPPROTO_TCP);
		if (c.fd < 0) {
			if (mptcp && (errno == EPROTONOSUPPORT ||
				      errno == ENOPROTOOPT || errno == EINVAL))
				xc_err(&c, "socket(IPPROTO_MPTCP): %s (MPTCP "
				       "not available? check net.mptcp.enabled)",
				       strerror(errno));
			else
				xc_err(&c, "socket: %s", strerror(errno));
			goto report;
		}
		if (bind_s) {
			int one = 1;

			if (dst.ss_family == AF_INET)
				setsockopt(c.fd, IPPROTO_IP,
					   IP_BIND_ADDRESS_NO_PORT, &one,
					   sizeof(one));
			if (bind(c.fd, (struct sockaddr *)&src, sl) < 0) {
				xc_err(&c, "bind %s: %s", bind_s,
				       strerror(errno));
				goto report;
			}
		}
		if (connect_deadline(&c, &dst, dl, c.deadline) < 0)
			goto report;
		t_conn = now_ns();
		{
			struct sockaddr_storage ls;
			socklen_t ll = sizeof(ls);

			memset(&ls, 0, sizeof(ls));
			getsockname(c.fd, (struct sockaddr *)&ls, &ll);
			fmt_sockaddr(&ls, local, sizeof(local));
		}
		if (mptcp) {
			c.mptcp_active = 0;
			xc_sample_mptcp(&c);
		}
		ok = xc_run(&c);
		goto done;
report:
		/* failed before the transfer: finish digests for printing */
		{
			unsigned int l = 32;

			EVP_DigestFinal_ex(c.sctx, c.sent_md, &l);
			EVP_DigestFinal_ex(c.rctx, c.recv_md, &l);
		}
done:
		if (c.fd >= 0)
			close(c.fd);

		double secs = (double)(now_ns() - t0) / 1e9;
		double csecs = t_conn ? (double)(t_conn - t0) / 1e9 : 0;
		size_t n = xc_json_common(&c, line, sizeof(line) - 256, peer,
					  local);

		n += (size_t)snprintf(line + n, sizeof(line) - n,
			",\"conn\":%" PRIu64 ",\"secs\":%.6f,\"connect_secs\":%.6f"
			",\"up_mbps\":%.3f,\"down_mbps\":%.3f,\"mptcp\":%s",
			i, secs, csecs,
			secs > 0 ? (double)c.sent * 8 / secs / 1e6 : 0.0,
			secs > 0 ? (double)c.recvd * 8 / secs / 1e6 : 0.0,
			mptcp ? "true" : "false");
		if (mptcp && c.mptcp_active >= 0)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
				",\"mptcp_active\":%s",
				c.mptcp_active ? "true" : "false");
		if (mptcp && c.mptcp_subflows >= 0)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
				",\"subflows\":%d", c.mptcp_subflows);
		snprintf(line + n, sizeof(line) - n, "}\n");
		fputs(line, stdout);
		fflush(stdout);

		tot_sent += c.sent;
		tot_recv += c.recvd;
		if (ok) {
			nok++;
			if (!json)
				fprintf(stderr, "%s: #%" PRIu64 " ok: up %" PRIu64
					" B (%.1f Mbit/s) down %" PRIu64
					" B (%.1f Mbit/s) in %.3f s\n", prog, i,
					c.sent, secs > 0 ? (double)c.sent * 8 / secs / 1e6 : 0.0,
					c.recvd, secs > 0 ? (double)c.recvd * 8 / secs / 1e6 : 0.0,
					secs);
		} else {
			nfail++;
			fprintf(stderr, "%s: connection #%" PRIu64 " to %s "
				"FAILED: %s\n", prog, i, peer, c.err);
		}
	}
	xc_free(&c);

	if (count > 1) {
		double secs = (double)(now_ns() - t_all) / 1e9;

		printf("{\"summary\":true,\"connections\":%" PRIu64 ",\"ok\":%"
		       PRIu64 ",\"failed\":%" PRIu64 ",\"secs\":%.6f"
		       ",\"sent_bytes\":%" PRIu64 ",\"recv_bytes\":%" PRIu64
		       ",\"up_mbps\":%.3f,\"down_mbps\":%.3f"
		       ",\"conn_per_sec\":%.1f}\n",
		       count, nok, nfail, secs, tot_sent, tot_recv,
		       secs > 0 ? (double)tot_sent * 8 / secs / 1e6 : 0.0,
		       secs > 0 ? (double)tot_recv * 8 / secs / 1e6 : 0.0,
		       secs > 0 ? (double)count / secs : 0.0);
		fflush(stdout);
		if (!json || nfail)
			fprintf(stderr, "%s: %" PRIu64 " connections: %" PRIu64
				" ok, %" PRIu64 " failed, %.3f s\n", prog,
				count, nok, nfail, secs);
	}
	return nfail ? 1 : 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md) {
		fprintf(stderr, "%s: OpenSSL has no SHA256\n", prog);
		return 1;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "server"))
		return server_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "client"))
		return client_main(argc - 1, argv + 1);
	die_usage("first argument must be 'server' or 'client'");
	return 2;
}
