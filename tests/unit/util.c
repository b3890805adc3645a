// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Independent test helpers (see util.h). This file is also the one place
 * that compiles lib/keys.c into the unit-test binary.
 */
#include <stdio.h>
#include <string.h>
#include "util.h"

#include "../../lib/keys.c"

uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

void wbe16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void wbe32(uint8_t *p, uint32_t v)
{
	wbe16(p, (uint16_t)(v >> 16));
	wbe16(p + 2, (uint16_t)v);
}

void wbe64(uint8_t *p, uint64_t v)
{
	wbe32(p, (uint32_t)(v >> 32));
	wbe32(p + 4, (uint32_t)v);
}

const char *hexs(const uint8_t *p, size_t n)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ & 3];
	size_t i;

	for (i = 0; i < n && i < 120; i++)
		sprintf(b + 2 * i, "%02x", p[i]);
	b[2 * i] = 0;
	return b;
}

/* ---- RFC 1071 --------------------------------------------------------- */
uint64_t ref_sum(uint64_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

uint16_t ref_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

uint16_t ref_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t dlen,
		      const uint8_t *payload, size_t n)
{
	uint8_t ph[16];

	wbe64(ph, dsn);
	wbe32(ph + 8, ssn);
	wbe16(ph + 12, dlen);
	wbe16(ph + 14, 0);
	return (uint16_t)~ref_fold(ref_sum(ref_sum(0, ph, 16), payload, n));
}

uint16_t ref_ip4_csum(const uint8_t *h)
{
	uint8_t c[20];

	memcpy(c, h, 20);
	c[10] = c[11] = 0;
	return (uint16_t)~ref_fold(ref_sum(0, c, 20));
}

static uint64_t tcp_sum(const uint8_t *ip, size_t len, int zero_field)
{
	int v6 = (ip[0] >> 4) == 6;
	size_t hl = v6 ? 40 : 20, tl = len - hl;
	uint8_t ph[40];
	uint64_t acc;
	const uint8_t *t = ip + hl;

	if (v6) {
		memcpy(ph, ip + 8, 32);
		wbe32(ph + 32, (uint32_t)tl);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = 6;
		acc = ref_sum(0, ph, 40);
	} else {
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = 6;
		wbe16(ph + 10, (uint16_t)tl);
		acc = ref_sum(0, ph, 12);
	}
	acc = ref_sum(acc, t, 16);
	if (!zero_field)
		acc = ref_sum(acc, t + 16, 2);
	return ref_sum(acc, t + 18, tl - 18);
}

uint16_t ref_tcp_csum(const uint8_t *ip, size_t len)
{
	return (uint16_t)~ref_fold(tcp_sum(ip, len, 1));
}

int ref_tcp_csum_ok(const uint8_t *ip, size_t len)
{
	return ref_fold(tcp_sum(ip, len, 0)) == 0xffff;
}

int ref_tcp_ok(const uint8_t *ip, size_t len)
{
	if ((ip[0] >> 4) == 4 && ref_fold(ref_sum(0, ip, 20)) != 0xffff)
		return 0;
	return ref_tcp_csum_ok(ip, len);
}

/* ---- TCP options ------------------------------------------------------ */
int ref_opt_walk(const uint8_t *a, int len, struct ref_opt *it, int max, int *bad)
{
	int off = 0, n = 0;

	if (bad)
		*bad = 0;
	while (off < len) {
		uint8_t k = a[off];

		if (k == 0)
			break;
		if (k == 1) {
			if (n < max)
				it[n] = (struct ref_opt){ 1, 1, (uint8_t)off };
			n++;
			off++;
			continue;
		}
		if (off + 1 >= len || a[off + 1] < 2 || off + a[off + 1] > len) {
			if (bad)
				*bad = 1;
			break;
		}
		if (n < max)
			it[n] = (struct ref_opt){ k, a[off + 1], (uint8_t)off };
		n++;
		off += a[off + 1];
	}
	return n;
}

