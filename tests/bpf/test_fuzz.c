// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Robustness: 100,000 random frames through the program, with live state
 * behind them (an established IPv4 and IPv6 connection with their initial
 * subflows, half-open handshakes in both states) so that random frames
 * reach every path, not only the parser. The IPv4 connection cycles
 * through four states: fresh, client DATA_FIN sent, both FINs acknowledged
 * (the gateway answers subflow FINs itself), and pending (the daemon still
 * replays its first segments). Some frames come as the daemon's replays
 * (XDP metadata MPX_REPLAY_MAGIC), some behind other metadata. For every
 * frame:
 *
 *   - the action is PASS, DROP, TX or REDIRECT (never ABORTED or junk);
 *   - PASS without a translation (FibPass unchanged): the frame is
 *     returned byte for byte;
 *   - a translation (FibPass + 1): the output is a well-formed IP/TCP
 *     frame, the bytes behind its TCP header those behind the input's
 *     (payload and Ethernet padding), all of them in the IP packet but for
 *     a RST toward the server (which keeps none); the same addresses and
 *     ports; the flags byte the input's (the FIN may come or go toward the
 *     server, and an MP_FASTCLOSE becomes RST|ACK); no MPTCP option left
 *     toward the server, a DSS and no SACK block toward the client; valid
 *     checksums whenever the input's were valid;
 *   - on the tracked connections, what the gateway tells the server and
 *     the client follows the test's own account of what it told them so
 *     far: client segments without MPTCP options carry the last ack the
 *     server got, and without data or FIN the next sequence number it
 *     expects; client RSTs go on those numbers; the subflow ack toward
 *     the client never goes back and never passes the highest client byte
 *     (FIN counted) the gateway forwarded;
 *   - XDP_TX: a pure ACK back to the sender acknowledging its FIN, no
 *     payload, valid checksums when the input's were;
 *   - a punt (Punted + 1): the ring buffer holds exactly the input frame;
 *     a replayed frame is never punted, and a client frame of the pending
 *     flow that is not a replay always is;
 *   - after both FINs, client segments other than RST and FIN are dropped
 *     (ClosedDrop).
 *
 * MPX_FUZZ_SEED and MPX_FUZZ_ITERS override the seed and the count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include "bt.h"
#include "s01.h"

static struct s01 S;
static struct mpx_conn C4, C6;
static struct bt_tuple T4, T6, HO4, HO6;
static uint64_t rng;

static void setup(void)
{
	bt_setup();
	s01_load(&S);
}

static void teardown(void)
{
	s01_free(&S);
	bt_teardown();
}

TestSuite(fuzz, .init = setup, .fini = teardown, .timeout = 600);

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static uint32_t rn(uint32_t n) { return n ? (uint32_t)(rnd() % n) : 0; }
static int chance(int pct) { return rn(100) < (uint32_t)pct; }

/* the test's account of a tracked connection since it was (re)installed */
struct track {
	struct mpx_flow_key key;
	int gone;	  /* a SYN replaced it: its flow is no more */
	int closed;	  /* both FINs acknowledged at install */
	int pending;	  /* flow installed MPX_FLOW_PENDING */
	uint32_t c_nxt;	  /* next seq the server expects */
	uint32_t c_ack;	  /* last ack the server got */
	uint32_t ack0;	  /* subflow ack at install */
	uint32_t sf_ack;  /* last subflow ack the client got */
	uint32_t hi;	  /* highest client byte (FIN counted) forwarded */
	int wild;	  /* hi moved 2^31 or more from ack0: order undefined */
};

static struct track TR[2];

#define STATE_VARIANTS 4

static void install_one(uint32_t id, struct mpx_conn *c, const struct mpx_flow_key *k,
			const struct mpx_sf *sf, uint16_t flow_flags, struct track *t)
{
	struct mpx_flow f = { .conn_id = id, .sf_idx = 0, .flags = flow_flags };
	struct mpx_sf_key sk = { .conn_id = id, .idx = 0 };

	cr_assert_eq(bpf_map_update_elem(bt_map_fd("conns"), &id, c, BPF_ANY), 0);
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("subflows"), &sk, sf, BPF_ANY), 0);
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("flows"), k, &f, BPF_ANY), 0);
	memset(t, 0, sizeof(*t));
	t->key = *k;
	t->closed = (c->state & MPX_CS_BOTH_FINS_ACKED) == MPX_CS_BOTH_FINS_ACKED;
	t->pending = !!(flow_flags & MPX_FLOW_PENDING);
	t->c_nxt = c->c_nxt;
	t->c_ack = c->c_ack;
	t->ack0 = t->sf_ack = sf->ack;
	t->hi = sf->rcv_hi;
}

