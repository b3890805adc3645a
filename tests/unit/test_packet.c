// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 6. Packet decode and emit: mpx_pkt_load() on every real frame and on
 * crafted bad ones; mpx_emit() reproduces every real header byte for byte
 * when nothing changes, and writes valid checksums when things do.
 */
#include <criterion/criterion.h>
#include "tcore.h"

Test(packet, load_every_frame)
{
	unsigned n = 0, v4 = 0, v6 = 0;

	cr_assert_gt(vec_n_frames, 0);
	for (unsigned i = 0; i < vec_n_frames; i++) {
		const struct vec_frame *f = &vec_frames[i];
		struct ref_hdr h;
		struct mpx_pkt p;

		cr_assert_eq(ref_parse(f->data, f->len, &h), 0, "%s#%u", f->id, f->frame);
		cr_assert_eq(mpx_pkt_load(&p, f->data, f->len), MPX_PKT_OK, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.v6, h.v6, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.l3len, h.v6 ? 40 : 20);
		cr_expect_eq(p.doff, h.doff, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.plen, h.plen, "%s#%u plen %u want %zu", f->id, f->frame, p.plen, h.plen);
		cr_expect_eq(p.sport, h.sport, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.dport, h.dport, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.seq, h.seq, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.ack, h.ack, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.flags, h.flags & 0x3f, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.win, h.win, "%s#%u", f->id, f->frame);
		cr_expect_eq(p.csum, be16(h.tcp + 16), "%s#%u", f->id, f->frame);
		cr_expect_eq(p.urg, be16(h.tcp + 18), "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(p.saddr, h.saddr, 16, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(p.daddr, h.daddr, 16, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(p.l3, h.ip, p.l3len, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(p.tcp, h.tcp, 20, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(p.opt, h.opt, h.optlen, "%s#%u", f->id, f->frame);
		for (size_t k = h.optlen; k < MPX_OPT_BUF; k++)
			cr_expect_eq(p.opt[k], 0, "%s#%u: option buffer not zero padded", f->id, f->frame);
		cr_expect_eq(p.opts.len, h.optlen);
		n++;
		v4 += !h.v6;
		v6 += h.v6;
	}
	cr_assert_gt(v4, 0);
	cr_log_info("packet: %u frames (%u IPv4, %u IPv6)", n, v4, v6);
}

/* ---- crafted frames ------------------------------------------------------ */

static size_t base_frame(uint8_t *buf, int v6, int plen)
{
	static uint8_t pl[64];
	struct fb f;

	for (int i = 0; i < 64; i++)
		pl[i] = (uint8_t)i;
	memset(&f, 0, sizeof(f));
	f.v6 = v6;
	if (v6) {
		memcpy(f.saddr, "\x20\x01\x0d\xb8\x00\x01\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f.daddr, "\x20\x01\x0d\xb8\x00\x01\0\0\0\0\0\0\0\0\0\x02", 16);
	} else {
		memcpy(f.saddr, "\xc6\x12\x01\x01", 4);
		memcpy(f.daddr, "\xc6\x12\x01\x02", 4);
	}
	f.sport = 1234;
	f.dport = 5001;
	f.seq = 100;
	f.ack = 200;
	f.flags = MPX_TCP_ACK;
	f.win = 1000;
	f.opt = (const uint8_t *)"\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02";
	f.optlen = 12;
	f.payload = pl;
	f.plen = plen;
	return fb_build(buf, 256, &f);
}

static int load(const uint8_t *buf, size_t len)
{
	struct mpx_pkt p;

	return mpx_pkt_load(&p, buf, (uint32_t)len);
}

static void fix_ip4(uint8_t *buf)
{
	wbe16(buf + 14 + 10, ref_ip4_csum(buf + 14));
}

Test(packet, crafted_ok)
{
	uint8_t buf[256];
	size_t len;
	struct mpx_pkt p;

	for (int v6 = 0; v6 < 2; v6++) {
		len = base_frame(buf, v6, 10);
		cr_assert_eq(mpx_pkt_load(&p, buf, (uint32_t)len), MPX_PKT_OK, "v6 %d", v6);
		cr_expect_eq(p.plen, 10);
		cr_expect_eq(p.doff, 32);
		cr_expect(p.opts.has & MPX_HAS_TS);
		/* Ethernet padding after the IP packet is not payload */
		memset(buf + len, 0, 20);
		cr_assert_eq(mpx_pkt_load(&p, buf, (uint32_t)len + 20), MPX_PKT_OK);
		cr_expect_eq(p.plen, 10, "v6 %d: trailer counted as payload", v6);
	}
	/* DF alone is not a fragment */
	len = base_frame(buf, 0, 0);
	wbe16(buf + 14 + 6, 0x4000);
	fix_ip4(buf);
	cr_expect_eq(load(buf, len), MPX_PKT_OK);
	/* no options at all: doff 20 */
	{
		struct fb f;

		memset(&f, 0, sizeof(f));
		memcpy(f.saddr, "\x0a\0\0\1", 4);
		memcpy(f.daddr, "\x0a\0\0\2", 4);
		f.flags = MPX_TCP_SYN;
		len = fb_build(buf, sizeof(buf), &f);
		cr_assert_eq(mpx_pkt_load(&p, buf, (uint32_t)len), MPX_PKT_OK);
		cr_expect_eq(p.doff, 20);
		cr_expect_eq(p.plen, 0);
		cr_expect_eq(p.opts.len, 0);
	}
}

Test(packet, crafted_not_tcp)
{
	uint8_t buf[256];
	size_t len = base_frame(buf, 0, 0);

	/* ARP, VLAN tag */
	wbe16(buf + 12, 0x0806);
	cr_expect_eq(load(buf, len), MPX_PKT_NOT_TCP);
	wbe16(buf + 12, 0x8100);
	cr_expect_eq(load(buf, len), MPX_PKT_NOT_TCP);
	/* IPv4 UDP, ICMP */
	len = base_frame(buf, 0, 0);
	buf[14 + 9] = 17;
	fix_ip4(buf);
	cr_expect_eq(load(buf, len), MPX_PKT_NOT_TCP);
	buf[14 + 9] = 1;
	fix_ip4(buf);
	cr_expect_eq(load(buf, len), MPX_PKT_NOT_TCP);
	/* IPv6 UDP, ICMPv6, no next header */
	len = base_frame(buf, 1, 0);
	buf[14 + 6] = 17;
	cr_expect_eq(load(buf, len), MPX_PKT_NOT_TCP);
	buf[14 + 6] = 58;
	cr_expect_eq(load(buf, len), MPX_PKT_NOT_TCP);
	buf[14 + 6] = 59;
	cr_expect_eq(load(buf, len), MPX_PKT_NOT_TCP);
}

Test(packet, crafted_unsupported)
{
	uint8_t buf[256];
	size_t len;

	/* IPv4 with options: IHL 6..15 */
	for (int ihl = 6; ihl <= 15; ihl++) {
		len = base_frame(buf, 0, 0);
		buf[14] = (uint8_t)(0x40 | ihl);
		cr_expect_eq(load(buf, len), MPX_PKT_UNSUP, "ihl %d", ihl);
	}
	/* fragments: MF, offset, both */
	const uint16_t frag[] = { 0x2000, 0x0001, 0x1fff, 0x2001, 0x6000, 0x4001 };

	for (unsigned k = 0; k < sizeof(frag) / sizeof(frag[0]); k++) {
		len = base_frame(buf, 0, 0);
		wbe16(buf + 14 + 6, frag[k]);
		fix_ip4(buf);
		cr_expect_eq(load(buf, len), MPX_PKT_UNSUP, "frag field %#x", frag[k]);
	}
	/* IPv6 extension headers in front of TCP */
	const uint8_t ext[] = { 0, 43, 44, 60 };

	for (unsigned k = 0; k < sizeof(ext); k++) {
		len = base_frame(buf, 1, 0);
		buf[14 + 6] = ext[k];
		cr_expect_eq(load(buf, len), MPX_PKT_UNSUP, "next header %u", ext[k]);
	}
}

Test(packet, crafted_malformed)
{
	uint8_t buf[256];
	size_t len;

	/* shorter than Ethernet, than Ethernet + IP + TCP */
	len = base_frame(buf, 0, 0);
	cr_expect_eq(load(buf, 10), MPX_PKT_MALFORMED);
	cr_expect_eq(load(buf, 14 + 20 + 19), MPX_PKT_MALFORMED);
	len = base_frame(buf, 1, 0);
	cr_expect_eq(load(buf, 14 + 40 + 19), MPX_PKT_MALFORMED);
	/* a frame cut inside the options / payload (IP length says more) */
	for (int v6 = 0; v6 < 2; v6++) {
		len = base_frame(buf, v6, 20);
		for (size_t cut = 14 + (v6 ? 40 : 20) + 20; cut < len; cut += 3)
			cr_expect_eq(load(buf, cut), MPX_PKT_MALFORMED, "v6 %d cut %zu of %zu", v6, cut, len);
	}
	/* IPv4 total length below IP + TCP */
	len = base_frame(buf, 0, 0);
	wbe16(buf + 14 + 2, 39);
	fix_ip4(buf);
	cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED);
	/* TCP data offset below 5 words, or past the IP length */
	for (int v6 = 0; v6 < 2; v6++) {
		size_t t = 14 + (v6 ? 40 : 20);

		for (int doff = 0; doff < 5; doff++) {
			len = base_frame(buf, v6, 0);
			buf[t + 12] = (uint8_t)(doff << 4);
			cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED, "v6 %d doff %d", v6, doff);
		}
		len = base_frame(buf, v6, 4); /* TCP length 36 */
		buf[t + 12] = 10 << 4;	      /* 40 bytes of header */
		cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED, "v6 %d: doff past the IP length", v6);
	}
	/* version field disagreeing with the EtherType */
	len = base_frame(buf, 0, 0);
	buf[14] = 0x65;
	cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED);
	len = base_frame(buf, 1, 0);
	buf[14] = 0x40;
	cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED);
	/* IPv6 payload length past the frame, or too short for TCP */
	len = base_frame(buf, 1, 0);
	wbe16(buf + 14 + 4, (uint16_t)(len - 14 - 40 + 1));
	cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED);
	wbe16(buf + 14 + 4, 19);
	cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED);
}