int ref_strip_mptcp(const uint8_t *a, int len, uint8_t *out)
{
	struct ref_opt it[40];
	int n = ref_opt_walk(a, len, it, 40, NULL), o = 0, last = -1;

	for (int i = 0; i < n; i++)
		if (it[i].kind != 1 && it[i].kind != 30)
			last = i;
	for (int i = 0; i <= last; i++) {
		if (it[i].kind == 30)
			continue;
		memcpy(out + o, a + it[i].off, it[i].len);
		o += it[i].len;
	}
	return o;
}

int ref_strip_mptcp_sack(const uint8_t *a, int len, uint8_t *out)
{
	struct ref_opt it[40];
	int n = ref_opt_walk(a, len, it, 40, NULL), o = 0, last = -1;

	for (int i = 0; i < n; i++)
		if (it[i].kind != 1 && it[i].kind != 30 && it[i].kind != 5)
			last = i;
	for (int i = 0; i <= last; i++) {
		if (it[i].kind == 30 || it[i].kind == 5)
			continue;
		memcpy(out + o, a + it[i].off, it[i].len);
		o += it[i].len;
	}
	return o;
}

int ref_count_kind(const uint8_t *a, int len, int kind)
{
	struct ref_opt it[40];
	int n = ref_opt_walk(a, len, it, 40, NULL), c = 0;

	for (int i = 0; i < n; i++)
		c += it[i].kind == kind;
	return c;
}

int ref_strip_mptcp_pad(const uint8_t *a, int len, uint8_t *out)
{
	int o = ref_strip_mptcp(a, len, out);

	while (o & 3)
		out[o++] = 1;
	return o;
}

int ref_find_mptcp(const uint8_t *a, int len, int subtype)
{
	struct ref_opt it[40];
	int n = ref_opt_walk(a, len, it, 40, NULL);

	for (int i = 0; i < n; i++)
		if (it[i].kind == 30 && it[i].len >= 3 &&
		    (subtype < 0 || a[it[i].off + 2] >> 4 == subtype))
			return it[i].off;
	return -1;
}

int ref_count_mptcp(const uint8_t *a, int len)
{
	struct ref_opt it[40];
	int n = ref_opt_walk(a, len, it, 40, NULL), c = 0;

	for (int i = 0; i < n; i++)
		c += it[i].kind == 30;
	return c;
}

void ref_dss_of_area(const uint8_t *a, int len, struct ref_dss *d)
{
	int off = ref_find_mptcp(a, len, 2), o = 4;
	const uint8_t *p;

	memset(d, 0, sizeof(*d));
	if (off < 0)
		return;
	p = a + off;
	d->present = 1;
	d->len = p[1];
	d->flags = p[3];
	d->has_ack = !!(p[3] & 1);
	d->ack8 = !!(p[3] & 2);
	d->has_map = !!(p[3] & 4);
	d->dsn8 = !!(p[3] & 8);
	d->fin = !!(p[3] & 16);
	if (d->has_ack) {
		d->data_ack = d->ack8 ? be64(p + o) : be32(p + o);
		o += d->ack8 ? 8 : 4;
	}
	if (d->has_map) {
		d->dsn = d->dsn8 ? be64(p + o) : be32(p + o);
		o += d->dsn8 ? 8 : 4;
		d->ssn = be32(p + o);
		d->dlen = be16(p + o + 4);
		o += 6;
		if (d->len == o + 2) {
			d->has_csum = 1;
			d->csum = be16(p + o);
		}
	}
}