/* (Re)install the connections and handshakes; variant picks the state of
 * the IPv4 connection: fresh, client DATA_FIN sent (1500 bytes each way
 * before it), both FINs acked (where the gateway answers subflow FINs
 * itself), or fresh and pending. */
static void install_state(int variant)
{
	struct mpx_flow_key k;
	struct mpx_halfopen ho = { 0 };
	struct mpx_sf sf;

	s01_conn(&S, 0, &C4, &sf, &k);
	if (variant == 1 || variant == 2) {
		C4.state = MPX_CS_C_DATAFIN;
		C4.c_fin_seq = C4.c_seq0 + 1500;
		C4.c2s_ref += 1501;
		C4.s2c_ref += 3001;
		C4.s_nxt = C4.s_seq0 + 3001;
		C4.s_win = 69;
		C4.s_tsval = 12345;
		C4.c_nxt = C4.c_fin_seq + 1;
		C4.c_ack = C4.s_seq0 + 3000;
		/* the subflow carried the 1500 bytes, all acknowledged */
		sf.rcv_hi = sf.ack = C4.c_seq0 + 1500;
		sf.cm[0].dsn = C4.idsn_c + 1;
		sf.cm[0].seq = C4.c_seq0;
		sf.cm[0].len = 1500;
		sf.cm_head = 1;
	}
	if (variant == 2) {
		C4.state |= MPX_CS_C_FIN_ACKED | MPX_CS_S_FIN | MPX_CS_S_FIN_ACKED;
		C4.s_fin_seq = C4.s_seq0 + 3000;
		C4.c_ack = C4.s_seq0 + 3001;
	}
	install_one(1, &C4, &k, &sf, variant == 3 ? MPX_FLOW_PENDING : 0, &TR[0]);
	s01_conn(&S, 1, &C6, &sf, &k);
	C6.flags = MPX_CF_CSUM;
	install_one(2, &C6, &k, &sf, 0, &TR[1]);

	bt_flow_key(&k, &HO4);
	ho.isn_c = 1000;
	ho.synack_seq = 5000;
	ho.synack_ack = 1001;
	ho.c_flags = 0x01;
	ho.state = MPX_HO_SYNACK;
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("halfopen"), &k, &ho, BPF_ANY), 0);
	bt_flow_key(&k, &HO6);
	ho.state = MPX_HO_SYN;
	cr_assert_eq(bpf_map_update_elem(bt_map_fd("halfopen"), &k, &ho, BPF_ANY), 0);
}

/* ---- generators ------------------------------------------------------- */

