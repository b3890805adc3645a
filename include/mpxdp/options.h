/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP and MPTCP option parsing and building.
 *
 * The parser works on a copy of the option area in a zero-padded buffer of
 * MPX_OPT_BUF bytes, so every read at (offset < 40) + (field < 40) stays in
 * bounds without per-byte checks: the verifier sees constant-bounded
 * accesses and the host code gets the same guarantee for free.
 *
 * Malformed input rule (docs/design.md "Bad input"): an option whose
 * length byte is < 2 or runs past the header ends parsing (everything after
 * it is unreadable) and sets opts->malformed; an MPTCP option with a length
 * its subtype does not allow is ignored and flagged in mp.malformed; a
 * second MPTCP option of a subtype already seen is ignored and counted in
 * mp.dups; unknown subtypes are flagged in mp.unknown. This is the reading
 * the Linux stack applies (it ignores options it cannot parse).
 */
#ifndef MPXDP_OPTIONS_H
#define MPXDP_OPTIONS_H

#include "types.h"
#include "proto.h"

#define MPX_OPT_BUF 80
#define MPX_SACK_MAX 4
#define MPX_RM_MAX 8

/* which TCP options were seen */
#define MPX_HAS_MSS 0x01
#define MPX_HAS_WS 0x02
#define MPX_HAS_SACK_PERM 0x04
#define MPX_HAS_TS 0x08
#define MPX_HAS_SACK 0x10
#define MPX_HAS_TFO 0x20

struct mpx_mpc {
	__u8 len;
	__u8 version;
	__u8 flags;
	__u8 pad;
	__u16 dlen;
	__u16 csum;
	__u64 key_a; /* sender's key */
	__u64 key_b; /* receiver's key (echoed), lengths 20..24 */
};

struct mpx_dss {
	__u8 len;
	__u8 flags;
	__u8 has_csum;
	__u8 pad;
	__u16 dlen;
	__u16 csum;
	__u32 ssn;
	__u32 pad2;
	__u64 data_ack; /* raw: 32 bits when !(flags & a) */
	__u64 dsn;	/* raw: 32 bits when !(flags & m) */
};

struct mpx_join {
	__u8 len;
	__u8 flags;
	__u8 addr_id;
	__u8 pad;
	__u32 token;
	__u32 nonce;
	__u32 pad2;
	__u64 hmac64;	/* SYN-ACK: leftmost 64 bits */
	__u8 hmac[20];	/* third ACK: leftmost 160 bits */
};

struct mpx_add_addr {
	__u8 len;
	__u8 echo;
	__u8 addr_id;
	__u8 v6;
	__u8 has_port;
	__u8 has_hmac;
	__u16 port;
	__u8 addr[16];
	__u64 hmac; /* rightmost 64 bits */
};

struct mpx_mptcp {
	__u16 present;	 /* 1 << subtype for every well-formed option */
	__u16 malformed; /* 1 << subtype for options with a bad length */
	__u8 dups;	 /* repeated subtypes (ignored) */
	__u8 unknown;	 /* unknown subtypes (ignored) */
	__u8 prio_backup;
	__u8 prio_addr_id; /* 0xff when absent */
	__u8 tcprst_flags;
	__u8 tcprst_reason;
	__u8 rm_n;
	__u8 rm_ids[MPX_RM_MAX];
	__u8 pad[5];
	struct mpx_mpc mpc;
	struct mpx_dss dss;
	struct mpx_join join;
	struct mpx_add_addr add;
	__u64 fail_dsn;
	__u64 fastclose_key;
};

struct mpx_opts {
	__u8 len;	/* bytes in the option area (0..40) */
	__u8 malformed; /* framing broken: options after it unread */
	__u8 has;	/* MPX_HAS_* */
	__u8 ws;
	__u16 mss;
	__u8 sack_n;
	__u8 mptcp_bytes; /* total bytes of MPTCP options */
	__u32 tsval;
	__u32 tsecr;
	__u32 walk_off; /* parser position (kept here, not on the stack: see MPX_LOOP) */
	__u32 sack[MPX_SACK_MAX][2];
	struct mpx_mptcp mp;
};

