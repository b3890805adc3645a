// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The harness behind bt.h: skeleton loading, map filling, test runs,
 * counters, the punts ring buffer, and the independent packet tools.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include "bt.h"
#include "mpxdp.skel.h"

/* token/IDSN via OpenSSL: linked into the test binary only here */
#include "../../lib/keys.c"

static struct {
	struct mpxdp_bpf *skel;
	int prog_fd;
	int ncpu;
	uint8_t secret[16];
	struct ring_buffer *rb;
	struct bt_punt *punts;
	int npunts, maxpunts;
} T;

/* ---- byte order ------------------------------------------------------- */
uint16_t bt_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
uint32_t bt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
uint64_t bt_get64(const uint8_t *p) { return (uint64_t)bt_get32(p) << 32 | bt_get32(p + 4); }
void bt_put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
void bt_put32(uint8_t *p, uint32_t v)
{
	bt_put16(p, v >> 16);
	bt_put16(p + 2, (uint16_t)v);
}
void bt_put64(uint8_t *p, uint64_t v)
{
	bt_put32(p, v >> 32);
	bt_put32(p + 4, (uint32_t)v);
}

uint64_t bt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- loading ---------------------------------------------------------- */
static int quiet_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void write_config(uint64_t hb, uint32_t flags)
{
	struct mpx_config cfg = {};
	uint32_t zero = 0;

	memcpy(cfg.secret, T.secret, sizeof(cfg.secret));
	cfg.abi = MPX_ABI_VERSION;
	cfg.hb_timeout_ms = BT_HB_TIMEOUT_MS;
	cfg.daemon_hb_ns = hb;
	cfg.flags = flags;
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(T.skel->maps.config), &zero, &cfg, BPF_ANY),
		     0, "config update: %s", strerror(errno));
}

static int on_punt(void *ctx, void *data, size_t len)
{
	const struct mpx_punt *r = data;
	struct bt_punt *p;

	if (len < sizeof(*r) || T.npunts >= T.maxpunts)
		return 0;
	p = &T.punts[T.npunts++];
	p->ifindex = r->ifindex;
	p->len = r->len;
	p->reason = r->reason;
	memcpy(p->data, r->data, r->len <= MPX_PUNT_DATA ? r->len : MPX_PUNT_DATA);
	return 0;
}

/* The skeleton over its built-in ELF, or over $MPX_BPF_OBJECT (another
 * build of the same program: how these tests were checked to fail on
 * deliberately broken copies of the fast path). */
static struct mpxdp_bpf *open_skel(void)
{
	const char *path = getenv("MPX_BPF_OBJECT");
	static void *elf;
	struct mpxdp_bpf *skel;
	long sz;
	FILE *f;

	if (!path || !*path)
		return mpxdp_bpf__open();
	f = fopen(path, "rb");
	cr_assert_not_null(f, "MPX_BPF_OBJECT=%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	free(elf);
	elf = malloc((size_t)sz);
	cr_assert_eq(fread(elf, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	skel = calloc(1, sizeof(*skel));
	cr_assert_not_null(skel);
	cr_assert_eq(mpxdp_bpf__create_skeleton(skel), 0);
	skel->skeleton->data = elf;
	skel->skeleton->data_sz = (size_t)sz;
	cr_assert_eq(bpf_object__open_skeleton(skel->skeleton, NULL), 0,
		     "MPX_BPF_OBJECT=%s does not match the skeleton", path);
	return skel;
}

void bt_setup(void)
{
	struct bpf_map *m;
	int err;

	libbpf_set_print(quiet_print);
	memset(&T, 0, sizeof(T));
	T.skel = open_skel();
	cr_assert_not_null(T.skel, "skeleton open: %s", strerror(errno));
	bpf_object__for_each_map(m, T.skel->obj)
		cr_assert_eq(bpf_map__set_pin_path(m, NULL), 0, "unpin %s", bpf_map__name(m));
	err = mpxdp_bpf__load(T.skel);
	cr_assert_eq(err, 0, "load (run as root): %s", strerror(-err));
	T.prog_fd = bpf_program__fd(T.skel->progs.mpxdp_xdp);
	T.ncpu = libbpf_num_possible_cpus();
	cr_assert_gt(T.ncpu, 0);
	/* a fixed, recognisable secret: tests recompute Kg from it */
	for (int i = 0; i < 16; i++)
		T.secret[i] = (uint8_t)(0xa0 + 7 * i);
	write_config(bt_now_ns(), 0);
	bt_set_role(MPX_ROLE_CLIENT);
	T.rb = ring_buffer__new(bpf_map__fd(T.skel->maps.punts), on_punt, NULL, NULL);
	cr_assert_not_null(T.rb, "ring_buffer__new");
}

void bt_teardown(void)
{
	ring_buffer__free(T.rb);
	mpxdp_bpf__destroy(T.skel);
	memset(&T, 0, sizeof(T));
}

int bt_map_fd(const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(T.skel->obj, name);

	cr_assert_not_null(m, "map %s", name);
	return bpf_map__fd(m);
}

const uint8_t *bt_secret(void) { return T.secret; }

void bt_set_role(uint32_t role)
{
	struct mpx_iface ifc = { .role = role, .flags = 0 };
	uint32_t ifindex = BT_IFINDEX;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(T.skel->maps.ifaces), &ifindex, &ifc,
					 BPF_ANY), 0);
}

void bt_del_iface(void)
{
	uint32_t ifindex = BT_IFINDEX;

	bpf_map_delete_elem(bpf_map__fd(T.skel->maps.ifaces), &ifindex);
}

static uint32_t cur_flags(void)
{
	struct mpx_config cfg;
	uint32_t zero = 0;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(T.skel->maps.config), &zero, &cfg), 0);
	return cfg.flags;
}