static void rbytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* one random MPTCP option at o (room bytes free); returns its length */
static size_t mptcp_opt(uint8_t *o, size_t room, const struct mpx_conn *c)
{
	static const uint8_t lens[16][5] = {
		{ 4, 12, 20, 22, 24 }, { 12, 16, 24, 12, 16 }, { 8, 12, 20, 22, 28 },
		{ 8, 10, 16, 18, 30 }, { 4, 5, 6, 3, 11 },     { 3, 4, 3, 4, 5 },
		{ 12, 12, 12, 11, 13 }, { 12, 12, 12, 10, 14 }, { 4, 4, 4, 3, 5 },
	};
	uint8_t st = (uint8_t)rn(16), len;

	if (st < 9 && !chance(10))
		len = lens[st][rn(5)];
	else
		len = (uint8_t)(2 + rn(39));
	if (len > room)
		len = (uint8_t)room;
	if (len < 2)
		return 0;
	o[0] = 30;
	o[1] = len;
	rbytes(o + 2, len - 2);
	if (len >= 3)
		o[2] = (uint8_t)(st << 4 | (chance(80) ? (st == 0 ? 1 : 0) : rn(16)));
	if (st == 2 && len >= 4) {
		/* a DSS with plausible numbers */
		uint8_t fl = (uint8_t)rn(32);
		size_t off = 4;

		o[3] = fl;
		if ((fl & 1) && off + 8 <= len) {
			uint64_t da = c->s2c_ref - rn(3000) + (chance(10) ? rn(5000) : 0);

			if (fl & 2)
				bt_put64(o + off, da), off += 8;
			else
				bt_put32(o + off, (uint32_t)da), off += 4;
		}
		if ((fl & 4) && off + 14 <= len) {
			uint64_t dsn = c->c2s_ref + rn(3000) - 1500;

			if (fl & 8)
				bt_put64(o + off, dsn), off += 8;
			else
				bt_put32(o + off, (uint32_t)dsn), off += 4;
			bt_put32(o + off, chance(20) ? 0 : rn(3000));
			bt_put16(o + off + 4, (uint16_t)rn(1500));
		}
	} else if ((st == 0 || st == 7) && len >= 12) {
		/* keys that verify, sometimes */
		bt_put64(o + 4, chance(50) ? c->key_c : (st == 7 ? c->key_g : rnd()));
		if (len >= 20)
			bt_put64(o + 12, chance(70) ? c->key_g : rnd());
	}
	return len;
}

static size_t options(uint8_t *o, const struct mpx_conn *c)
{
	size_t n = 0, max = 4 * rn(11);

	if (chance(15)) {
		rbytes(o, max);
		return max;
	}
	while (n < max) {
		size_t room = max - n;

		switch (rn(10)) {
		case 0:
			o[n++] = 1;
			break;
		case 1:
			if (room >= 4)
				o[n] = 2, o[n + 1] = 4, bt_put16(o + n + 2, (uint16_t)rn(9000)), n += 4;
			break;
		case 2:
			if (room >= 3)
				o[n] = 3, o[n + 1] = 3, o[n + 2] = (uint8_t)rn(16), n += 3;
			break;
		case 3:
			if (room >= 2)
				o[n] = 4, o[n + 1] = 2, n += 2;
			break;
		case 4:
			if (room >= 10)
				o[n] = 8, o[n + 1] = 10, rbytes(o + n + 2, 8), n += 10;
			break;
		case 5: {
			size_t b = 1 + rn(4), l = 2 + 8 * b;

			if (l <= room) {
				o[n] = 5, o[n + 1] = (uint8_t)l;
				for (size_t i = 0; i < 2 * b; i++)
					bt_put32(o + n + 2 + 4 * i, c->s_seq0 + rn(5000));
				n += l;
			}
			break;
		}
		case 6:
			if (chance(30))
				o[n++] = 0; /* EOL, garbage may follow */
			else if (room >= 2)
				o[n] = (uint8_t)rn(256), o[n + 1] = (uint8_t)rn(room + 3), n += 2;
			break;
		default:
			n += mptcp_opt(o + n, room, c);
			break;
		}
	}
	while (n & 3)
		o[n++] = chance(80) ? 1 : 0;
	return n;
}