#define MPX_MP_HAS(o, st) ((o)->mp.present & (1u << (st)))

MPX_INLINE int mpx_dss_expected_len(__u8 flags)
{
	int len = 4;

	if (flags & MPX_DSS_A)
		len += (flags & MPX_DSS_a) ? 8 : 4;
	if (flags & MPX_DSS_M)
		len += ((flags & MPX_DSS_m) ? 8 : 4) + 4 + 2;
	return len;
}

/* Parse one MPTCP option of length olen at p (p[0] = 30). Returns 0 if it
 * was well formed and recorded. */
MPX_INLINE int mpx_parse_mptcp(struct mpx_mptcp *mp, const __u8 *p, __u8 olen)
{
	__u8 st = p[2] >> 4;
	__u16 bit = 1u << st;

	if (mp->present & bit) {
		mp->dups++;
		return -1;
	}
	switch (st) {
	case MPX_MP_CAPABLE:
		if (olen != MPX_MPC_LEN_SYN && olen != MPX_MPC_LEN_SYNACK &&
		    olen != MPX_MPC_LEN_ACK && olen != MPX_MPC_LEN_DATA &&
		    olen != MPX_MPC_LEN_DATA_CSUM)
			goto bad;
		mp->mpc.len = olen;
		mp->mpc.version = p[2] & 0x0f;
		mp->mpc.flags = p[3];
		if (olen >= MPX_MPC_LEN_SYNACK)
			mp->mpc.key_a = mpx_get64(p + 4);
		if (olen >= MPX_MPC_LEN_ACK)
			mp->mpc.key_b = mpx_get64(p + 12);
		if (olen >= MPX_MPC_LEN_DATA)
			mp->mpc.dlen = mpx_get16(p + 20);
		if (olen == MPX_MPC_LEN_DATA_CSUM)
			mp->mpc.csum = mpx_get16(p + 22);
		break;
	case MPX_MP_JOIN:
		if (olen != MPX_JOIN_LEN_SYN && olen != MPX_JOIN_LEN_SYNACK &&
		    olen != MPX_JOIN_LEN_ACK)
			goto bad;
		mp->join.len = olen;
		mp->join.flags = p[2] & 0x0f;
		mp->join.addr_id = p[3];
		if (olen == MPX_JOIN_LEN_SYN) {
			mp->join.token = mpx_get32(p + 4);
			mp->join.nonce = mpx_get32(p + 8);
		} else if (olen == MPX_JOIN_LEN_SYNACK) {
			mp->join.hmac64 = mpx_get64(p + 4);
			mp->join.nonce = mpx_get32(p + 12);
		} else {
			for (int i = 0; i < 20; i++)
				mp->join.hmac[i] = p[4 + i];
		}
		break;
	case MPX_MP_DSS: {
		__u8 f = p[3];
		int exp = mpx_dss_expected_len(f), off = 4;

		if (olen != exp && !((f & MPX_DSS_M) && olen == exp + 2))
			goto bad;
		mp->dss.len = olen;
		mp->dss.flags = f;
		if (f & MPX_DSS_A) {
			if (f & MPX_DSS_a) {
				mp->dss.data_ack = mpx_get64(p + off);
				off += 8;
			} else {
				mp->dss.data_ack = mpx_get32(p + off);
				off += 4;
			}
		}
		if (f & MPX_DSS_M) {
			if (f & MPX_DSS_m) {
				mp->dss.dsn = mpx_get64(p + off);
				off += 8;
			} else {
				mp->dss.dsn = mpx_get32(p + off);
				off += 4;
			}
			mp->dss.ssn = mpx_get32(p + off);
			mp->dss.dlen = mpx_get16(p + off + 4);
			if (olen == exp + 2) {
				mp->dss.has_csum = 1;
				mp->dss.csum = mpx_get16(p + off + 6);
			}
		}
		break;
	}
	case MPX_MP_ADD_ADDR: {
		/* the address family is only told by the length (RFC 8684 3.4.1) */
		__u8 echo = p[2] & MPX_ADD_ADDR_E, base, v6;

		if (olen == 8 || olen == 10 || olen == 16 || olen == 18)
			v6 = 0;
		else if (olen == 20 || olen == 22 || olen == 28 || olen == 30)
			v6 = 1;
		else
			goto bad;
		base = v6 ? 20 : 8;
		mp->add.has_hmac = olen >= base + 8;
		if (echo == mp->add.has_hmac)
			goto bad; /* echoes carry no HMAC, announcements do */
		mp->add.len = olen;
		mp->add.echo = echo;
		mp->add.v6 = v6;
		mp->add.addr_id = p[3];
		for (int i = 0; i < 16; i++)
			mp->add.addr[i] = i < (v6 ? 16 : 4) ? p[4 + i] : 0;
		mp->add.has_port = ((__u32)(olen - base) & 7) == 2;
		if (mp->add.has_port)
			mp->add.port = mpx_get16(p + base);
		if (mp->add.has_hmac)
			mp->add.hmac = mpx_get64(p + olen - 8);
		break;
	}
	case MPX_MP_REMOVE_ADDR:
		/* 3 + n bytes for n >= 1 IDs; the first MPX_RM_MAX are kept */
		if (olen < 4)
			goto bad;
		mp->rm_n = olen - 3;
		for (int i = 0; i < MPX_RM_MAX; i++)
			mp->rm_ids[i] = i < mp->rm_n ? p[3 + i] : 0;
		break;
	case MPX_MP_PRIO:
		if (olen != 3 && olen != 4)
			goto bad;
		mp->prio_backup = p[2] & 0x01;
		mp->prio_addr_id = olen == 4 ? p[3] : 0xff;
		break;
	case MPX_MP_FAIL:
		if (olen != 12)
			goto bad;
		mp->fail_dsn = mpx_get64(p + 4);
		break;
	case MPX_MP_FASTCLOSE:
		if (olen != 12)
			goto bad;
		mp->fastclose_key = mpx_get64(p + 4);
		break;
	case MPX_MP_TCPRST:
		if (olen != 4)
			goto bad;
		mp->tcprst_flags = p[2] & 0x0f;
		mp->tcprst_reason = p[3];
		break;
	case MPX_MP_EXPERIMENTAL:
		break;
	default:
		mp->unknown++;
		return -1;
	}
	mp->present |= bit;
	return 0;
bad:
	mp->malformed |= bit;
	return -1;
}