static uint64_t cur_hb(void)
{
	struct mpx_config cfg;
	uint32_t zero = 0;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(T.skel->maps.config), &zero, &cfg), 0);
	return cfg.daemon_hb_ns;
}

void bt_set_daemon(int alive) { write_config(alive ? bt_now_ns() : 0, cur_flags()); }
void bt_set_hb(uint64_t hb) { write_config(hb, cur_flags()); }
void bt_set_cfg_flags(uint32_t flags) { write_config(cur_hb(), flags); }

/* ---- running ---------------------------------------------------------- */
void bt_run(const uint8_t *in, size_t len, struct bt_out *o)
{
	struct xdp_md ctx = { .data = 0, .data_end = (uint32_t)len,
			      .ingress_ifindex = BT_IFINDEX };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = o->d, .data_size_out = sizeof(o->d), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	memset(o->d, 0, sizeof(o->d));
	err = bpf_prog_test_run_opts(T.prog_fd, &opts);
	cr_assert_eq(err, 0, "BPF_PROG_TEST_RUN (len %zu): %s", len, strerror(errno));
	o->ret = opts.retval;
	o->len = opts.data_size_out;
}

void bt_run_meta(const uint8_t *in, size_t len, const uint8_t *meta, size_t metalen,
		 struct bt_out *o)
{
	static uint8_t buf[BT_FRAME_MAX + 64], out[BT_FRAME_MAX + 64];
	struct xdp_md ctx = { .data = (uint32_t)metalen, .data_end = (uint32_t)(metalen + len),
			      .ingress_ifindex = BT_IFINDEX }, octx;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf,
		    .data_size_in = (uint32_t)(metalen + len), .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .ctx_out = &octx, .ctx_size_out = sizeof(octx), .repeat = 1);
	int err;

	cr_assert_leq(metalen, 32);
	cr_assert_eq(metalen & 3, 0, "XDP metadata comes in 4-byte units");
	cr_assert_leq(len, BT_FRAME_MAX);
	memcpy(buf, meta, metalen);
	memcpy(buf + metalen, in, len);
	memset(out, 0, sizeof(out));
	memset(&octx, 0, sizeof(octx));
	err = bpf_prog_test_run_opts(T.prog_fd, &opts);
	cr_assert_eq(err, 0, "BPF_PROG_TEST_RUN with %zu bytes of metadata (len %zu): %s",
		     metalen, len, strerror(errno));
	/* the output starts with the metadata; ctx_out.data is its length */
	cr_assert_leq(octx.data, opts.data_size_out);
	o->ret = opts.retval;
	o->len = opts.data_size_out - octx.data;
	cr_assert_leq(o->len, sizeof(o->d));
	memset(o->d, 0, sizeof(o->d));
	memcpy(o->d, out + octx.data, o->len);
}

void bt_run_replay(const uint8_t *in, size_t len, struct bt_out *o)
{
	uint32_t magic = MPX_REPLAY_MAGIC; /* host order, as daemon/replay.c writes it */

	bt_run_meta(in, len, (const uint8_t *)&magic, sizeof(magic), o);
}