/* An IPv4 header length below 5 words is an inconsistent length (the
 * header would end before its own fields), not "IPv4 with options". */
Test(packet, ipv4_ihl_below_five_is_malformed)
{
	uint8_t buf[256];

	for (int ihl = 0; ihl < 5; ihl++) {
		size_t len = base_frame(buf, 0, 0);

		buf[14] = (uint8_t)(0x40 | ihl);
		cr_expect_eq(load(buf, len), MPX_PKT_MALFORMED, "IHL %d: got %d", ihl, load(buf, len));
	}
}

/* ---- emit ------------------------------------------------------------------- */

/* tx_init + the original options, emitted: the original bytes */
Test(packet, emit_identity_every_frame)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_frames; i++) {
		const struct vec_frame *f = &vec_frames[i];
		struct mpx_pkt p;
		struct mpx_tx tx;
		struct mpx_hdr h;

		cr_assert_eq(mpx_pkt_load(&p, f->data, f->len), MPX_PKT_OK);
		memset(&tx, 0, sizeof(tx));
		mpx_tx_init(&tx, &p);
		memcpy(tx.opt.b, p.opt, p.doff - 20u);
		tx.opt.len = (uint8_t)(p.doff - 20);
		memset(&h, 0, sizeof(h));
		mpx_emit(&h, &p, &tx, mpx_pkt_payload_sum(&p), 0);
		cr_expect_eq(h.len, (unsigned)p.l3len + p.doff, "%s#%u", f->id, f->frame);
		cr_expect_arr_eq(h.b, f->data + 14, h.len, "%s#%u:\n got %s\nwant %s", f->id, f->frame,
				 hexs(h.b, h.len), hexs(f->data + 14, h.len));
		n++;
	}
	cr_assert_gt(n, 0);
}