static size_t structured(uint8_t *f, uint32_t *role)
{
	static const uint8_t flagset[] = { 0x10, 0x18, 0x02, 0x12, 0x11, 0x19, 0x14, 0x04, 0x10, 0x18 };
	const struct mpx_conn *c;
	struct bt_tuple t;
	uint8_t opt[64], pay[1400];
	size_t on, pl, n;
	uint32_t seq, ack;
	uint8_t flags;
	int from_client = chance(50), v6;

	switch (rn(6)) {
	case 0: case 1: case 2:
		v6 = chance(50);
		t = v6 ? T6 : T4;
		c = v6 ? &C6 : &C4;
		break;
	case 3:
		v6 = chance(50);
		t = v6 ? HO6 : HO4;
		c = &C4;
		break;
	default:
		v6 = chance(50);
		memset(&t, 0, sizeof(t));
		t.v6 = v6;
		rbytes(t.saddr, v6 ? 16 : 4);
		rbytes(t.daddr, v6 ? 16 : 4);
		t.sport = (uint16_t)rnd();
		t.dport = (uint16_t)rnd();
		c = &C4;
		break;
	}
	if (!from_client)
		bt_tuple_rev(&t, &t);
	*role = from_client ? MPX_ROLE_CLIENT : MPX_ROLE_SERVER;
	flags = chance(85) ? flagset[rn(sizeof(flagset))] : (uint8_t)rn(256);
	seq = from_client ? c->c_seq0 + rn(4000) - 100 : c->s_seq0 + rn(4000) - 100;
	ack = from_client ? c->s_seq0 + rn(4000) : c->c_seq0 + rn(4000);
	if (chance(10))
		seq = (uint32_t)rnd(), ack = (uint32_t)rnd();
	on = options(opt, c);
	pl = chance(40) ? 0 : rn(chance(80) ? 200 : 1400);
	rbytes(pay, pl);
	n = bt_build(f, &t, seq, ack, flags, (uint16_t)rnd(), opt, on, pay, pl);
	if (chance(10)) { /* lengths that lie */
		if (v6)
			bt_put16(f + 18, (uint16_t)(chance(50) ? rn(n) : rnd()));
		else
			bt_put16(f + 16, (uint16_t)(chance(50) ? rn(n) : rnd()));
	}
	if (chance(5))
		f[v6 ? 54 + 12 : 34 + 12] = (uint8_t)rnd(); /* data offset */
	if (chance(10)) { /* Ethernet padding or a cut */
		size_t d = rn(40);

		if (chance(50))
			rbytes(f + n, d), n += d;
		else if (n > 14 + d)
			n -= d;
	}
	if (chance(20))
		f[v6 ? 54 + 16 : 34 + 16] ^= (uint8_t)(1 + rn(255)); /* bad TCP checksum */
	return n;
}

static size_t mutated(uint8_t *f, uint32_t *role)
{
	const struct bt_frame *src = &S.pc.f[rn((uint32_t)S.pc.n)];
	size_t n;
	int k = 1 + (int)rn(4);

	n = chance(50) ? bt_to_v6(src->d, src->len, f) : (memcpy(f, src->d, src->len), src->len);
	*role = s01_from_client(&S, f, n) ? MPX_ROLE_CLIENT : MPX_ROLE_SERVER;
	if (chance(10))
		*role ^= 3; /* the wrong side */
	for (int i = 0; i < k; i++) {
		size_t at = chance(80) ? 12 + rn(100) : rn((uint32_t)n);

		if (at < n)
			f[at] ^= (uint8_t)(1 + rn(255));
	}
	if (chance(50)) {
		struct bt_view v;

		if (!bt_parse(f, n, &v))
			bt_fix_csum(f, n);
	}
	return n;
}

static size_t junk(uint8_t *f, uint32_t *role)
{
	size_t n = 14 + rn(300);

	rbytes(f, n);
	if (chance(70))
		bt_put16(f + 12, chance(50) ? 0x0800 : 0x86dd);
	if (chance(50) && n > 14)
		f[14] = chance(50) ? 0x45 : 0x60;
	*role = chance(50) ? MPX_ROLE_CLIENT : MPX_ROLE_SERVER;
	return n;
}

/* ---- checks ----------------------------------------------------------- */

static int failures;
static uint64_t seed0;

