// SPDX-License-Identifier: GPL-2.0
/* mpxdp stats: the per-CPU counters summed. docs/stats.md explains each.
 * mpxdp map show: how full each of the fast path's maps is. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "inspect.h"
#include "names.h"

int cmd_stats(struct cli *c, int argc, char **argv)
{
	uint64_t sum[MPX_ST__MAX];
	struct mpx_maps m;
	int rc;

	if (argc > 0 && !cli_matches(argv[0], "show"))
		return cli_fail("unknown stats command \"%s\"", argv[0]);
	if (cli_maps(c, &m))
		return 1;
	rc = mpx_stats_read(m.stats, sum);
	mpx_maps_close(&m);
	if (rc)
		return cli_fail("cannot read the counters: %s", strerror(errno));
	if (c->json)
		mpx_json_obj_begin(&c->j);
	for (uint32_t id = 0; id < MPX_ST__MAX; id++) {
		if (c->json)
			mpx_json_ku64(&c->j, mpx_stat_name[id], sum[id]);
		else
			printf("%-24s %llu\n", mpx_stat_name[id], (unsigned long long)sum[id]);
	}
	if (c->json)
		mpx_json_obj_end(&c->j);
	return 0;
}

int cmd_map(struct cli *c, int argc, char **argv)
{
	struct mpx_map_usage u[MPX_MAPS_N];
	struct mpx_maps m;
	int n;

	if (argc > 0 && !cli_matches(argv[0], "show") && !cli_matches(argv[0], "list"))
		return cli_fail("unknown map command \"%s\" (try: show)", argv[0]);
	if (cli_maps(c, &m))
		return 1;
	n = mpx_maps_usage(&m, u);
	mpx_maps_close(&m);
	if (c->json)
		mpx_json_arr_begin(&c->j);
	for (int i = 0; i < n; i++) {
		if (!c->json) {
			if (u[i].countable)
				printf("%-10s %-14s %u/%u entries\n", u[i].name, u[i].type,
				       u[i].entries, u[i].max_entries);
			else
				printf("%-10s %-14s %u bytes\n", u[i].name, u[i].type,
				       u[i].max_entries);
			continue;
		}
		mpx_json_obj_begin(&c->j);
		mpx_json_kstr(&c->j, "name", u[i].name);
		mpx_json_kstr(&c->j, "type", u[i].type);
		if (u[i].countable)
			mpx_json_ku64(&c->j, "entries", u[i].entries);
		mpx_json_ku64(&c->j, "max_entries", u[i].max_entries);
		mpx_json_obj_end(&c->j);
	}
	if (c->json)
		mpx_json_arr_end(&c->j);
	return 0;
}
