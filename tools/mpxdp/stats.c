// SPDX-License-Identifier: GPL-2.0
/* mpxdp stats: the per-CPU counters summed. docs/stats.md explains each. */
#include <stdio.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "names.h"

int cmd_stats(struct cli *c, int argc, char **argv)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals;
	struct mpx_maps m;

	if (argc > 0 && !cli_matches(argv[0], "show"))
		return cli_fail("unknown stats command \"%s\"", argv[0]);
	if (ncpus <= 0)
		return cli_fail("cannot count CPUs");
	if (cli_maps(c, &m))
		return 1;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals) {
		mpx_maps_close(&m);
		return cli_fail("out of memory");
	}
	if (c->json)
		mpx_json_obj_begin(&c->j);
	for (uint32_t id = 0; id < MPX_ST__MAX; id++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(m.stats, &id, vals) == 0)
			for (int i = 0; i < ncpus; i++)
				sum += vals[i];
		if (c->json)
			mpx_json_ku64(&c->j, mpx_stat_name[id], sum);
		else
			printf("%-24s %llu\n", mpx_stat_name[id], (unsigned long long)sum);
	}
	if (c->json)
		mpx_json_obj_end(&c->j);
	free(vals);
	mpx_maps_close(&m);
	return 0;
}
