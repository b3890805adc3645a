/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF_PROG_TEST_RUN harness for the mpxdp XDP program.
 *
 * The program under test is build/mpxdp.bpf.o as embedded in the bpftool
 * skeleton. Every test loads its own copy with all map pinning removed, so
 * nothing touches bpffs, and fills the maps itself the way mpxdpd and the
 * CLI do. Frames are run with the loopback device (ifindex 1) as the
 * ingress interface; its role in `ifaces` says which side a frame came from.
 *
 * Everything a test compares against is built here, independently of
 * include/mpxdp/: an RFC 1071 checksum, a TCP option walker, a frame
 * parser/builder and a pcap reader. The only core code used is the struct
 * layouts and constants of the maps (state.h, stats.h, proto.h) and
 * mpx_derive_key() (its SipHash is unit-tested elsewhere).
 *
 * Suites: notours (frames left alone), handshake (SYN, SYN-ACK, third ACK
 * and their fallbacks), s01 (a real connection replayed both ways, the
 * kernel's frames as the oracle), established (drops, resets, checksums,
 * option space, the gateway's own ACKs), fuzz (random frames).
 *
 * Knobs (environment):
 *   MPX_BPF_OBJECT=path   load another build of the program instead of the
 *                         skeleton's (e.g. a deliberately broken copy, to
 *                         see the tests fail)
 *   MPX_FUZZ_SEED, MPX_FUZZ_ITERS   the fuzz test's seed and frame count
 *   MPX_TESTDATA=dir      where the pcaps and vectors.json are (default:
 *                         tests/data, then relative to the binary)
 */
#ifndef MPX_BT_H
#define MPX_BT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "mpxdp/proto.h"
#include "mpxdp/state.h"
#include "mpxdp/stats.h"

#define BT_IFINDEX 1 /* lo: present in every network namespace */
#define BT_FRAME_MAX 4096
#define BT_HB_TIMEOUT_MS 3600000u /* long enough for the slowest test */

/* ---- loading and maps ------------------------------------------------- */
void bt_setup(void);	/* load, config (daemon alive), lo = client side */
void bt_teardown(void);
int bt_map_fd(const char *name); /* "conns", "flows", "halfopen", ... */
const uint8_t *bt_secret(void);
void bt_set_role(uint32_t role); /* MPX_ROLE_CLIENT / MPX_ROLE_SERVER */
void bt_del_iface(void);
void bt_set_daemon(int alive);	     /* heartbeat now, or 0 */
void bt_set_hb(uint64_t hb_ns);	     /* raw heartbeat value */
void bt_set_cfg_flags(uint32_t flags); /* MPX_CFG_* */
uint64_t bt_now_ns(void);		     /* CLOCK_MONOTONIC */

/* ---- running ---------------------------------------------------------- */
struct bt_out {
	uint32_t ret; /* XDP action */
	uint32_t len;
	uint8_t d[BT_FRAME_MAX];
};
/* Runs the program once on in[0..len); asserts that the syscall succeeded. */
void bt_run(const uint8_t *in, size_t len, struct bt_out *o);
/* Runs in[0..len) behind metalen bytes of XDP metadata (ctx data = metalen);
 * o gets the frame that comes out, without the metadata in front of it. */
void bt_run_meta(const uint8_t *in, size_t len, const uint8_t *meta, size_t metalen,
		 struct bt_out *o);
/* ... with MPX_REPLAY_MAGIC as the metadata: a frame the daemon re-runs */
void bt_run_replay(const uint8_t *in, size_t len, struct bt_out *o);
/* The same on the given side (sets the role first). */
void bt_run_as(uint32_t role, const uint8_t *in, size_t len, struct bt_out *o);

/* Runs in[0..len) and expects XDP_PASS with the frame untouched and, when
 * stat >= 0, exactly that counter bumped once (nothing else counted). */
void bt_expect_untouched(const char *what, const uint8_t *in, size_t len, int stat);

/* a counter's id by its name ("DataCsumVerified"), -1 when this build has
 * no such counter */
int bt_stat_id(const char *name);
/* the same, asserting that the counter exists */
int bt_stat_must(const char *name);

/* per-CPU counters summed */
void bt_stats(uint64_t st[MPX_ST__MAX]);
uint64_t bt_stat(int id);
/* expect exactly these counter deltas between two snapshots, all others 0
 * (pairs of (id, delta), terminated by -1) */
void bt_expect_deltas(const uint64_t *before, const uint64_t *after, ...);

/* punts ring buffer: collects every record into a list */
struct bt_punt {
	uint32_t ifindex;
	uint16_t len;
	uint8_t reason;
	uint8_t data[MPX_PUNT_DATA];
};
int bt_punts_drain(struct bt_punt *out, int max); /* returns how many */

