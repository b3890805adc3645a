// SPDX-License-Identifier: GPL-2.0
/* The daemon's counters live in the fast path's per-CPU stats map, in
 * entries the XDP program never touches, so a read-modify-write of CPU 0's
 * slot cannot race with it. */
#include <stdlib.h>
#include <bpf/bpf.h>
#include "daemon.h"

void counter_add(struct daemon *d, enum mpx_stat id, uint64_t n)
{
	uint64_t *vals = calloc(d->ncpus, sizeof(*vals));
	uint32_t key = id;

	if (!vals)
		return;
	if (bpf_map_lookup_elem(d->maps.stats, &key, vals) == 0) {
		vals[0] += n;
		bpf_map_update_elem(d->maps.stats, &key, vals, BPF_ANY);
	}
	free(vals);
}
