// SPDX-License-Identifier: GPL-2.0
/*
 * Garbage collection (docs/design.md "Maps"): every gc interval the daemon
 * removes connections that closed more than close_linger ago (both FINs
 * acknowledged, or a reset, or a reused 4-tuple) or were idle longer than
 * idle_timeout, and half-open entries older than halfopen_timeout.
 * Victims are collected first and deleted after the walk, because deleting
 * under bpf_map_get_next_key() restarts the walk.
 */
#include <stdlib.h>
#include <bpf/bpf.h>
#include "daemon.h"
#include "log.h"
#include "mpxdp/state.h"

static void conn_delete(struct daemon *d, uint32_t id, const struct mpx_conn *c)
{
	uint32_t owner;

	for (uint32_t i = 0; i < MPX_SF_MAX; i++) {
		struct mpx_sf_key sk = { .conn_id = id, .idx = i };
		struct mpx_sf sf;

		if (bpf_map_lookup_elem(d->maps.subflows, &sk, &sf))
			continue;
		bpf_map_delete_elem(d->maps.flows, &sf.key);
		bpf_map_delete_elem(d->maps.subflows, &sk);
	}
	if (bpf_map_lookup_elem(d->maps.tokens, &c->token_g, &owner) == 0 && owner == id)
		bpf_map_delete_elem(d->maps.tokens, &c->token_g);
	bpf_map_delete_elem(d->maps.conns, &id);
}

static void gc_conns(struct daemon *d, uint64_t now)
{
	uint32_t key, *prev = NULL, n = 0, cap = 256;
	uint32_t *ids = malloc(cap * sizeof(*ids));
	uint8_t *why = malloc(cap);
	struct mpx_conn c;

	if (!ids || !why)
		goto out;
	while (bpf_map_get_next_key(d->maps.conns, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(d->maps.conns, &key, &c))
			continue;
		uint64_t idle = now > c.last_ns ? now - c.last_ns : 0;
		int closed = MPX_CS_CLOSED(c.state) && idle > d->o.close_linger_ms * 1000000ULL;
		int stale = idle > d->o.idle_timeout_ms * 1000000ULL;

		if (!closed && !stale)
			continue;
		if (n == cap) {
			cap *= 2;
			uint32_t *ni = realloc(ids, cap * sizeof(*ids));
			uint8_t *nw = realloc(why, cap);

			if (!ni || !nw) {
				ids = ni ? ni : ids;
				why = nw ? nw : why;
				break;
			}
			ids = ni;
			why = nw;
		}
		ids[n] = key;
		why[n++] = closed;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(d->maps.conns, &ids[i], &c))
			continue;
		conn_delete(d, ids[i], &c);
		counter_add(d, why[i] ? MPX_ST_GC_CLOSED : MPX_ST_GC_IDLE, 1);
		mpx_debug("conn_removed", "conn=%u reason=%s", ids[i], why[i] ? "closed" : "idle");
	}
out:
	free(ids);
	free(why);
}

static void gc_halfopen(struct daemon *d, uint64_t now)
{
	struct mpx_flow_key key, *prev = NULL, *old = NULL;
	struct mpx_halfopen ho;
	uint32_t n = 0, cap = 0;
	uint64_t max = d->o.halfopen_timeout_ms * 1000000ULL;

	while (bpf_map_get_next_key(d->maps.halfopen, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(d->maps.halfopen, &key, &ho) ||
		    now < ho.ts_ns || now - ho.ts_ns <= max)
			continue;
		if (n == cap) {
			struct mpx_flow_key *no = realloc(old, (cap = cap ? cap * 2 : 256) * sizeof(*old));

			if (!no)
				break;
			old = no;
		}
		old[n++] = key;
	}
	for (uint32_t i = 0; i < n; i++)
		bpf_map_delete_elem(d->maps.halfopen, &old[i]);
	free(old);
}

void gc_run(struct daemon *d, uint64_t now)
{
	gc_conns(d, now);
	gc_halfopen(d, now);
	d->last_gc_ns = now;
}