/* ---- independent packet tools ----------------------------------------- */
uint64_t bt_sum(uint64_t acc, const uint8_t *p, size_t n);
uint16_t bt_fold(uint64_t acc);

struct bt_view {
	int v6;
	size_t l3;	/* offset of the IP header (14) */
	size_t l3len;	/* 20 or 40 */
	size_t ip_len;	/* IP packet length from the header */
	size_t tcp;	/* offset of the TCP header */
	size_t doff;	/* TCP header length */
	size_t opt;	/* offset of the options */
	size_t optlen;
	size_t pay;	/* offset of the payload */
	size_t plen;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
};
/* 0 when f is Ethernet + IPv4 (no options) or IPv6 (no extension headers)
 * + TCP with consistent lengths */
int bt_parse(const uint8_t *f, size_t len, struct bt_view *v);
/* IPv4 header checksum and TCP checksum both verify */
int bt_csum_ok(const uint8_t *f, size_t len);
/* recompute both */
void bt_fix_csum(uint8_t *f, size_t len);

/* TCP options */
struct bt_opt {
	uint8_t kind, len;
	uint8_t off;
};
/* items (NOPs included) up to EOL or broken framing */
int bt_opt_walk(const uint8_t *a, size_t n, struct bt_opt *it, int max);
/* the area without MPTCP options, stopping at EOL, trailing NOPs removed */
size_t bt_opt_strip_mptcp(const uint8_t *a, size_t n, uint8_t *out);
size_t bt_opt_pad(uint8_t *a, size_t n); /* NOPs to a multiple of 4 */
/* offset of the first MPTCP option with this subtype, or -1 */
int bt_opt_find_mptcp(const uint8_t *a, size_t n, int subtype);
int bt_opt_find(const uint8_t *a, size_t n, int kind);

/* a DSS option decoded by hand */
struct bt_dss {
	int present, len, flags;
	int has_ack, ack64, has_map, dsn64, fin, has_csum;
	uint64_t data_ack, dsn;
	uint32_t ssn;
	uint16_t dlen, csum;
	int off; /* offset in the option area */
};
void bt_dss_of(const uint8_t *a, size_t n, struct bt_dss *d);

/* frame = f with its option area replaced by opt[0..optlen) and flags by
 * flags; IP length, data offset and checksums fixed; payload (and any
 * Ethernet padding behind the IP packet) kept. Returns the new length. */
size_t bt_reframe(const uint8_t *f, size_t len, const uint8_t *opt, size_t optlen,
		  uint8_t flags, uint8_t *out);

struct bt_tuple {
	int v6;
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
};
void bt_tuple4(struct bt_tuple *t, const char *s, const char *d, uint16_t sp, uint16_t dp);
void bt_tuple6(struct bt_tuple *t, const char *s, const char *d, uint16_t sp, uint16_t dp);
void bt_tuple_rev(struct bt_tuple *r, const struct bt_tuple *t);
/* Ethernet + IP + TCP with valid checksums; returns the frame length */
size_t bt_build(uint8_t *out, const struct bt_tuple *t, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t win, const uint8_t *opt, size_t optlen,
		const uint8_t *pay, size_t plen);
/* the flow key a gateway side would use (client's point of view) */
void bt_flow_key(struct mpx_flow_key *k, const struct bt_tuple *client_to_server);

/* IPv4 frame -> the same segment over IPv6 (a.b.c.d -> 2001:db8:c::d),
 * TCP checksum recomputed; returns the new length */
size_t bt_to_v6(const uint8_t *f, size_t len, uint8_t *out);

/* hexdump both frames into the criterion log when they differ */
int bt_same(const char *what, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ---- captures and vectors --------------------------------------------- */
struct bt_frame {
	uint8_t *d;
	uint32_t len;
};
struct bt_pcap {
	int n;
	struct bt_frame f[512];
};
int bt_pcap_load(const char *name, struct bt_pcap *p); /* name in tests/data */
void bt_pcap_free(struct bt_pcap *p);
/* string field of the client/server object of a connection in
 * vectors.json ("s01_plain_v4/connections/0", "client", "key") */
int bt_vec_str(const char *id, const char *side, const char *field, char *out, size_t n);
/* first number after "field": inside the object with this id */
int bt_vec_num(const char *id, const char *field, uint64_t *v);

/* lib/keys.c */
void bt_token_idsn(uint64_t key, uint32_t *token, uint64_t *idsn);

/* misc */
uint16_t bt_get16(const uint8_t *p);
uint32_t bt_get32(const uint8_t *p);
uint64_t bt_get64(const uint8_t *p);
void bt_put16(uint8_t *p, uint16_t v);
void bt_put32(uint8_t *p, uint32_t v);
void bt_put64(uint8_t *p, uint64_t v);

#endif
