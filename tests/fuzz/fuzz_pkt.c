// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: the packet parser and emitter (packet.h) on
 * arbitrary bytes taken as an Ethernet frame.
 *
 *   load     agrees with util.c's independent frame parser: a frame the
 *            core accepts parses there to the same fields, and one that
 *            parses there is accepted unless it is an IPv4 fragment;
 *            lengths add up (IP length = headers + payload <= frame)
 *   sum      the payload sum recovered from the checksum is the payload's
 *            own sum whenever the TCP checksum verifies
 *   emit     the segment without its MPTCP options, and with a DSS in
 *            their place, comes out as a well-formed frame of the lengths
 *            the tx says, checksums valid exactly when the input's was
 */
#include "fuzz.h"

static void check_load(const uint8_t *data, size_t size, const struct mpx_pkt *p,
		       const struct ref_hdr *h)
{
	size_t l3 = p->v6 ? MPX_IP6_HLEN : MPX_IP4_HLEN;

	CHECK(p->l3len == l3 && h->v6 == p->v6);
	CHECK(h->ip_len == l3 + p->doff + p->plen && MPX_ETH_HLEN + h->ip_len <= size);
	CHECK(p->doff >= MPX_TCP_HLEN && p->doff <= MPX_TCP_HLEN + MPX_TCP_OPT_MAX);
	CHECK(h->doff == p->doff && h->plen == p->plen);
	CHECK(!memcmp(h->saddr, p->saddr, 16) && !memcmp(h->daddr, p->daddr, 16));
	CHECK(h->sport == p->sport && h->dport == p->dport);
	CHECK(h->seq == p->seq && h->ack == p->ack && h->win == p->win);
	CHECK((h->flags & 0x3f) == p->flags && h->flags == p->tcp[13]);
	CHECK(p->opts.len == h->optlen && !memcmp(p->opt, h->opt, h->optlen));
	for (size_t i = h->optlen; i < MPX_OPT_BUF; i++)
		CHECK(p->opt[i] == 0);
	CHECK(!memcmp(p->l3, data + MPX_ETH_HLEN, l3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mpx_pkt p;
	struct mpx_tx tx;
	struct ref_hdr h, out;
	uint8_t opt[MPX_DSS_ROOM], *buf;
	int rc = mpx_pkt_load(&p, data, (uint32_t)size), ok;

	CHECK(rc >= MPX_PKT_OK && rc <= MPX_PKT_MALFORMED);
	if (ref_parse(data, size, &h)) {
		CHECK(rc != MPX_PKT_OK);
		return 0;
	}
	if (rc != MPX_PKT_OK) {
		/* the reference parser does not look at fragmentation */
		CHECK(rc == MPX_PKT_UNSUP && !h.v6 && (be16(h.ip + 6) & 0x3fff));
		return 0;
	}
	check_load(data, size, &p, &h);
	ok = ref_tcp_csum_ok(h.ip, h.ip_len);
	if (ok)
		CHECK(sum_eq(mpx_pkt_payload_sum(&p), ref_fold(ref_sum(0, h.payload, h.plen))));

	/* the output never outgrows the input by more than the DSS's room */
	buf = malloc(size + MPX_DSS_ROOM);
	mpx_tx_stripped(&tx, &p, MPX_SACK_MAX);
	mpx_optbuf_pad(&tx.opt);
	check_emitted(&out, buf, data, ok, &p, &tx);
	CHECK(!memcmp(out.payload, h.payload, h.plen));

	mpx_tx_stripped(&tx, &p, 0);
	if (!mpx_optbuf_append(&tx.opt, opt, mpx_build_dss(opt, p.seq, 1, p.ack, 1, p.plen,
							    0, 1, p.csum))) {
		mpx_optbuf_pad(&tx.opt);
		check_emitted(&out, buf, data, ok, &p, &tx);
	}
	free(buf);
	return 0;
}