/* Parse a TCP option area into o, which the caller has zeroed. raw holds
 * len (<= 40) option bytes followed by zeros up to MPX_OPT_BUF. */
struct mpx_parse_ctx {
	const __u8 *raw;
	struct mpx_opts *o;
};

MPX_CALLBACK mpx_parse_step(__u32 i, void *arg)
{
	struct mpx_parse_ctx *c = arg;
	struct mpx_opts *o = c->o;
	__u32 off = o->walk_off, len = o->len;
	const __u8 *p;
	__u8 kind, olen;

	if (off >= len || off >= MPX_TCP_OPT_MAX)
		return 1;
	p = c->raw + off;
	kind = p[0];
	if (kind == MPX_OPT_EOL)
		return 1;
	if (kind == MPX_OPT_NOP) {
		o->walk_off = off + 1;
		return 0;
	}
	olen = p[1];
	if (off + 1 >= len || olen < 2 || off + olen > len) {
		o->malformed = 1;
		return 1;
	}
	switch (kind) {
	case MPX_OPT_MSS:
		if (olen == 4) {
			o->has |= MPX_HAS_MSS;
			o->mss = mpx_get16(p + 2);
		}
		break;
	case MPX_OPT_WS:
		if (olen == 3) {
			o->has |= MPX_HAS_WS;
			o->ws = p[2];
		}
		break;
	case MPX_OPT_SACK_PERM:
		if (olen == 2)
			o->has |= MPX_HAS_SACK_PERM;
		break;
	case MPX_OPT_TS:
		if (olen == 10) {
			o->has |= MPX_HAS_TS;
			o->tsval = mpx_get32(p + 2);
			o->tsecr = mpx_get32(p + 6);
		}
		break;
	case MPX_OPT_SACK:
		if (olen >= 10 && ((__u32)(olen - 2) & 7) == 0) {
			o->has |= MPX_HAS_SACK;
			o->sack_n = (__u32)(olen - 2) >> 3;
			for (int b = 0; b < MPX_SACK_MAX; b++) {
				if (b < o->sack_n) {
					o->sack[b][0] = mpx_get32(p + 2 + 8 * b);
					o->sack[b][1] = mpx_get32(p + 6 + 8 * b);
				}
			}
		}
		break;
	case MPX_OPT_TFO:
		o->has |= MPX_HAS_TFO;
		break;
	case MPX_OPT_MPTCP:
		o->mptcp_bytes += olen;
		if (olen < 3)
			o->mp.malformed |= 1u << 15; /* no subtype at all */
		else
			mpx_parse_mptcp(&o->mp, p, olen);
		break;
	}
	o->walk_off = off + olen;
	return 0;
}