static void check_out(const uint8_t *fr, size_t len, const char *what, unsigned k)
{
	struct ref_hdr h;

	cr_assert_eq(ref_parse(fr, len, &h), 0, "%s#%u: unparsable output", what, k);
	cr_expect_eq(h.ip_len, len - 14, "%s#%u: IP length", what, k);
	cr_expect(ref_tcp_ok(h.ip, h.ip_len), "%s#%u: checksums do not verify", what, k);
}

Test(packet, emit_ttl_decrement)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_frames; i++) {
		const struct vec_frame *f = &vec_frames[i];
		struct mpx_pkt p;
		struct mpx_tx tx;
		uint8_t out[2048];
		size_t len;

		mpx_pkt_load(&p, f->data, f->len);
		memset(&tx, 0, sizeof(tx));
		mpx_tx_init(&tx, &p);
		memcpy(tx.opt.b, p.opt, p.doff - 20u);
		tx.opt.len = (uint8_t)(p.doff - 20);
		len = emit_frame(out, f->data, &p, &tx, 1);
		check_out(out, len, f->id, f->frame);
		cr_expect_eq(out[14 + (p.v6 ? 7 : 8)], f->data[14 + (p.v6 ? 7 : 8)] - 1, "%s#%u", f->id, f->frame);
		/* only the TTL and the IPv4 header checksum changed */
		for (size_t k = 14; k < len; k++)
			if (k != 14u + (p.v6 ? 7 : 8) && (p.v6 || (k != 24 && k != 25)))
				cr_expect_eq(out[k], f->data[k], "%s#%u byte %zu", f->id, f->frame, k);
		n++;
	}
	cr_assert_gt(n, 0);
}

