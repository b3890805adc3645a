/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Thin wrappers that put test inputs into the shape the core expects. */
#ifndef MPX_TEST_TCORE_H
#define MPX_TEST_TCORE_H

#include <stdio.h>
#include <string.h>
#include "mpxdp/translate.h"
#include "keys.h"
#include "util.h"

/* Parse an option area the way the core is fed: a fresh struct and the
 * bytes in a zero-padded MPX_OPT_BUF buffer. */
static inline void parse_area(struct mpx_opts *o, const uint8_t *a, int len)
{
	uint8_t buf[MPX_OPT_BUF];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, a, (size_t)len);
	memset(o, 0, sizeof(*o));
	mpx_parse_opts(o, buf, (__u8)len);
}

/* mpx_opts_copy_kept() on an area given as plain bytes */
static inline void copy_kept(struct mpx_optbuf *ob, const uint8_t *a, int len,
			     int max_sack)
{
	uint8_t buf[MPX_OPT_BUF];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, a, (size_t)len);
	memset(ob, 0, sizeof(*ob));
	mpx_opts_copy_kept(ob, buf, (__u8)len, max_sack);
}

/* Does verdict v note counter st? */
static inline int has_ev(const struct mpx_verdict *v, int st)
{
	for (int i = 0; i < v->n && i < MPX_EV_MAX; i++)
		if (v->ev[i] == st)
			return 1;
	return 0;
}

/* The counters a verdict notes, by name (for messages). */
static inline const char *evs(const struct mpx_verdict *v)
{
#define MPX_T_NAME(id, name, help) name,
	static const char *const names[] = { MPX_STATS(MPX_T_NAME) };
#undef MPX_T_NAME
	static char buf[4][512];
	static int k;
	char *b = buf[k++ & 3];
	size_t o = 0;

	b[0] = 0;
	for (int i = 0; i < v->n && i < MPX_EV_MAX; i++)
		if (v->ev[i] < MPX_ST__MAX)
			o += (size_t)snprintf(b + o, 512 - o, "%s%s", i ? "," : "", names[v->ev[i]]);
	return b;
}

/* The whole output frame (Ethernet + emitted headers + the payload tx keeps). */
static inline size_t emit_frame(uint8_t *out, const uint8_t *orig_frame,
				const struct mpx_pkt *p, const struct mpx_tx *tx,
				int ttl_dec)
{
	struct mpx_hdr h;
	size_t off = MPX_ETH_HLEN + p->l3len + p->doff;

	memset(&h, 0, sizeof(h));
	mpx_emit(&h, p, tx, mpx_pkt_payload_sum(p), ttl_dec);
	memcpy(out, orig_frame, MPX_ETH_HLEN);
	memcpy(out + MPX_ETH_HLEN, h.b, h.len);
	memcpy(out + MPX_ETH_HLEN + h.len, orig_frame + off, tx->plen);
	return MPX_ETH_HLEN + h.len + tx->plen;
}

/* A server segment through the core as the XDP glue runs it: placed
 * among the live subflows sfs[0 .. n-1] (indexes), else scheduled. */
static inline void s2c_multi(struct mpx_conn *c, struct mpx_sf **sfs, int n,
			     const struct mpx_pkt *p, struct mpx_tx *tx, struct mpx_verdict *v,
			     uint64_t now, uint64_t stall_ns)
{
	struct mpx_route r = { .alloc = 1 };

	if (mpx_s2c_prepare(c, p, now, stall_ns, v))
		for (int i = 0; i < n; i++)
			if ((mpx_sf_live(c) & (1u << i)) && mpx_s2c_place(sfs[i], i, c, p, &r))
				break;
	mpx_s2c_route(c, p, &r, v);
	mpx_s2c(c, sfs[r.idx < (uint32_t)n ? r.idx : 0], p, &r, tx, v, now);
}

#endif
