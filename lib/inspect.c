// SPDX-License-Identifier: GPL-2.0
#include "inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mpxdp/state.h"

int mpx_stats_read(int stats_fd, uint64_t sum[MPX_ST__MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals;
	int rc = 0;

	if (ncpus <= 0) {
		errno = -ncpus;
		return -1;
	}
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -1;
	for (uint32_t id = 0; id < MPX_ST__MAX && !rc; id++) {
		sum[id] = 0;
		rc = bpf_map_lookup_elem(stats_fd, &id, vals);
		for (int i = 0; i < ncpus && !rc; i++)
			sum[id] += vals[i];
	}
	free(vals);
	return rc ? -1 : 0;
}

/*
 * Entries in use, by walking the keys: one syscall per entry, at most
 * max_entries of them, so a walk racing with deletions (which restarts it
 * from the first key) still ends. Under churn the count is approximate.
 * Fails for maps without keys to walk (ring buffers).
 */
static int count_entries(int fd, const struct bpf_map_info *info, uint32_t *n)
{
	uint8_t *key = malloc(info->key_size), *next = malloc(info->key_size);
	int rc = key && next ? 0 : -1;

	for (*n = 0; !rc && *n < info->max_entries; (*n)++) {
		if (bpf_map_get_next_key(fd, *n ? key : NULL, next)) {
			rc = errno == ENOENT ? 0 : -1;
			break;
		}
		memcpy(key, next, info->key_size);
	}
	free(key);
	free(next);
	return rc;
}

int mpx_maps_usage(const struct mpx_maps *m, struct mpx_map_usage u[MPX_MAPS_N])
{
	const int *fds = (const int *)m;
	int k = 0;

	for (size_t i = 0; i < MPX_MAPS_N; i++) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		const char *type;

		if (fds[i] < 0 || bpf_obj_get_info_by_fd(fds[i], &info, &len))
			continue;
		type = libbpf_bpf_map_type_str(info.type);
		memset(&u[k], 0, sizeof(u[k]));
		snprintf(u[k].name, sizeof(u[k].name), "%s", info.name);
		u[k].type = type ? type : "unknown";
		u[k].max_entries = info.max_entries;
		u[k].countable = count_entries(fds[i], &info, &u[k].entries) == 0;
		k++;
	}
	return k;
}

const char *mpx_xdp_mode_name(uint32_t flags)
{
	return flags & XDP_FLAGS_SKB_MODE ? "generic" : "native";
}

void mpx_links_each(int ifaces_fd, void (*fn)(const struct mpx_link *l, void *arg), void *arg)
{
	uint32_t key, *prev = NULL;
	struct mpx_iface ifc;

	while (bpf_map_get_next_key(ifaces_fd, prev, &key) == 0) {
		struct mpx_link l = { .ifindex = key, .dev = "?" };

		prev = &key;
		if (bpf_map_lookup_elem(ifaces_fd, &key, &ifc))
			continue;
		if (!if_indextoname(key, l.dev))
			strcpy(l.dev, "?");
		l.role = ifc.role;
		l.mode = mpx_xdp_mode_name(ifc.flags);
		bpf_xdp_query_id(key, ifc.flags, &l.prog_id);
		fn(&l, arg);
	}
}