void bt_run_as(uint32_t role, const uint8_t *in, size_t len, struct bt_out *o)
{
	bt_set_role(role);
	bt_run(in, len, o);
}

void bt_stats(uint64_t st[MPX_ST__MAX])
{
	uint64_t v[T.ncpu];

	for (uint32_t id = 0; id < MPX_ST__MAX; id++) {
		st[id] = 0;
		cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(T.skel->maps.stats), &id, v), 0);
		for (int c = 0; c < T.ncpu; c++)
			st[id] += v[c];
	}
}

uint64_t bt_stat(int id)
{
	uint64_t v[T.ncpu], s = 0;
	uint32_t k = (uint32_t)id;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(T.skel->maps.stats), &k, v), 0);
	for (int c = 0; c < T.ncpu; c++)
		s += v[c];
	return s;
}

static const char *stat_name(int id)
{
#define N(id, name, help) name,
	static const char *names[] = { MPX_STATS(N) };
#undef N
	return id >= 0 && id < MPX_ST__MAX ? names[id] : "?";
}

int bt_stat_id(const char *name)
{
	for (int i = 0; i < MPX_ST__MAX; i++)
		if (!strcmp(stat_name(i), name))
			return i;
	return -1;
}

int bt_stat_must(const char *name)
{
	int id = bt_stat_id(name);

	cr_assert_geq(id, 0, "this build has no counter %s", name);
	return id;
}

void bt_expect_deltas(const uint64_t *before, const uint64_t *after, ...)
{
	int64_t want[MPX_ST__MAX] = { 0 };
	va_list ap;
	int id;

	va_start(ap, after);
	while ((id = va_arg(ap, int)) >= 0) {
		int d = va_arg(ap, int);

		cr_assert_lt(id, MPX_ST__MAX);
		want[id] += d;
	}
	va_end(ap);
	for (int i = 0; i < MPX_ST__MAX; i++)
		cr_expect_eq((int64_t)(after[i] - before[i]), want[i],
			     "counter %s: delta %lld, expected %lld", stat_name(i),
			     (long long)(after[i] - before[i]), (long long)want[i]);
}

void bt_expect_untouched(const char *what, const uint8_t *in, size_t len, int stat)
{
	uint64_t b[MPX_ST__MAX], a[MPX_ST__MAX];
	static struct bt_out o;

	bt_stats(b);
	bt_run(in, len, &o);
	bt_stats(a);
	cr_expect_eq(o.ret, XDP_PASS, "%s: action %u, expected XDP_PASS", what, o.ret);
	cr_expect(bt_same(what, o.d, o.len, in, len), "%s: frame changed", what);
	if (stat >= 0)
		bt_expect_deltas(b, a, stat, 1, -1);
	else
		bt_expect_deltas(b, a, -1);
}

int bt_punts_drain(struct bt_punt *out, int max)
{
	T.punts = out;
	T.npunts = 0;
	T.maxpunts = max;
	cr_assert_geq(ring_buffer__consume(T.rb), 0);
	T.punts = NULL;
	return T.npunts;
}

/* ---- RFC 1071 ----------------------------------------------------------- */
uint64_t bt_sum(uint64_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		acc += (uint32_t)p[i] << 8;
	return acc;
}

uint16_t bt_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint64_t pseudo(const uint8_t *ip, int v6, size_t tcplen)
{
	uint64_t s = 0;

	if (v6)
		s = bt_sum(s, ip + 8, 32);
	else
		s = bt_sum(s, ip + 12, 8);
	return s + 6 + (tcplen >> 16) + (tcplen & 0xffff);
}