/* new numbers, flags and options: lengths follow, checksums verify */
Test(packet, emit_modified_every_frame)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_frames; i++) {
		const struct vec_frame *f = &vec_frames[i];
		struct mpx_pkt p;
		struct mpx_tx tx;
		uint8_t out[2048], dss[28];
		size_t len;
		struct ref_hdr h;

		mpx_pkt_load(&p, f->data, f->len);
		for (int variant = 0; variant < 3; variant++) {
			memset(&tx, 0, sizeof(tx));
			mpx_tx_stripped(&tx, &p, MPX_SACK_MAX);
			tx.seq = p.seq + 0x9e3779b9u * (variant + 1);
			tx.ack = p.ack ^ 0x5a5a5a5au;
			tx.win = (uint16_t)(p.win + 7);
			tx.sport = (uint16_t)(p.sport + variant);
			if (variant == 1) {
				uint32_t l = mpx_build_dss(dss, 0x1122334455667788ull, 1, 0x99, 1, 1400, 0, 1, 0xabcd);

				mpx_optbuf_append(&tx.opt, dss, l);
			} else if (variant == 2) {
				tx.opt.len = 0; /* no options at all */
				tx.flags |= MPX_TCP_FIN;
				tx.flags ^= 0xc0; /* ECE and CWR are tx's to set or clear */
			}
			mpx_optbuf_pad(&tx.opt);
			len = emit_frame(out, f->data, &p, &tx, 0);
			check_out(out, len, f->id, f->frame);
			cr_assert_eq(ref_parse(out, len, &h), 0);
			cr_expect_eq(h.seq, tx.seq, "%s#%u", f->id, f->frame);
			cr_expect_eq(h.ack, tx.ack);
			cr_expect_eq(h.win, tx.win);
			cr_expect_eq(h.sport, tx.sport);
			/* all eight flag bits are tx's; mpx_tx_stripped() starts
			 * from the received ones, ECE and CWR included */
			cr_expect_eq(h.flags, tx.flags, "%s#%u variant %d: flags %#x, tx %#x", f->id, f->frame, variant,
				     h.flags, tx.flags);
			cr_expect_eq(h.flags & 0xc0, (f->data[14 + p.l3len + 13] & 0xc0) ^ (variant == 2 ? 0xc0 : 0),
				     "%s#%u variant %d: ECE/CWR", f->id, f->frame, variant);
			cr_expect_eq(h.optlen, tx.opt.len, "%s#%u", f->id, f->frame);
			cr_expect_arr_eq(h.opt, tx.opt.b, tx.opt.len);
			cr_expect_eq(h.plen, p.plen, "%s#%u", f->id, f->frame);
			cr_expect_arr_eq(h.payload, f->data + 14 + p.l3len + p.doff, p.plen, "payload kept");
		}
		n++;
	}
	cr_assert_gt(n, 0);
}

