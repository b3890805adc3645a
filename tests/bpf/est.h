/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fixture of the suites that work on s01's connection once installed
 * (established, subflow): the connection installed as the daemon does,
 * IPv4 or its IPv6 twin, and builders for the options and frames they
 * expect, from RFC 8684's layouts.
 */
#ifndef MPX_BT_EST_H
#define MPX_BT_EST_H

#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include "bt.h"
#include "s01.h"

static struct s01 S;
static struct mpx_conn C;
static struct bt_out O;
static struct bt_tuple C2S, S2C;

static inline void est_setup(void)
{
	bt_setup();
	s01_load(&S);
	s01_install(&S, 0, &C);
	C2S = S.c2s;
	bt_tuple_rev(&S2C, &C2S);
}

static inline void est_teardown(void)
{
	s01_free(&S);
	bt_teardown();
}

/* start over with the IPv6 twin of the connection */
static inline void est_go_v6(void)
{
	bt_teardown();
	bt_setup();
	s01_install(&S, 1, &C);
	memset(&C2S, 0, sizeof(C2S));
	C2S.v6 = 1;
	memcpy(C2S.saddr, C.key0.c_addr, 16);
	memcpy(C2S.daddr, C.key0.s_addr, 16);
	C2S.sport = C.key0.c_port;
	C2S.dport = C.key0.s_port;
	bt_tuple_rev(&S2C, &C2S);
}

static inline void conn_get(struct mpx_conn *c)
{
	uint32_t id = 1;

	cr_assert_eq(bpf_map_lookup_elem(bt_map_fd("conns"), &id, c), 0);
}

static inline void conn_put(const struct mpx_conn *c)
{
	uint32_t id = 1;

	cr_assert_eq(bpf_map_update_elem(bt_map_fd("conns"), &id, c, BPF_EXIST), 0);
}

/* NOP NOP TS */
static inline size_t ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
	bt_put32(o + 4, val);
	bt_put32(o + 8, ecr);
	return 12;
}

static inline size_t dss_ack64(uint8_t *o, uint64_t ack)
{
	o[0] = 30, o[1] = 12, o[2] = 0x20, o[3] = 0x03;
	bt_put64(o + 4, ack);
	return 12;
}

/* 64-bit DATA_ACK + 64-bit mapping (+ checksum) */
static inline size_t dss_map(uint8_t *o, uint64_t ack, uint64_t dsn, uint32_t ssn,
			     uint16_t dlen, int fin, int csum_on, uint16_t csum)
{
	o[0] = 30, o[2] = 0x20, o[3] = (uint8_t)(0x0f | (fin ? 0x10 : 0));
	bt_put64(o + 4, ack);
	bt_put64(o + 12, dsn);
	bt_put32(o + 20, ssn);
	bt_put16(o + 24, dlen);
	o[1] = 26;
	if (csum_on) {
		bt_put16(o + 26, csum);
		o[1] = 28;
	}
	return o[1];
}

/* RFC 8684 3.3.1 */
static inline uint16_t dss_csum(uint64_t dsn, uint32_t ssn, uint16_t dlen, const uint8_t *p,
				size_t n)
{
	uint8_t ph[16];

	bt_put64(ph, dsn);
	bt_put32(ph + 8, ssn);
	bt_put16(ph + 12, dlen);
	bt_put16(ph + 14, 0);
	return (uint16_t)~bt_fold(bt_sum(bt_sum(0, ph, 16), p, n));
}

static inline size_t stripped(const uint8_t *in, size_t len, uint8_t flags, uint8_t *out)
{
	struct bt_view v;
	uint8_t opt[64];
	size_t n;

	cr_assert_eq(bt_parse(in, len, &v), 0);
	n = bt_opt_pad(opt, bt_opt_strip_mptcp(in + v.opt, v.optlen, opt));
	return bt_reframe(in, len, opt, n, flags, out);
}

/* in stripped of its MPTCP options, with this seq, ack and flags */
static inline size_t with_numbers(const uint8_t *in, size_t len, uint32_t seq,
				  uint32_t ack, uint8_t flags, uint8_t *out)
{
	uint8_t tmp[2048];
	struct bt_view v;

	cr_assert_eq(bt_parse(in, len, &v), 0);
	memcpy(tmp, in, len);
	bt_put32(tmp + v.tcp + 4, seq);
	bt_put32(tmp + v.tcp + 8, ack);
	return stripped(tmp, len, flags, out);
}

/* in as a frame with no payload (IP length and checksums fixed); what lies
 * behind the IP packet is not part of it */
static inline size_t without_payload(const uint8_t *in, size_t len, uint8_t *out)
{
	struct bt_view v;

	cr_assert_eq(bt_parse(in, len, &v), 0);
	memcpy(out, in, v.pay);
	if (v.v6)
		bt_put16(out + 14 + 4, (uint16_t)(v.doff));
	else
		bt_put16(out + 14 + 2, (uint16_t)(20 + v.doff));
	bt_fix_csum(out, v.pay);
	return v.pay;
}

/* the IP packet of f: Ethernet header + IP length (trailing bytes cut) */
static inline size_t ip_packet(const uint8_t *f, size_t len)
{
	struct bt_view v;

	if (bt_parse(f, len, &v))
		return len;
	return 14 + v.ip_len;
}

static const uint8_t PAY[1400] = "MPTCP-vector-payload-0123456789abcdefghijklmnopqrstuvwxyz|";

/* NOP NOP SACK with nblk blocks of 500 bytes, 1000 apart from base */
static inline size_t sack(uint8_t *o, int nblk, uint32_t base)
{
	o[0] = 1, o[1] = 1, o[2] = 5, o[3] = (uint8_t)(2 + 8 * nblk);
	for (int i = 0; i < nblk; i++) {
		bt_put32(o + 4 + 8 * i, base + 1000 * (uint32_t)i);
		bt_put32(o + 8 + 8 * i, base + 1000 * (uint32_t)i + 500);
	}
	return 4 + 8 * (size_t)nblk;
}

#endif
