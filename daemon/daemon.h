/* SPDX-License-Identifier: GPL-2.0 */
/* mpxdpd: the slow path. See docs/design.md "Daemon". */
#ifndef MPXDP_DAEMON_H
#define MPXDP_DAEMON_H

#include <stdint.h>
#include "pins.h"
#include "mpxdp/state.h"
#include "mpxdp/stats.h"
#include "mpxdp/packet.h"

struct mpxdp_bpf;
struct ring_buffer;

struct daemon_opts {
	const char *pin_dir;
	const char *bpf_object; /* instead of the built-in fast path */
	uint32_t max_conns;
	uint32_t halfopen_max;
	uint32_t gc_interval_ms;
	uint32_t close_linger_ms;
	uint64_t idle_timeout_ms;
	uint32_t halfopen_timeout_ms;
	uint32_t hb_interval_ms;
	int csum;  /* require DSS checksums */
	int probe; /* leave MP_CAPABLE in SYNs, step aside for MPTCP servers */
	uint32_t max_subflows; /* per connection, the initial one included */
	uint32_t subflow_timeout_ms; /* unacknowledged this long: the subflow is dead */
	const char *metrics_addr; /* --metrics ADDR:PORT */
};

struct daemon {
	struct daemon_opts o;
	struct mpxdp_bpf *skel;
	struct mpx_maps maps;
	int prog_fd;
	int raw4, raw6; /* for the segments the daemon sends itself (joins) */
	void *elf; /* --bpf-object's bytes, alive as long as the skeleton */
	size_t elf_sz;
	struct ring_buffer *rb;
	int ncpus;
	uint32_t next_id;
	uint8_t secret[16];
	/* connections installed in the current ring-buffer batch: their flows
	 * stay MPX_FLOW_PENDING until the batch's segments are replayed */
	struct mpx_flow_key pending[256];
	uint32_t pending_id[256];
	unsigned npending;
	uint64_t last_gc_ns;
	uint64_t last_hb_ns;
};

uint64_t now_ns(void); /* CLOCK_MONOTONIC, the clock bpf_ktime_get_ns() reads */

/* loader.c */
int loader_load(struct daemon *d);
void loader_heartbeat(struct daemon *d, uint64_t now);
void loader_close(struct daemon *d);

/* handshake.c: a segment the fast path handed over */
int handshake_punt(void *ctx, void *data, size_t len);
/* after a batch: let the fast path take the new connections' next segments */
void handshake_release(struct daemon *d);

/* join.c: MP_JOIN SYNs and third ACKs the fast path handed over */
int join_open(struct daemon *d);
void join_punt(struct daemon *d, const struct mpx_punt *r, const struct mpx_pkt *p);
void join_close(struct daemon *d);

/* replay.c: run a frame through the XDP program as if it had arrived on
 * ifindex, with its verdict carried out (BPF_F_TEST_XDP_LIVE_FRAMES) */
int replay_frame(struct daemon *d, const void *frame, uint32_t len, uint32_t ifindex);

/* gc.c */
void gc_run(struct daemon *d, uint64_t now);

/* notify.c: "READY=1", "STOPPING=1" to systemd (Type=notify) */
void notify_systemd(const char *state);

/* counters the daemon owns in the shared per-CPU stats map */
void counter_add(struct daemon *d, enum mpx_stat id, uint64_t n);

#endif