/* IPv6 and the rarely set header bits, on crafted frames */
Test(packet, emit_crafted_v6_and_bits)
{
	uint8_t pl[333], buf[2048], out[2048];

	for (int i = 0; i < 333; i++)
		pl[i] = (uint8_t)(7 * i);
	for (int v6 = 0; v6 < 2; v6++) {
		for (int plen = 0; plen <= 333; plen += 111) {
			struct fb f;
			struct mpx_pkt p;
			struct mpx_tx tx;
			size_t len, olen;

			memset(&f, 0, sizeof(f));
			f.v6 = v6;
			memcpy(f.saddr, "\x20\x01\x0d\xb8\0\2\0\0\0\0\0\0\0\0\0\x11", 16);
			memcpy(f.daddr, "\x20\x01\x0d\xb8\0\2\0\0\0\0\0\0\0\0\0\x22", 16);
			f.sport = 65535;
			f.dport = 1;
			f.seq = 0xffffffffu;
			f.ack = 0;
			f.flags = MPX_TCP_ACK | MPX_TCP_URG | MPX_TCP_PSH;
			f.tcp13_high = 0xc0;
			f.tcp12_low = 0x1;
			f.urg = 0x1234;
			f.win = 0xffff;
			f.opt = (const uint8_t *)"\x02\x04\x05\xa0\x01\x03\x03\x0e\x1e\x04\x01\x01";
			f.optlen = 12;
			f.payload = pl;
			f.plen = plen;
			len = fb_build(buf, sizeof(buf), &f);
			cr_assert_eq(mpx_pkt_load(&p, buf, (uint32_t)len), MPX_PKT_OK);
			/* identity */
			memset(&tx, 0, sizeof(tx));
			mpx_tx_init(&tx, &p);
			cr_expect_eq(tx.flags, 0xc0 | f.flags, "mpx_tx_init: all eight flag bits");
			memcpy(tx.opt.b, p.opt, 12);
			tx.opt.len = 12;
			olen = emit_frame(out, buf, &p, &tx, 0);
			cr_expect_eq(olen, len);
			cr_expect_arr_eq(out + 14, buf + 14, len - 14, "v6 %d plen %d", v6, plen);
			/* stripped (8 bytes of options) */
			mpx_tx_stripped(&tx, &p, 4);
			mpx_optbuf_pad(&tx.opt);
			olen = emit_frame(out, buf, &p, &tx, 1);
			cr_expect_eq(olen, len - 4, "v6 %d plen %d", v6, plen);
			check_out(out, olen, "crafted", (unsigned)plen);
			cr_expect_eq(be16(out + 14 + (v6 ? 40 : 20) + 18), 0x1234, "urgent pointer");
			cr_expect_eq(out[14 + (v6 ? 40 : 20) + 12] & 0x0f, 0x1, "reserved/AE bits");
			cr_expect_eq(out[14 + (v6 ? 40 : 20) + 13], 0xc0 | f.flags, "flags");
		}
	}
}
