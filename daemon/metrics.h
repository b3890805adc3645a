/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mpxdpd --metrics ADDR:PORT: the counters, map occupancy and links in
 * Prometheus' text format at /metrics, served from the daemon's event
 * loop by a small nonblocking HTTP/1.x server.
 */
#ifndef MPXDP_DAEMON_METRICS_H
#define MPXDP_DAEMON_METRICS_H

#include "pins.h"

struct metrics;

/* Listen on "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6). The maps are read
 * at each request, so they may be opened later. NULL, logged, on error. */
struct metrics *metrics_open(const char *addr, const struct mpx_maps *maps);
/* Readable whenever metrics_serve() has something to do. */
int metrics_fd(const struct metrics *mx);
/* Accept, read, answer, time out: whatever is ready, without blocking. */
void metrics_serve(struct metrics *mx);
void metrics_close(struct metrics *mx);

#endif