/* ---- frames ----------------------------------------------------------- */
int ref_parse(const uint8_t *f, size_t len, struct ref_hdr *h)
{
	uint16_t et;
	size_t hl;

	memset(h, 0, sizeof(*h));
	if (len < 14 + 20)
		return -1;
	et = be16(f + 12);
	h->ip = f + 14;
	if (et == 0x0800) {
		if ((h->ip[0] >> 4) != 4 || (h->ip[0] & 15) != 5 || h->ip[9] != 6)
			return -1;
		hl = 20;
		h->ip_len = be16(h->ip + 2);
		memcpy(h->saddr, h->ip + 12, 4);
		memcpy(h->daddr, h->ip + 16, 4);
	} else if (et == 0x86dd) {
		if (len < 14 + 40 + 20 || (h->ip[0] >> 4) != 6 || h->ip[6] != 6)
			return -1;
		h->v6 = 1;
		hl = 40;
		h->ip_len = 40 + be16(h->ip + 4);
		memcpy(h->saddr, h->ip + 8, 16);
		memcpy(h->daddr, h->ip + 24, 16);
	} else {
		return -1;
	}
	if (h->ip_len > len - 14 || h->ip_len < hl + 20)
		return -1;
	h->tcp = h->ip + hl;
	h->doff = (h->tcp[12] >> 4) * 4;
	if (h->doff < 20 || hl + h->doff > h->ip_len)
		return -1;
	h->opt = h->tcp + 20;
	h->optlen = h->doff - 20;
	h->payload = h->tcp + h->doff;
	h->plen = h->ip_len - hl - h->doff;
	h->sport = be16(h->tcp);
	h->dport = be16(h->tcp + 2);
	h->seq = be32(h->tcp + 4);
	h->ack = be32(h->tcp + 8);
	h->flags = h->tcp[13];
	h->win = be16(h->tcp + 14);
	return 0;
}

size_t fb_build(uint8_t *buf, size_t cap, const struct fb *f)
{
	size_t hl = f->v6 ? 40 : 20, tl = 20 + (size_t)f->optlen + (size_t)f->plen;
	size_t len = 14 + hl + tl;
	uint8_t *ip = buf + 14, *t = ip + hl;

	if (len > cap || (f->optlen & 3) || f->optlen > 40)
		return 0;
	memset(buf, 0, 14 + hl + 20);
	memcpy(buf, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	wbe16(buf + 12, f->v6 ? 0x86dd : 0x0800);
	if (f->l3tmpl) {
		memcpy(ip, f->l3tmpl, hl);
	} else if (f->v6) {
		ip[0] = 0x60;
		ip[7] = 64;
	} else {
		ip[0] = 0x45;
		wbe16(ip + 4, 0x1234);
		wbe16(ip + 6, 0x4000);
		ip[8] = 64;
	}
	if (f->v6) {
		wbe16(ip + 4, (uint16_t)tl);
		ip[6] = 6;
		memcpy(ip + 8, f->saddr, 16);
		memcpy(ip + 24, f->daddr, 16);
	} else {
		wbe16(ip + 2, (uint16_t)(20 + tl));
		ip[9] = 6;
		memcpy(ip + 12, f->saddr, 4);
		memcpy(ip + 16, f->daddr, 4);
		wbe16(ip + 10, ref_ip4_csum(ip));
	}
	wbe16(t, f->sport);
	wbe16(t + 2, f->dport);
	wbe32(t + 4, f->seq);
	wbe32(t + 8, f->ack);
	t[12] = (uint8_t)(((20 + f->optlen) / 4) << 4 | (f->tcp12_low & 15));
	t[13] = (uint8_t)((f->flags & 0x3f) | (f->tcp13_high & 0xc0));
	wbe16(t + 14, f->win);
	wbe16(t + 16, 0);
	wbe16(t + 18, f->urg);
	if (f->optlen)
		memcpy(t + 20, f->opt, (size_t)f->optlen);
	if (f->plen)
		memcpy(t + 20 + f->optlen, f->payload, (size_t)f->plen);
	wbe16(t + 16, ref_tcp_csum(ip, hl + tl));
	return len;
}

void fb_from(struct fb *f, const struct ref_hdr *h)
{
	memset(f, 0, sizeof(*f));
	f->v6 = h->v6;
	memcpy(f->saddr, h->saddr, 16);
	memcpy(f->daddr, h->daddr, 16);
	f->sport = h->sport;
	f->dport = h->dport;
	f->seq = h->seq;
	f->ack = h->ack;
	f->flags = h->flags & 0x3f;
	f->tcp13_high = h->flags & 0xc0;
	f->tcp12_low = h->tcp[12] & 15;
	f->win = h->win;
	f->urg = be16(h->tcp + 18);
	f->opt = h->opt;
	f->optlen = (int)h->optlen;
	f->payload = h->payload;
	f->plen = (int)h->plen;
	f->l3tmpl = h->ip;
}
