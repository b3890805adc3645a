/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mpxdpd --metrics ADDR:PORT: the counters, map occupancy and links in
 * Prometheus' text format at /metrics, served by a small nonblocking
 * HTTP/1.x server in a thread of its own, which only reads the maps.
 */
#ifndef MPXDP_DAEMON_METRICS_H
#define MPXDP_DAEMON_METRICS_H

#include "pins.h"

struct metrics;

/* Listen on "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6): done before the
 * fast path is loaded, so a bad address or a busy port leaves it alone.
 * maps is read at each request once started. NULL, logged, on error. */
struct metrics *metrics_open(const char *addr, const struct mpx_maps *maps);
/* Serve, once the maps are open. -1, logged, on error. */
int metrics_start(struct metrics *mx);
/* Stop serving (before the maps close) and free; NULL is fine. */
void metrics_close(struct metrics *mx);

#endif
