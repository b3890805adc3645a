/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the operator sees, read from the pinned maps: the counters, each
 * map's occupancy and the attached links. One implementation for `mpxdp`
 * and for mpxdpd's metrics endpoint, so both always show the same numbers.
 */
#ifndef MPXDP_LIB_INSPECT_H
#define MPXDP_LIB_INSPECT_H

#include <stdint.h>
#include <net/if.h>
#include "pins.h"
#include "mpxdp/stats.h"

/* Every counter summed over the possible CPUs. Returns 0, or -1 with
 * errno set (a counter that cannot be read would be a wrong zero). */
int mpx_stats_read(int stats_fd, uint64_t sum[MPX_ST__MAX]);

struct mpx_map_usage {
	char name[16];	      /* the kernel's name for it */
	const char *type;     /* "hash", "lru_hash", "percpu_array", ... */
	uint32_t max_entries; /* bytes for a ring buffer */
	uint32_t entries;
	int countable; /* entries is known (rings have no keys to walk) */
};

/* struct mpx_maps is nothing but map fds */
#define MPX_MAPS_N (sizeof(struct mpx_maps) / sizeof(int))

/* One entry per map of m, in struct order; returns how many. */
int mpx_maps_usage(const struct mpx_maps *m, struct mpx_map_usage u[MPX_MAPS_N]);

struct mpx_link {
	uint32_t ifindex;
	char dev[IF_NAMESIZE]; /* "?" if it went away */
	uint32_t role;	       /* MPX_ROLE_* */
	const char *mode;      /* "native" or "generic" */
	uint32_t prog_id;      /* 0: registered, but no program attached */
};

/* Call fn for every link registered in the ifaces map. */
void mpx_links_each(int ifaces_fd, void (*fn)(const struct mpx_link *l, void *arg), void *arg);

/* The name of an XDP attach mode (XDP_FLAGS_*) */
const char *mpx_xdp_mode_name(uint32_t flags);

#endif