int bt_parse(const uint8_t *f, size_t len, struct bt_view *v)
{
	const uint8_t *ip = f + 14, *t;
	uint16_t et;

	memset(v, 0, sizeof(*v));
	if (len < 14)
		return -1;
	et = bt_get16(f + 12);
	v->l3 = 14;
	if (et == 0x0800) {
		if (len < 34 || ip[0] != 0x45 || ip[9] != 6 || (bt_get16(ip + 6) & 0x3fff))
			return -1;
		v->l3len = 20;
		v->ip_len = bt_get16(ip + 2);
	} else if (et == 0x86dd) {
		if (len < 54 || (ip[0] >> 4) != 6 || ip[6] != 6)
			return -1;
		v->v6 = 1;
		v->l3len = 40;
		v->ip_len = 40 + (size_t)bt_get16(ip + 4);
	} else {
		return -1;
	}
	if (v->ip_len < v->l3len + 20 || 14 + v->ip_len > len)
		return -1;
	v->tcp = 14 + v->l3len;
	t = f + v->tcp;
	v->doff = (size_t)(t[12] >> 4) * 4;
	if (v->doff < 20 || v->l3len + v->doff > v->ip_len)
		return -1;
	v->opt = v->tcp + 20;
	v->optlen = v->doff - 20;
	v->pay = v->tcp + v->doff;
	v->plen = v->ip_len - v->l3len - v->doff;
	v->seq = bt_get32(t + 4);
	v->ack = bt_get32(t + 8);
	v->flags = t[13];
	v->win = bt_get16(t + 14);
	return 0;
}

static uint16_t tcp_csum_of(const uint8_t *f, const struct bt_view *v)
{
	size_t tl = v->ip_len - v->l3len;
	uint64_t s = pseudo(f + v->l3, v->v6, tl);

	return (uint16_t)~bt_fold(bt_sum(s, f + v->tcp, tl));
}

int bt_csum_ok(const uint8_t *f, size_t len)
{
	struct bt_view v;

	if (bt_parse(f, len, &v))
		return 0;
	if (!v.v6 && bt_fold(bt_sum(0, f + 14, 20)) != 0xffff)
		return 0;
	/* the sum over pseudo-header + segment, checksum included, is 0xffff */
	return bt_fold(bt_sum(pseudo(f + 14, v.v6, v.ip_len - v.l3len), f + v.tcp,
			      v.ip_len - v.l3len)) == 0xffff;
}

void bt_fix_csum(uint8_t *f, size_t len)
{
	struct bt_view v;

	cr_assert_eq(bt_parse(f, len, &v), 0, "bt_fix_csum on a malformed frame");
	if (!v.v6) {
		bt_put16(f + 14 + 10, 0);
		bt_put16(f + 14 + 10, (uint16_t)~bt_fold(bt_sum(0, f + 14, 20)));
	}
	bt_put16(f + v.tcp + 16, 0);
	bt_put16(f + v.tcp + 16, tcp_csum_of(f, &v));
}

/* ---- options ------------------------------------------------------------ */
int bt_opt_walk(const uint8_t *a, size_t n, struct bt_opt *it, int max)
{
	size_t off = 0;
	int k = 0;

	while (off < n && k < max) {
		if (a[off] == 0)
			break;
		if (a[off] == 1) {
			it[k++] = (struct bt_opt){ 1, 1, (uint8_t)off };
			off++;
			continue;
		}
		if (off + 1 >= n || a[off + 1] < 2 || off + a[off + 1] > n)
			break;
		it[k++] = (struct bt_opt){ a[off], a[off + 1], (uint8_t)off };
		off += a[off + 1];
	}
	return k;
}

size_t bt_opt_strip_mptcp(const uint8_t *a, size_t n, uint8_t *out)
{
	struct bt_opt it[40];
	int k = bt_opt_walk(a, n, it, 40);
	size_t o = 0;

	for (int i = 0; i < k; i++) {
		if (it[i].kind == 30)
			continue;
		memcpy(out + o, a + it[i].off, it[i].len);
		o += it[i].len;
	}
	while (o && out[o - 1] == 1)
		o--;
	return o;
}

size_t bt_opt_pad(uint8_t *a, size_t n)
{
	while (n & 3)
		a[n++] = 1;
	return n;
}

int bt_opt_find_mptcp(const uint8_t *a, size_t n, int subtype)
{
	struct bt_opt it[40];
	int k = bt_opt_walk(a, n, it, 40);

	for (int i = 0; i < k; i++)
		if (it[i].kind == 30 && it[i].len >= 3 && (a[it[i].off + 2] >> 4) == subtype)
			return it[i].off;
	return -1;
}

int bt_opt_find(const uint8_t *a, size_t n, int kind)
{
	struct bt_opt it[40];
	int k = bt_opt_walk(a, n, it, 40);

	for (int i = 0; i < k; i++)
		if (it[i].kind == kind)
			return it[i].off;
	return -1;
}