MPX_INLINE void mpx_parse_opts(struct mpx_opts *o, const __u8 *raw, __u8 len)
{
	struct mpx_parse_ctx c = { .raw = raw, .o = o };

	o->len = len;
	o->walk_off = 0;
	MPX_LOOP(MPX_TCP_OPT_MAX, mpx_parse_step, &c);
}

/*
 * Option-area rebuilding. The output is: the input's options in their
 * order without MPTCP options, without trailing NOP/EOL padding and with
 * SACK trimmed to max_sack blocks, then the caller's MPTCP option bytes,
 * then NOPs to a multiple of 4. This keeps the layout Linux produces
 * (MPTCP options last) and never reorders what the peers negotiated.
 * Copies are fixed 40-byte moves at a masked offset (later options
 * overwrite the excess), which the verifier checks in one step.
 */
#define MPX_OPTBUF_SZ (64 + MPX_TCP_OPT_MAX)

struct mpx_optbuf {
	__u8 len;
	__u8 pad[3];
	/* walker state (in memory, not on the stack: see MPX_LOOP) */
	__u32 w_off;
	__u32 w_out;
	__u32 w_len;
	__s32 w_max_sack;
	__u8 b[MPX_OPTBUF_SZ];
};

struct mpx_copy_ctx {
	const __u8 *raw;
	struct mpx_optbuf *ob;
};

MPX_CALLBACK mpx_copy_step(__u32 i, void *arg)
{
	struct mpx_copy_ctx *c = arg;
	struct mpx_optbuf *ob = c->ob;
	__u32 off = ob->w_off, out = ob->w_out, len = ob->w_len;
	__u8 kind, olen, copy;

	if (off >= len || off >= MPX_TCP_OPT_MAX || out >= MPX_TCP_OPT_MAX)
		return 1;
	kind = c->raw[off];
	if (kind == MPX_OPT_EOL)
		return 1;
	if (kind == MPX_OPT_NOP) {
		ob->b[out] = MPX_OPT_NOP;
		ob->w_off = off + 1;
		ob->w_out = out + 1;
		return 0;
	}
	olen = c->raw[off + 1];
	if (off + 1 >= len || olen < 2 || off + olen > len)
		return 1;
	copy = olen;
	if (kind == MPX_OPT_MPTCP) {
		copy = 0;
	} else if (kind == MPX_OPT_SACK && olen >= 10 && ((__u32)(olen - 2) & 7) == 0) {
		/* only a well-formed SACK is trimmed; others pass verbatim */
		int n = (__u32)(olen - 2) >> 3;

		if (n > ob->w_max_sack)
			n = ob->w_max_sack;
		copy = n > 0 ? 2 + 8 * n : 0;
	}
	if (copy) {
		__builtin_memcpy(ob->b + out, c->raw + off, MPX_TCP_OPT_MAX);
		if (kind == MPX_OPT_SACK && copy != olen)
			ob->b[out + 1] = copy;
		ob->w_out = out + copy;
		ob->len = out + copy; /* trailing NOPs are left out */
	}
	ob->w_off = off + olen;
	return 0;
}