#define FAIL(it, in, n, o, fmt, ...)                                                    \
	do {                                                                            \
		if (failures++ < 10) {                                                  \
			cr_log_error("fuzz seed %llu iteration %d: " fmt,               \
				     (unsigned long long)seed0, it, ##__VA_ARGS__);     \
			bt_same("input vs output", (o)->d, (o)->len, in, n);            \
		}                                                                       \
	} while (0)

static int seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static int addr_eq(const uint8_t *a, const uint8_t *b, const struct bt_view *va,
		   const struct bt_view *vb, int swapped)
{
	size_t al = va->v6 ? 16 : 4, s = va->v6 ? 8 : 12, d = s + al;
	const uint8_t *ia = a + 14, *ib = b + 14;

	if (va->v6 != vb->v6)
		return 0;
	if (!swapped)
		return !memcmp(ia + s, ib + s, 2 * al) && !memcmp(a + va->tcp, b + vb->tcp, 4);
	return !memcmp(ia + s, ib + d, al) && !memcmp(ia + d, ib + s, al) &&
	       bt_get16(a + va->tcp) == bt_get16(b + vb->tcp + 2) &&
	       bt_get16(a + va->tcp + 2) == bt_get16(b + vb->tcp);
}

/* what a translation must leave alone: the IP header but for its length and
 * checksum; ports, window and urgent pointer */
static int same_fields(const uint8_t *o, const struct bt_view *ov, const uint8_t *i,
		       const struct bt_view *iv)
{
	const uint8_t *a = o + 14, *b = i + 14;

	if (ov->v6) {
		if (memcmp(a, b, 4) || memcmp(a + 6, b + 6, 34))
			return 0;
	} else if (memcmp(a, b, 2) || memcmp(a + 4, b + 4, 6) || memcmp(a + 12, b + 12, 8)) {
		return 0;
	}
	return !memcmp(o + ov->tcp, i + iv->tcp, 4) &&
	       !memcmp(o + ov->tcp + 14, i + iv->tcp + 14, 2) &&
	       !memcmp(o + ov->tcp + 18, i + iv->tcp + 18, 2);
}

/* the tracked connection a parsed frame belongs to on this side, or NULL */
static struct track *track_of(const uint8_t *f, const struct bt_view *v, uint32_t role)
{
	struct bt_tuple t;
	struct mpx_flow_key k;
	size_t al = v->v6 ? 16 : 4, s = v->v6 ? 8 : 12;

	memset(&t, 0, sizeof(t));
	t.v6 = v->v6;
	memcpy(t.saddr, f + 14 + s, al);
	memcpy(t.daddr, f + 14 + s + al, al);
	t.sport = bt_get16(f + v->tcp);
	t.dport = bt_get16(f + v->tcp + 2);
	if (role == MPX_ROLE_SERVER)
		bt_tuple_rev(&t, &t);
	bt_flow_key(&k, &t);
	for (int i = 0; i < 2; i++)
		if (!TR[i].gone && !memcmp(&k, &TR[i].key, sizeof(k)))
			return &TR[i];
	return NULL;
}

/* a well-formed SACK option (the only kind the gateway trims) in the area */
static int has_sack_blocks(const uint8_t *a, size_t n)
{
	struct bt_opt it[40];
	int k = bt_opt_walk(a, n, it, 40);

	for (int i = 0; i < k; i++)
		if (it[i].kind == 5 && it[i].len >= 10 && ((it[i].len - 2) & 7) == 0)
			return 1;
	return 0;
}

/* the model's checks of a translated frame on a tracked connection */
static void check_tracked(int it, const uint8_t *f, size_t n, const struct bt_out *o,
			  const struct bt_view *iv, const struct bt_view *ov, uint32_t role,
			  struct track *t)
{
	int in_fin = iv->flags & 0x01, out_fin = ov->flags & 0x01, out_rst = ov->flags & 0x04;

	if (iv->flags & 0x02)
		return; /* SYNs: the SYN-ACK again, or a new connection */
	if (role == MPX_ROLE_CLIENT) {
		if (out_rst) {
			if (ov->seq != t->c_nxt || ov->ack != t->c_ack || ov->plen)
				FAIL(it, f, n, o, "client RST on %#x/%#x (%zu bytes), expected %#x/%#x",
				     ov->seq, ov->ack, ov->plen, t->c_nxt, t->c_ack);
			return;
		}
		if (bt_opt_find(f + iv->opt, iv->optlen, 30) < 0) {
			if (ov->ack != t->c_ack)
				FAIL(it, f, n, o, "ack %#x without DATA_ACK, the last sent was %#x",
				     ov->ack, t->c_ack);
			if (!ov->plen && !out_fin && ov->seq != t->c_nxt)
				FAIL(it, f, n, o, "seq %#x without data, c_nxt is %#x", ov->seq,
				     t->c_nxt);
		}
		t->c_ack = ov->ack;
		if (seq_after(ov->seq + (uint32_t)ov->plen + (uint32_t)out_fin, t->c_nxt))
			t->c_nxt = ov->seq + (uint32_t)ov->plen + (uint32_t)out_fin;
		if (seq_after(iv->seq + (uint32_t)iv->plen + (uint32_t)in_fin, t->hi))
			t->hi = iv->seq + (uint32_t)iv->plen + (uint32_t)in_fin;
		if (t->hi - t->ack0 >= 0x80000000u)
			t->wild = 1;
		return;
	}
	if (iv->flags & 0x04)
		return; /* the server's RST goes as it came, MP_FASTCLOSE added */
	if (!t->wild) {
		uint32_t d = ov->ack - t->ack0;

		if (d > t->hi - t->ack0)
			FAIL(it, f, n, o, "subflow ack %#x beyond the client's bytes (%#x)", ov->ack,
			     t->hi);
		if (d < t->sf_ack - t->ack0)
			FAIL(it, f, n, o, "subflow ack %#x went back from %#x", ov->ack, t->sf_ack);
	}
	t->sf_ack = ov->ack;
}

Test(fuzz, random_frames)
{
	static uint8_t f[2048];
	static struct bt_out o;
	static struct bt_punt punts[64];
	static struct { uint8_t d[2048]; size_t n; } pend[64];
	int npend = 0, iters = 100000, n_pass = 0, n_xlat = 0, n_drop = 0, n_tx = 0, n_punt = 0;
	int n_replay = 0, n_closed = 0, n_pending = 0, n_model = 0;
	const int st_closed = bt_stat_must("ClosedDrop");
	const char *e;
	uint64_t prev[MPX_ST__MAX], cur[MPX_ST__MAX];

	seed0 = 0x6d707864705f667aull; /* "mpxdp_fz" */
	if ((e = getenv("MPX_FUZZ_SEED")))
		seed0 = strtoull(e, NULL, 0);
	if ((e = getenv("MPX_FUZZ_ITERS")))
		iters = atoi(e);
	rng = seed0 ? seed0 : 1;
	cr_log_info("fuzz: seed %llu, %d frames", (unsigned long long)seed0, iters);

	T4 = S.c2s;
	s01_conn(&S, 1, &C6, NULL, &(struct mpx_flow_key){ 0 });
	memset(&T6, 0, sizeof(T6));
	memcpy(T6.saddr, C6.key0.c_addr, 16);
	memcpy(T6.daddr, C6.key0.s_addr, 16);
	T6.sport = C6.key0.c_port;
	T6.dport = C6.key0.s_port;
	T6.v6 = 1;
	bt_tuple4(&HO4, "198.51.100.7", "203.0.113.9", 40001, 443);
	bt_tuple6(&HO6, "2001:db8:7::7", "2001:db8:9::9", 40002, 443);

	bt_stats(prev);
	for (int it = 0; it < iters; it++) {
		struct bt_view iv, ov;
		struct track *t = NULL;
		uint32_t role;
		size_t n;
		uint64_t fib, punt, pfail, closed;
		int r = (int)rn(100), in_ok, replay = 0;
		static int daemon_dead;

		if (it % 25 == 0)
			install_state((it / 25) % STATE_VARIANTS);
		if (it % 20000 == 10000)
			bt_set_daemon(0), daemon_dead = 1;
		else if (it % 20000 == 15000)
			bt_set_daemon(1), daemon_dead = 0;
		if (r < 10)
			n = junk(f, &role);
		else if (r < 70)
			n = structured(f, &role);
		else
			n = mutated(f, &role);
		if (n < 14)
			n = 14;
		in_ok = bt_parse(f, n, &iv) == 0;
		if (in_ok)
			t = track_of(f, &iv, role);

		bt_set_role(role);
		r = (int)rn(100);
		if (r < 10) {
			replay = 1;
			n_replay++;
			bt_run_replay(f, n, &o);
		} else if (r < 13) {
			uint32_t meta = (uint32_t)rnd();

			if (meta == MPX_REPLAY_MAGIC)
				meta++;
			bt_run_meta(f, n, (const uint8_t *)&meta, sizeof(meta), &o);
		} else {
			bt_run(f, n, &o);
		}
		bt_stats(cur);
		fib = cur[MPX_ST_FIB_PASS] - prev[MPX_ST_FIB_PASS];
		punt = cur[MPX_ST_PUNT] - prev[MPX_ST_PUNT];
		pfail = cur[MPX_ST_PUNT_FAIL] - prev[MPX_ST_PUNT_FAIL];
		closed = cur[st_closed] - prev[st_closed];
		if (t && cur[MPX_ST_CONN_REPLACED] != prev[MPX_ST_CONN_REPLACED])
			t->gone = 1; /* checked below as the SYN it was */

		if (punt > 1 || pfail > 1 || fib > 1 || closed > 1)
			FAIL(it, f, n, &o, "counters jumped: Punted %llu PuntFail %llu FibPass %llu "
			     "ClosedDrop %llu", (unsigned long long)punt, (unsigned long long)pfail,
			     (unsigned long long)fib, (unsigned long long)closed);
		if ((punt || pfail) && o.ret != XDP_DROP)
			FAIL(it, f, n, &o, "punted, action %u", o.ret);
		if (replay && punt)
			FAIL(it, f, n, &o, "a replayed frame was punted");

		/* the pending flow holds every client frame that is not a
		 * replay, as long as there is a daemon to release it */
		if (t && t->pending && role == MPX_ROLE_CLIENT && daemon_dead)
			t->pending = 0;
		if (t && t->pending && role == MPX_ROLE_CLIENT) {
			n_pending++;
			if (!replay && !(punt == 1 && o.ret == XDP_DROP))
				FAIL(it, f, n, &o, "client frame of a pending flow not punted (%u)",
				     o.ret);
		}
		/* after both FINs: the client's FIN is answered, anything else
		 * dropped, but for RST and a SYN that starts over */
		if (t && t->closed && role == MPX_ROLE_CLIENT && !(iv.flags & 0x06)) {
			n_closed++;
			if ((iv.flags & 0x01) && o.ret != XDP_TX)
				FAIL(it, f, n, &o, "FIN after the close: action %u", o.ret);
			if (!(iv.flags & 0x01) && (o.ret != XDP_DROP || closed != 1))
				FAIL(it, f, n, &o, "segment after the close: action %u, ClosedDrop +%llu",
				     o.ret, (unsigned long long)closed);
		}

		switch (o.ret) {
		case XDP_PASS:
			if (!fib) {
				n_pass++;
				if (o.len != n || memcmp(o.d, f, n))
					FAIL(it, f, n, &o, "passed but changed");
				break;
			}
			n_xlat++;
			if (!in_ok || bt_parse(o.d, o.len, &ov)) {
				FAIL(it, f, n, &o, "translated frame unparsable (input ok %d)", in_ok);
				break;
			}
			if (o.len - ov.pay != n - iv.pay || memcmp(o.d + ov.pay, f + iv.pay, n - iv.pay))
				FAIL(it, f, n, &o, "payload or padding changed");
			if (ov.plen != iv.plen &&
			    !(role == MPX_ROLE_CLIENT && (ov.flags & 0x04) && !ov.plen))
				FAIL(it, f, n, &o, "%zu payload bytes in the IP packet, %zu came", ov.plen,
				     iv.plen);
			if (!addr_eq(o.d, f, &ov, &iv, 0))
				FAIL(it, f, n, &o, "addresses or ports changed");
			if (memcmp(o.d, f, 14))
				FAIL(it, f, n, &o, "Ethernet header changed");
			if (bt_csum_ok(f, n) && !bt_csum_ok(o.d, o.len))
				FAIL(it, f, n, &o, "checksums broken");
			if (role == MPX_ROLE_CLIENT) {
				if (bt_opt_find(o.d + ov.opt, ov.optlen, 30) >= 0)
					FAIL(it, f, n, &o, "MPTCP option left toward the server");
				if (((ov.flags ^ iv.flags) & ~0x01) && ov.flags != 0x14)
					FAIL(it, f, n, &o, "flags %#x from %#x", ov.flags, iv.flags);
			} else {
				if (bt_opt_find(o.d + ov.opt, ov.optlen, 30) < 0)
					FAIL(it, f, n, &o, "no MPTCP option toward the client");
				if (ov.flags != iv.flags)
					FAIL(it, f, n, &o, "flags %#x from %#x", ov.flags, iv.flags);
				if (!(iv.flags & 0x02) && has_sack_blocks(o.d + ov.opt, ov.optlen))
					FAIL(it, f, n, &o, "the server's SACK blocks went to the client");
			}
			if (!same_fields(o.d, &ov, f, &iv))
				FAIL(it, f, n, &o, "IP or TCP fields changed that must not");
			if (t && !t->gone) {
				n_model++;
				check_tracked(it, f, n, &o, &iv, &ov, role, t);
			}
			break;
		case XDP_TX:
			n_tx++;
			if (!in_ok || bt_parse(o.d, o.len, &ov)) {
				FAIL(it, f, n, &o, "reply unparsable");
				break;
			}
			if (!addr_eq(o.d, f, &ov, &iv, 1))
				FAIL(it, f, n, &o, "reply not addressed to the sender");
			if (bt_csum_ok(f, n) && !bt_csum_ok(o.d, o.len))
				FAIL(it, f, n, &o, "reply checksums broken");
			if (ov.flags & 0x04) {
				/* the refusal of a join SYN for no live token */
				if ((iv.flags & 0x12) != 0x02 ||
				    bt_opt_find_mptcp(f + iv.opt, iv.optlen, 1) < 0)
					FAIL(it, f, n, &o, "RST for a segment that is no join SYN");
				if (ov.flags != 0x14 ||
				    ov.ack != iv.seq + (uint32_t)iv.plen + 1 + (iv.flags & 1) ||
				    ov.plen)
					FAIL(it, f, n, &o, "join refusal %#x ack %#x", ov.flags,
					     ov.ack);
				break;
			}
			if (ov.flags != 0x10)
				FAIL(it, f, n, &o, "reply is not a pure ACK (flags %#x)", ov.flags);
			if (ov.plen || o.len != ov.pay)
				FAIL(it, f, n, &o, "reply carries %zu payload bytes", o.len - ov.pay);
			if (!(iv.flags & 0x01) || ov.ack != iv.seq + (uint32_t)iv.plen + 1)
				FAIL(it, f, n, &o, "reply acks %#x, not the FIN of %#x+%zu", ov.ack,
				     iv.seq, iv.plen);
			break;
		case XDP_DROP:
			n_drop++;
			if (punt) {
				n_punt++;
				if (npend < 64) {
					memcpy(pend[npend].d, f, n);
					pend[npend++].n = n;
				}
			}
			break;
		case XDP_REDIRECT:
			break;
		default:
			FAIL(it, f, n, &o, "action %u", o.ret);
		}
		memcpy(prev, cur, sizeof(prev));

		if (npend == 64 || it == iters - 1) {
			int got = bt_punts_drain(punts, 64);

			if (got != npend)
				FAIL(it, f, n, &o, "%d punts in the ring, %d expected", got, npend);
			for (int i = 0; i < got && i < npend; i++) {
				if (punts[i].ifindex != BT_IFINDEX || (punts[i].reason != MPX_PUNT_MPC_ACK && punts[i].reason != MPX_PUNT_JOIN) ||
				    punts[i].len != pend[i].n || memcmp(punts[i].data, pend[i].d, pend[i].n))
					FAIL(it, f, n, &o, "punt %d is not the dropped frame", i);
			}
			npend = 0;
		}
	}
	cr_log_info("fuzz: %d untouched, %d translated (%d on tracked connections), %d dropped "
		    "(%d punted), %d replies; %d replayed, %d on the pending flow, %d after the close",
		    n_pass, n_xlat, n_model, n_drop, n_punt, n_tx, n_replay, n_pending, n_closed);
	cr_expect_eq(failures, 0, "%d failing frames (seed %llu)", failures,
		     (unsigned long long)seed0);
	/* the generator reached the interesting paths */
	cr_expect_gt(n_xlat, iters / 50, "translated: %d", n_xlat);
	cr_expect_gt(n_model, iters / 100, "translated on tracked connections: %d", n_model);
	cr_expect_gt(n_drop, iters / 200, "dropped: %d", n_drop);
	cr_expect_gt(n_punt, iters / 1000, "punted: %d", n_punt);
	cr_expect_gt(n_tx, 0, "replies: %d", n_tx);
	cr_expect_gt(n_pass, iters / 10, "untouched: %d", n_pass);
	cr_expect_gt(n_pending, iters / 1000, "client frames on the pending flow: %d", n_pending);
	cr_expect_gt(n_closed, iters / 1000, "client frames after the close: %d", n_closed);
}