void bt_dss_of(const uint8_t *a, size_t n, struct bt_dss *d)
{
	int off = bt_opt_find_mptcp(a, n, 2), p;
	const uint8_t *o;

	memset(d, 0, sizeof(*d));
	if (off < 0)
		return;
	o = a + off;
	d->present = 1;
	d->off = off;
	d->len = o[1];
	d->flags = o[3];
	d->has_ack = o[3] & 0x01;
	d->ack64 = !!(o[3] & 0x02);
	d->has_map = !!(o[3] & 0x04);
	d->dsn64 = !!(o[3] & 0x08);
	d->fin = !!(o[3] & 0x10);
	p = 4;
	if (d->has_ack) {
		d->data_ack = d->ack64 ? bt_get64(o + p) : bt_get32(o + p);
		p += d->ack64 ? 8 : 4;
	}
	if (d->has_map) {
		d->dsn = d->dsn64 ? bt_get64(o + p) : bt_get32(o + p);
		p += d->dsn64 ? 8 : 4;
		d->ssn = bt_get32(o + p);
		d->dlen = bt_get16(o + p + 4);
		p += 6;
		if (d->len == p + 2) {
			d->has_csum = 1;
			d->csum = bt_get16(o + p);
		}
	}
}

/* ---- frames ------------------------------------------------------------- */
size_t bt_reframe(const uint8_t *f, size_t len, const uint8_t *opt, size_t optlen,
		  uint8_t flags, uint8_t *out)
{
	struct bt_view v;
	size_t o, tail;

	cr_assert_eq(bt_parse(f, len, &v), 0, "bt_reframe on a malformed frame");
	cr_assert_eq(optlen & 3, 0);
	cr_assert_leq(optlen, 40);
	tail = len - 14 - v.ip_len; /* Ethernet padding */
	memcpy(out, f, v.tcp + 20);
	out[v.tcp + 12] = (uint8_t)(((20 + optlen) / 4) << 4 | (f[v.tcp + 12] & 0x0f));
	out[v.tcp + 13] = flags;
	memcpy(out + v.tcp + 20, opt, optlen);
	o = v.tcp + 20 + optlen;
	memcpy(out + o, f + v.pay, v.plen + tail);
	if (v.v6)
		bt_put16(out + 14 + 4, (uint16_t)(20 + optlen + v.plen));
	else
		bt_put16(out + 14 + 2, (uint16_t)(20 + 20 + optlen + v.plen));
	bt_fix_csum(out, o + v.plen + tail);
	return o + v.plen + tail;
}

void bt_tuple4(struct bt_tuple *t, const char *s, const char *d, uint16_t sp, uint16_t dp)
{
	memset(t, 0, sizeof(*t));
	cr_assert_eq(inet_pton(AF_INET, s, t->saddr), 1);
	cr_assert_eq(inet_pton(AF_INET, d, t->daddr), 1);
	t->sport = sp;
	t->dport = dp;
}

void bt_tuple6(struct bt_tuple *t, const char *s, const char *d, uint16_t sp, uint16_t dp)
{
	memset(t, 0, sizeof(*t));
	t->v6 = 1;
	cr_assert_eq(inet_pton(AF_INET6, s, t->saddr), 1);
	cr_assert_eq(inet_pton(AF_INET6, d, t->daddr), 1);
	t->sport = sp;
	t->dport = dp;
}

void bt_tuple_rev(struct bt_tuple *r, const struct bt_tuple *t)
{
	struct bt_tuple x = *t;

	memcpy(x.saddr, t->daddr, 16);
	memcpy(x.daddr, t->saddr, 16);
	x.sport = t->dport;
	x.dport = t->sport;
	*r = x;
}

size_t bt_build(uint8_t *out, const struct bt_tuple *t, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t win, const uint8_t *opt, size_t optlen,
		const uint8_t *pay, size_t plen)
{
	static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t mac_s[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *ip = out + 14, *tcp;
	size_t l3 = t->v6 ? 40 : 20;

	cr_assert_eq(optlen & 3, 0);
	cr_assert_leq(optlen, 40);
	memcpy(out, mac_d, 6);
	memcpy(out + 6, mac_s, 6);
	bt_put16(out + 12, t->v6 ? 0x86dd : 0x0800);
	memset(ip, 0, l3);
	if (t->v6) {
		ip[0] = 0x60;
		bt_put16(ip + 4, (uint16_t)(20 + optlen + plen));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, t->saddr, 16);
		memcpy(ip + 24, t->daddr, 16);
	} else {
		ip[0] = 0x45;
		bt_put16(ip + 2, (uint16_t)(20 + 20 + optlen + plen));
		bt_put16(ip + 4, 0x1234);
		bt_put16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, t->saddr, 4);
		memcpy(ip + 16, t->daddr, 4);
	}
	tcp = ip + l3;
	bt_put16(tcp, t->sport);
	bt_put16(tcp + 2, t->dport);
	bt_put32(tcp + 4, seq);
	bt_put32(tcp + 8, ack);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = flags;
	bt_put16(tcp + 14, win);
	bt_put16(tcp + 16, 0);
	bt_put16(tcp + 18, 0);
	memcpy(tcp + 20, opt, optlen);
	if (plen)
		memcpy(tcp + 20 + optlen, pay, plen);
	bt_fix_csum(out, 14 + l3 + 20 + optlen + plen);
	return 14 + l3 + 20 + optlen + plen;
}