/* Copy the kept options into ob (ob->len becomes their length). */
MPX_INLINE void mpx_opts_copy_kept(struct mpx_optbuf *ob, const __u8 *raw,
				   __u8 len, int max_sack)
{
	struct mpx_copy_ctx c = { .raw = raw, .ob = ob };

	ob->len = 0;
	ob->w_off = 0;
	ob->w_out = 0;
	ob->w_len = len;
	ob->w_max_sack = max_sack;
	MPX_LOOP(MPX_TCP_OPT_MAX, mpx_copy_step, &c);
	if (ob->len > MPX_TCP_OPT_MAX)
		ob->len = 0; /* cannot happen: the input fit in 40 bytes */
}

/* Append n bytes of an MPTCP option; fails (and appends nothing) when
 * they would not fit in the 40-byte option space. */
MPX_INLINE int mpx_optbuf_append(struct mpx_optbuf *ob, const __u8 *opt,
				 __u32 n)
{
	if (ob->len + n > MPX_TCP_OPT_MAX)
		return -1;
	for (__u32 j = 0; j < MPX_TCP_OPT_MAX; j++) {
		if (j >= n)
			break;
		ob->b[(ob->len + j) & 0x3f] = opt[j];
	}
	ob->len += n;
	return 0;
}

MPX_INLINE void mpx_optbuf_pad(struct mpx_optbuf *ob)
{
	for (int j = 0; j < 3; j++) {
		if ((ob->len & 3) == 0 || ob->len >= MPX_TCP_OPT_MAX)
			break;
		ob->b[ob->len++ & 0x3f] = MPX_OPT_NOP;
	}
}

/* Lower the MSS option in ob by dec (never below 536, RFC 9293 3.7.1).
 * Called on SYNs only, where the MSS option comes first in practice. */
struct mpx_mss_ctx {
	struct mpx_optbuf *ob;
	__u16 dec;
};

MPX_CALLBACK mpx_mss_step(__u32 i, void *arg)
{
	struct mpx_mss_ctx *c = arg;
	__u32 off = c->ob->w_off;
	__u8 *b = c->ob->b;
	__u8 kind, olen;
	__u16 mss;

	if (off + 1 >= c->ob->len || off >= MPX_TCP_OPT_MAX)
		return 1;
	kind = b[off];
	if (kind == MPX_OPT_EOL)
		return 1;
	if (kind == MPX_OPT_NOP) {
		c->ob->w_off = off + 1;
		return 0;
	}
	olen = b[off + 1];
	if (olen < 2)
		return 1;
	if (kind != MPX_OPT_MSS || olen != 4) {
		c->ob->w_off = off + olen;
		return 0;
	}
	mss = mpx_get16(b + off + 2);
	mss = mss > 536 + c->dec ? mss - c->dec : (mss > 536 ? 536 : mss);
	mpx_put16(b + off + 2, mss);
	return 1;
}

MPX_INLINE void mpx_optbuf_clamp_mss(struct mpx_optbuf *ob, __u16 dec)
{
	struct mpx_mss_ctx c = { .ob = ob, .dec = dec };

	ob->w_off = 0;
	MPX_LOOP(MPX_TCP_OPT_MAX, mpx_mss_step, &c);
}

/* Builders. Each writes the option into out (>= 28 bytes) and returns its
 * length. */

/* DSS toward the client: 8-byte DATA_ACK, and when map_len is non-zero (or
 * fin) an 8-byte mapping, with the checksum when csum_on. */
