// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 4. Key material (lib/keys.c): tokens and IDSNs of both ends of every
 * connection, both MP_JOIN HMACs of every join, the ADD_ADDR HMAC of every
 * announcement. The kernel's values on the wire are the oracle.
 */
#include <criterion/criterion.h>
#include "tcore.h"

Test(keys, token_idsn_every_connection)
{
	cr_assert_gt(vec_n_conns, 0);
	for (unsigned i = 0; i < vec_n_conns; i++) {
		const struct vec_conn *c = &vec_conns[i];
		__u32 tok;
		__u64 idsn;

		mpx_key_token_idsn(c->key_c, &tok, &idsn);
		cr_expect_eq(tok, c->token_c, "%s client token %08x want %08x", c->id, tok, c->token_c);
		cr_expect_eq(idsn, c->idsn_c, "%s client idsn", c->id);
		mpx_key_token_idsn(c->key_s, &tok, &idsn);
		cr_expect_eq(tok, c->token_s, "%s server token %08x want %08x", c->id, tok, c->token_s);
		cr_expect_eq(idsn, c->idsn_s, "%s server idsn", c->id);
	}
}

/* The first DSN each side used on the wire is its IDSN + 1. */
Test(keys, first_dsn_is_idsn_plus_one)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_conns; i++) {
		const struct vec_conn *c = &vec_conns[i];
		uint64_t first_c = 0, first_s = 0;
		__u32 tok;
		__u64 idsn_c, idsn_s;

		mpx_key_token_idsn(c->key_c, &tok, &idsn_c);
		mpx_key_token_idsn(c->key_s, &tok, &idsn_s);
		for (unsigned m = 0; m < c->nmap; m++) {
			const struct vec_mapping *mp = &c->map[m];
			uint64_t *first = mp->from_client ? &first_c : &first_s;

			if (mp->source != VEC_MAP_DATAFIN && (!*first || (int64_t)(mp->dsn - *first) < 0))
				*first = mp->dsn;
		}
		if (first_c) {
			cr_expect_eq(first_c, idsn_c + 1, "%s client", c->id);
			n++;
		}
		if (first_s) {
			cr_expect_eq(first_s, idsn_s + 1, "%s server", c->id);
			n++;
		}
	}
	cr_assert_gt(n, 0);
}

Test(keys, join_hmacs_every_join)
{
	cr_assert_gt(vec_n_joins, 0);
	for (unsigned i = 0; i < vec_n_joins; i++) {
		const struct vec_join *j = &vec_joins[i];
		uint8_t out[32], kb[16], msg[8];
		__u32 tok;
		__u64 idsn;

		/* the vector's key/message layout is the RFC's */
		wbe64(kb, j->key_b);
		wbe64(kb + 8, j->key_a);
		wbe32(msg, j->nonce_b);
		wbe32(msg + 4, j->nonce_a);
		cr_expect_arr_eq(kb, j->hmac_b_key, 16, "%s", j->id);
		cr_expect_arr_eq(msg, j->hmac_b_msg, 8, "%s", j->id);

		/* SYN/ACK: B's HMAC, leftmost 64 bits on the wire */
		cr_assert_eq(mpx_join_hmac(j->key_b, j->key_a, j->nonce_b, j->nonce_a, out), 0);
		cr_expect_arr_eq(out, j->hmac_b, 32, "%s hmac_b %s", j->id, hexs(out, 32));
		cr_expect_eq(be64(out), j->trunc_hmac_b, "%s: SYN/ACK truncated HMAC", j->id);
		cr_expect_eq(be64(out), j->hmac_b_left64, "%s", j->id);
		cr_expect_eq(be64(j->synack_opt + 4), be64(out), "%s: the SYN/ACK option bytes", j->id);

		/* third ACK: A's HMAC, leftmost 160 bits */
		cr_assert_eq(mpx_join_hmac(j->key_a, j->key_b, j->nonce_a, j->nonce_b, out), 0);
		cr_expect_arr_eq(out, j->hmac_a, 32, "%s hmac_a %s", j->id, hexs(out, 32));
		cr_expect_arr_eq(out, j->ack_hmac_a, 20, "%s: third ACK HMAC", j->id);
		cr_expect_arr_eq(out, j->hmac_a_left160, 20, "%s", j->id);
		cr_expect_arr_eq(j->ack_opt + 4, out, 20, "%s: the third ACK option bytes", j->id);

		/* the SYN names B by its token */
		mpx_key_token_idsn(j->key_b, &tok, &idsn);
		cr_expect_eq(tok, j->token_b, "%s receiver token", j->id);

		/* a different nonce gives a different HMAC */
		cr_assert_eq(mpx_join_hmac(j->key_a, j->key_b, j->nonce_a ^ 1, j->nonce_b, out), 0);
		cr_expect(memcmp(out, j->hmac_a, 32), "%s", j->id);
	}
}