void bt_flow_key(struct mpx_flow_key *k, const struct bt_tuple *t)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->c_addr, t->saddr, t->v6 ? 16 : 4);
	memcpy(k->s_addr, t->daddr, t->v6 ? 16 : 4);
	k->c_port = t->sport;
	k->s_port = t->dport;
	k->v6 = (uint8_t)t->v6;
}

size_t bt_to_v6(const uint8_t *f, size_t len, uint8_t *out)
{
	struct bt_view v;
	const uint8_t *ip = f + 14;
	uint8_t *ip6 = out + 14;
	size_t tl;

	cr_assert_eq(bt_parse(f, len, &v), 0);
	cr_assert_eq(v.v6, 0);
	tl = v.ip_len - 20;
	memcpy(out, f, 12);
	bt_put16(out + 12, 0x86dd);
	memset(ip6, 0, 40);
	ip6[0] = (uint8_t)(0x60 | ip[1] >> 4);
	ip6[1] = (uint8_t)(ip[1] << 4);
	bt_put16(ip6 + 4, (uint16_t)tl);
	ip6[6] = 6;
	ip6[7] = ip[8];
	for (int a = 0; a < 2; a++) {
		uint8_t *d = ip6 + 8 + 16 * a;
		const uint8_t *s = ip + 12 + 4 * a;

		d[0] = 0x20, d[1] = 0x01, d[2] = 0x0d, d[3] = 0xb8;
		d[5] = s[2];
		d[15] = s[3];
	}
	memcpy(out + 54, f + v.tcp, tl);
	bt_fix_csum(out, 54 + tl);
	return 54 + tl;
}

static void hexdump(const char *tag, const uint8_t *p, size_t n, const uint8_t *other,
		    size_t on)
{
	char line[256];

	for (size_t i = 0; i < n; i += 16) {
		int o = snprintf(line, sizeof(line), "%s %04zx:", tag, i);

		for (size_t j = i; j < i + 16 && j < n; j++)
			o += snprintf(line + o, sizeof(line) - o, "%s%02x",
				      j < on && other[j] == p[j] ? " " : "*", p[j]);
		cr_log_error("%s", line);
	}
}

int bt_same(const char *what, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen == blen && !memcmp(a, b, alen))
		return 1;
	cr_log_error("%s: frames differ (got %zu bytes, expected %zu)", what, alen, blen);
	hexdump("got", a, alen, b, blen);
	hexdump("exp", b, blen, a, alen);
	return 0;
}

/* ---- captures ----------------------------------------------------------- */
static FILE *open_data(const char *name)
{
	const char *dirs[] = { getenv("MPX_TESTDATA"), "tests/data", NULL };
	char path[PATH_MAX + 64], exe[PATH_MAX];
	ssize_t n;
	FILE *f;

	for (int i = 0; i < 2; i++) {
		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		f = fopen(path, "rb");
		if (f)
			return f;
	}
	/* build/tests/bpf_tests -> ../../tests/data */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *s;

		exe[n] = 0;
		for (int up = 0; up < 3 && (s = strrchr(exe, '/')); up++)
			*s = 0;
		snprintf(path, sizeof(path), "%s/tests/data/%s", exe, name);
		f = fopen(path, "rb");
		if (f)
			return f;
	}
	return NULL;
}

