/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test helpers written independently of include/mpxdp/: an RFC 1071
 * checksum, a TCP option walker, a DSS decoder, a frame parser and a frame
 * builder. The tests use them as the second opinion against which the core
 * is checked, so none of them calls into the core.
 */
#ifndef MPX_TEST_UTIL_H
#define MPX_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "vectors.h"

/* ---- RFC 1071 --------------------------------------------------------- */
/* Add n bytes (16-bit big-endian words, odd tail padded with zero) to acc.
 * Chained calls must keep every piece but the last at an even length. */
uint64_t ref_sum(uint64_t acc, const uint8_t *p, size_t n);
uint16_t ref_fold(uint64_t acc);
/* the DSS checksum (RFC 8684 3.3.1) of a mapping over payload[0..n) */
uint16_t ref_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t dlen,
		      const uint8_t *payload, size_t n);
/* IPv4 header checksum field value for a 20-byte header (field ignored) */
uint16_t ref_ip4_csum(const uint8_t *h);
/* TCP checksum field value for the IP packet at ip (v4: 20-byte header,
 * v6: 40-byte header), treating the checksum field as zero. */
uint16_t ref_tcp_csum(const uint8_t *ip, size_t len);
/* 1 when the TCP checksum (and for IPv4 the header checksum) verify */
int ref_tcp_ok(const uint8_t *ip, size_t len);
/* 1 when the TCP checksum verifies, whatever the IPv4 header's says */
int ref_tcp_csum_ok(const uint8_t *ip, size_t len);

/* ---- TCP options ------------------------------------------------------ */
struct ref_opt {
	uint8_t kind;
	uint8_t len; /* 1 for NOP */
	uint8_t off;
};
/* Walk an option area; stops at EOL or at broken framing (then *bad = 1).
 * Returns the number of items (NOPs included). */
int ref_opt_walk(const uint8_t *a, int len, struct ref_opt *it, int max, int *bad);
/* The area without MPTCP options and without trailing NOPs (no padding);
 * returns the length written to out. */
int ref_strip_mptcp(const uint8_t *a, int len, uint8_t *out);
/* the same without SACK blocks either (what goes to a client: the
 * server's SACK blocks are in the server's space) */
int ref_strip_mptcp_sack(const uint8_t *a, int len, uint8_t *out);
/* number of options of this kind in the area */
int ref_count_kind(const uint8_t *a, int len, int kind);
/* ref_strip_mptcp, then NOP padded to a multiple of 4 */
int ref_strip_mptcp_pad(const uint8_t *a, int len, uint8_t *out);
/* offset of the first MPTCP option of this subtype (-1: any), or -1 */
int ref_find_mptcp(const uint8_t *a, int len, int subtype);
/* number of MPTCP options in the area */
int ref_count_mptcp(const uint8_t *a, int len);

struct ref_dss {
	int present;
	uint8_t len, flags;
	int has_ack, ack8, has_map, dsn8, fin, has_csum;
	uint64_t data_ack, dsn;
	uint32_t ssn;
	uint16_t dlen, csum;
};
/* decode the DSS option of an option area (present = 0 when none) */
void ref_dss_of_area(const uint8_t *a, int len, struct ref_dss *d);

/* ---- frames ----------------------------------------------------------- */
struct ref_hdr {
	int v6;
	const uint8_t *ip; /* start of the IP header */
	size_t ip_len;	   /* IP packet length (from the IP header) */
	const uint8_t *tcp;
	size_t doff;
	const uint8_t *opt;
	size_t optlen;
	const uint8_t *payload;
	size_t plen;
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* the whole flags byte */
	uint16_t win;
};
/* Parse Ethernet + IPv4/IPv6 (no extension headers) + TCP. 0 on success. */
int ref_parse(const uint8_t *frame, size_t len, struct ref_hdr *h);

struct fb {
	int v6;
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;
	int optlen; /* must be a multiple of 4, <= 40 */
	const uint8_t *payload;
	int plen;
	const uint8_t *l3tmpl; /* optional IP header template (20 or 40 bytes) */
	uint8_t tcp12_low;     /* low nibble of TCP byte 12 */
	uint8_t tcp13_high;    /* ECE/CWR bits of TCP byte 13 */
	uint16_t urg;
};
/* Build Ethernet + IP + TCP with valid checksums; returns the frame length. */
size_t fb_build(uint8_t *buf, size_t cap, const struct fb *f);
/* A struct fb describing a parsed frame (options/payload point into it). */
void fb_from(struct fb *f, const struct ref_hdr *h);

/* small conveniences */
uint64_t be64(const uint8_t *p);
uint32_t be32(const uint8_t *p);
uint16_t be16(const uint8_t *p);
void wbe16(uint8_t *p, uint16_t v);
void wbe32(uint8_t *p, uint32_t v);
void wbe64(uint8_t *p, uint64_t v);
/* hex dump into a static buffer (for messages) */
const char *hexs(const uint8_t *p, size_t n);

#endif