MPX_INLINE __u32 mpx_build_dss(__u8 *out, __u64 data_ack, int with_map,
			       __u64 dsn, __u32 ssn, __u16 dlen, int fin,
			       int csum_on, __u16 csum)
{
	__u8 flags = MPX_DSS_A | MPX_DSS_a;
	__u32 len = 12;

	out[0] = MPX_OPT_MPTCP;
	out[2] = MPX_MP_DSS << 4;
	mpx_put64(out + 4, data_ack);
	if (with_map) {
		flags |= MPX_DSS_M | MPX_DSS_m;
		if (fin)
			flags |= MPX_DSS_F;
		mpx_put64(out + 12, dsn);
		mpx_put32(out + 20, ssn);
		mpx_put16(out + 24, dlen);
		len = 26;
		if (csum_on) {
			mpx_put16(out + 26, csum);
			len = 28;
		}
	}
	out[1] = len;
	out[3] = flags;
	return len;
}

MPX_INLINE __u32 mpx_build_mpc_synack(__u8 *out, __u8 flags, __u64 key)
{
	out[0] = MPX_OPT_MPTCP;
	out[1] = MPX_MPC_LEN_SYNACK;
	out[2] = MPX_MP_CAPABLE << 4 | MPX_MPTCP_VERSION;
	out[3] = flags;
	mpx_put64(out + 4, key);
	return MPX_MPC_LEN_SYNACK;
}

MPX_INLINE __u32 mpx_build_fastclose(__u8 *out, __u64 receiver_key)
{
	out[0] = MPX_OPT_MPTCP;
	out[1] = 12;
	out[2] = MPX_MP_FASTCLOSE << 4;
	out[3] = 0;
	mpx_put64(out + 4, receiver_key);
	return 12;
}

MPX_INLINE __u32 mpx_build_tcprst(__u8 *out, __u8 flags, __u8 reason)
{
	out[0] = MPX_OPT_MPTCP;
	out[1] = 4;
	out[2] = MPX_MP_TCPRST << 4 | (flags & 0x0f);
	out[3] = reason;
	return 4;
}

/* A window field in scale `from`, in scale `to` (0xff: no window scaling). */
MPX_INLINE __u16 mpx_rescale(__u16 win, __u8 from, __u8 to)
{
	__u32 w;

	if (from == to || from == 0xff || to == 0xff)
		return win;
	w = ((__u32)win << (from & 15)) >> (to & 15);
	return w > 0xffff ? 0xffff : (__u16)w;
}

/* Set the TSval/TSecr of the timestamp option in ob, if there is one. */
struct mpx_ts_ctx {
	struct mpx_optbuf *ob;
	__u32 tsval;
	__u32 tsecr;
};

MPX_CALLBACK mpx_ts_step(__u32 i, void *arg)
{
	struct mpx_ts_ctx *c = arg;
	__u32 off = c->ob->w_off;
	__u8 *b = c->ob->b;
	__u8 kind, olen;

	if (off + 1 >= c->ob->len || off >= MPX_TCP_OPT_MAX)
		return 1;
	kind = b[off];
	if (kind == MPX_OPT_EOL)
		return 1;
	if (kind == MPX_OPT_NOP) {
		c->ob->w_off = off + 1;
		return 0;
	}
	olen = b[off + 1];
	if (olen < 2)
		return 1;
	if (kind == MPX_OPT_TS && olen == 10) {
		mpx_put32(b + off + 2, c->tsval);
		mpx_put32(b + off + 6, c->tsecr);
		return 1;
	}
	c->ob->w_off = off + olen;
	return 0;
}

MPX_INLINE void mpx_optbuf_set_ts(struct mpx_optbuf *ob, __u32 tsval, __u32 tsecr)
{
	struct mpx_ts_ctx c = { .ob = ob, .tsval = tsval, .tsecr = tsecr };

	ob->w_off = 0;
	MPX_LOOP(MPX_TCP_OPT_MAX, mpx_ts_step, &c);
}

#endif