int bt_pcap_load(const char *name, struct bt_pcap *p)
{
	FILE *f = open_data(name);
	uint8_t gh[24], rh[16];
	int swap;
	uint32_t magic;

	memset(p, 0, sizeof(*p));
	if (!f)
		return -1;
	if (fread(gh, 1, sizeof(gh), f) != sizeof(gh))
		goto bad;
	magic = bt_get32(gh);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		swap = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		swap = 1;
	else
		goto bad;
#define U32(b) (swap ? (uint32_t)(b)[3] << 24 | (uint32_t)(b)[2] << 16 | (uint32_t)(b)[1] << 8 | (b)[0] : bt_get32(b))
	if (U32(gh + 20) != 1) /* LINKTYPE_ETHERNET */
		goto bad;
	while (fread(rh, 1, sizeof(rh), f) == sizeof(rh)) {
		uint32_t incl = U32(rh + 8), orig = U32(rh + 12);

		if (incl > 65535 || incl != orig || p->n >= (int)(sizeof(p->f) / sizeof(p->f[0])))
			goto bad;
		p->f[p->n].d = malloc(incl);
		p->f[p->n].len = incl;
		if (fread(p->f[p->n].d, 1, incl, f) != incl)
			goto bad;
		p->n++;
	}
#undef U32
	fclose(f);
	return 0;
bad:
	fclose(f);
	bt_pcap_free(p);
	return -1;
}

void bt_pcap_free(struct bt_pcap *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->f[i].d);
	p->n = 0;
}

/* ---- vectors.json: just enough to read one connection's fields ---------- */
static char *vec_text(void)
{
	static char *txt;
	FILE *f;
	long n;

	if (txt)
		return txt;
	f = open_data("vectors.json");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	txt = calloc(1, (size_t)n + 1);
	if (fread(txt, 1, (size_t)n, f) != (size_t)n) {
		free(txt);
		txt = NULL;
	}
	fclose(f);
	return txt;
}

/* end of the JSON object or array starting at p ('{' or '[') */
static const char *json_end(const char *p)
{
	int depth = 0, str = 0;

	for (; *p; p++) {
		if (str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				str = 0;
			continue;
		}
		if (*p == '"')
			str = 1;
		else if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p;
	}
	return NULL;
}

/* [start, end) of the object that holds "id": "<id>" */
static int vec_obj(const char *id, const char **start, const char **end)
{
	char pat[256];
	const char *t = vec_text(), *p, *s;

	if (!t)
		return -1;
	snprintf(pat, sizeof(pat), "\"id\": \"%s\"", id);
	p = strstr(t, pat);
	if (!p)
		return -1;
	for (s = p; s > t && *s != '{'; s--)
		;
	*start = s;
	*end = json_end(s);
	return *end ? 0 : -1;
}

/* value start of "key": inside [s, e) at depth 1 of that range */
static const char *json_field(const char *s, const char *e, const char *key)
{
	char pat[128];
	size_t pl;
	int depth = 0, str = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	pl = strlen(pat);
	for (const char *p = s; p < e; p++) {
		if (str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				str = 0;
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		} else if (*p == '"') {
			if (depth == 1 && !strncmp(p, pat, pl)) {
				p += pl;
				while (*p == ' ')
					p++;
				return p;
			}
			str = 1;
		}
	}
	return NULL;
}

int bt_vec_str(const char *id, const char *side, const char *field, char *out, size_t n)
{
	const char *s, *e, *v, *q;

	if (vec_obj(id, &s, &e))
		return -1;
	if (side) {
		v = json_field(s, e, side);
		if (!v || *v != '{')
			return -1;
		s = v;
		e = json_end(v);
	}
	v = json_field(s, e, field);
	if (!v || *v != '"')
		return -1;
	q = strchr(v + 1, '"');
	if (!q || (size_t)(q - v - 1) >= n)
		return -1;
	memcpy(out, v + 1, (size_t)(q - v - 1));
	out[q - v - 1] = 0;
	return 0;
}

int bt_vec_num(const char *id, const char *field, uint64_t *val)
{
	const char *s, *e, *p;
	char pat[128];

	if (vec_obj(id, &s, &e))
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\": ", field);
	for (p = s; p < e; p++) {
		if (!strncmp(p, pat, strlen(pat))) {
			char *end;

			*val = strtoull(p + strlen(pat), &end, 10);
			return end == p + strlen(pat) ? -1 : 0;
		}
	}
	return -1;
}

void bt_token_idsn(uint64_t key, uint32_t *token, uint64_t *idsn)
{
	__u64 i;
	__u32 t;

	mpx_key_token_idsn(key, &t, &i);
	*token = t;
	*idsn = i;
}