/* The join HMACs through the parser: what the core decodes from the SYN/ACK
 * and third-ACK options is what lib/keys computes. */
Test(keys, join_hmacs_parsed)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vec_n_joins; i++) {
		const struct vec_join *j = &vec_joins[i];
		struct mpx_opts o;
		uint8_t out[32];

		parse_area(&o, j->synack_opt, j->synack_opt_len);
		mpx_join_hmac(j->key_b, j->key_a, o.mp.join.nonce, j->nonce_a, out);
		cr_expect_eq(o.mp.join.hmac64, be64(out), "%s", j->id);
		parse_area(&o, j->syn_opt, j->syn_opt_len);
		cr_expect_eq(o.mp.join.nonce, j->nonce_a, "%s", j->id);
		cr_expect_eq(o.mp.join.token, j->token_b, "%s", j->id);
		parse_area(&o, j->ack_opt, j->ack_opt_len);
		mpx_join_hmac(j->key_a, j->key_b, j->nonce_a, j->nonce_b, out);
		cr_expect_arr_eq(o.mp.join.hmac, out, 20, "%s", j->id);
		n++;
	}
	cr_assert_gt(n, 0);
}

Test(keys, add_addr_hmac_every_announcement)
{
	cr_assert_gt(vec_n_add_addrs, 0);
	for (unsigned i = 0; i < vec_n_add_addrs; i++) {
		const struct vec_add_addr *a = &vec_add_addrs[i];
		uint8_t msg[19], out[32];
		unsigned ml = 0, alen = a->family == 6 ? 16 : 4;
		const struct vec_conn *c = NULL;
		struct mpx_opts o;

		/* message = address ID, address, port (0 when absent) */
		msg[ml++] = a->addr_id;
		memcpy(msg + ml, a->addr, alen);
		ml += alen;
		wbe16(msg + ml, a->has_port ? a->port : 0);
		ml += 2;
		cr_expect_eq(ml, a->msg_len, "%s", a->id);
		cr_expect_arr_eq(msg, a->msg, ml, "%s message", a->id);

		/* key = sender's key || receiver's key, from the connection */
		c = vec_conn_get(a->conn);
		cr_assert_not_null(c, "%s: connection %s", a->id, a->conn);
		cr_expect_eq(a->key_sender, a->from_server ? c->key_s : c->key_c, "%s", a->id);
		cr_expect_eq(a->key_receiver, a->from_server ? c->key_c : c->key_s, "%s", a->id);

		cr_assert_eq(mpx_hmac(a->key_sender, a->key_receiver, msg, ml, out), 0);
		cr_expect_arr_eq(out, a->hmac_full, 32, "%s: %s", a->id, hexs(out, 32));
		cr_expect_eq(be64(out + 24), a->rightmost64, "%s rightmost 64", a->id);
		cr_expect_eq(be64(out + 24), a->trunc_hmac, "%s on the wire", a->id);
		cr_expect_neq(be64(out), a->trunc_hmac, "%s: leftmost must not match", a->id);

		/* the parsed option carries the same 64 bits */
		parse_area(&o, a->opt, a->opt_len);
		cr_expect(o.mp.present & (1u << MPX_MP_ADD_ADDR), "%s", a->id);
		cr_expect_eq(o.mp.add.hmac, be64(out + 24), "%s", a->id);
		cr_expect_eq(o.mp.add.port, a->has_port ? a->port : 0, "%s", a->id);
		/* and the echo is the announcement without the HMAC */
		if (a->echo_len) {
			parse_area(&o, a->echo_opt, a->echo_len);
			cr_expect(o.mp.present & (1u << MPX_MP_ADD_ADDR), "%s echo", a->id);
			cr_expect_eq(o.mp.add.echo, 1, "%s echo", a->id);
			cr_expect_eq(o.mp.add.has_hmac, 0, "%s echo", a->id);
			cr_expect_arr_eq(o.mp.add.addr, a->addr, 16, "%s echo", a->id);
			cr_expect_eq(a->echo_len + 8, a->opt_len, "%s", a->id);
		}
	}
}
