/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the libFuzzer harnesses: an input cursor and CHECK(), which
 * aborts so that libFuzzer reports a broken invariant as a crash and
 * saves the input. The independent helpers of tests/unit/util.c (option
 * walker, frame parser, checksums) are the second opinion here too.
 */
#ifndef MPX_FUZZ_H
#define MPX_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include "tcore.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: invariant violated: %s\n",      \
				__FILE__, __LINE__, #c);                       \
			abort();                                               \
		}                                                              \
	} while (0)

/* Reads past the end of the input give zeros: every input is valid. */
struct in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t in_u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t in_u16(struct in *in)
{
	uint16_t hi = in_u8(in);

	return (uint16_t)(hi << 8 | in_u8(in));
}

static inline uint32_t in_u32(struct in *in)
{
	uint32_t hi = in_u16(in);

	return hi << 16 | in_u16(in);
}

static inline uint64_t in_u64(struct in *in)
{
	uint64_t hi = in_u32(in);

	return hi << 32 | in_u32(in);
}

/* n bytes into out, zero-filled past the input's end */
static inline void in_bytes(struct in *in, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = in_u8(in);
}

/* Ones' complement sums have two zeros; compare folded sums modulo that. */
static inline int sum_eq(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

/* Emit tx into buf: the frame's headers must be what tx says, its lengths
 * consistent, its checksums valid exactly when the input's TCP checksum
 * was (the gateway carries a payload's corruption along, never repairs or
 * adds it; a segment without payload gets a fresh checksum). out receives
 * the parsed frame for further checks. */
static inline void check_emitted(struct ref_hdr *out, uint8_t *buf, const uint8_t *frame,
				 int in_ok, const struct mpx_pkt *p,
				 const struct mpx_tx *tx)
{
	size_t len = emit_frame(buf, frame, p, tx, 0);

	CHECK(tx->opt.len <= MPX_TCP_OPT_MAX && (tx->opt.len & 3) == 0);
	CHECK(tx->plen == p->plen || tx->plen == 0);
	CHECK(ref_parse(buf, len, out) == 0);
	CHECK(out->v6 == p->v6);
	CHECK(out->ip_len == len - MPX_ETH_HLEN);
	CHECK(out->optlen == tx->opt.len && out->plen == tx->plen);
	CHECK(!memcmp(out->opt, tx->opt.b, tx->opt.len));
	CHECK(!memcmp(out->saddr, tx->saddr, 16) && !memcmp(out->daddr, tx->daddr, 16));
	CHECK(out->sport == tx->sport && out->dport == tx->dport);
	CHECK(out->seq == tx->seq && out->ack == tx->ack && out->flags == tx->flags);
	CHECK(p->v6 || ref_ip4_csum(out->ip) == be16(out->ip + 10));
	CHECK(ref_tcp_csum_ok(out->ip, out->ip_len) == (tx->plen ? in_ok : 1));
}

/* Is the framing of an option area intact, and its MPTCP bytes n? */
static inline void check_area(const uint8_t *a, int len, int mptcp_bytes)
{
	struct mpx_opts o;

	CHECK(len >= 0 && len <= MPX_TCP_OPT_MAX);
	parse_area(&o, a, len);
	CHECK(!o.malformed);
	CHECK(o.mptcp_bytes == mptcp_bytes);
}

#endif
