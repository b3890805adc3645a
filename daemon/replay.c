// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon never builds the translated segment itself: once it has
 * installed a connection it hands the segment back to the same XDP
 * program in "live frames" mode, which translates and transmits it exactly
 * as if it had just arrived (XDP_PASS frames enter the stack, redirects
 * leave by the egress device). One translation path, no userspace copy of it.
 */
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "daemon.h"
#include "log.h"
#include "mpxdp/state.h"

int replay_frame(struct daemon *d, const void *frame, uint32_t len, uint32_t ifindex)
{
	/* the frame behind 4 bytes of XDP metadata that mark it as a re-run */
	uint8_t buf[sizeof(uint32_t) + MPX_PUNT_DATA];
	uint32_t magic = MPX_REPLAY_MAGIC;
	struct xdp_md ctx = { .data = sizeof(magic), .data_end = sizeof(magic) + len,
			      .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = sizeof(magic) + len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int err;

	if (len > MPX_PUNT_DATA)
		return -1;
	memcpy(buf, &magic, sizeof(magic));
	memcpy(buf + sizeof(magic), frame, len);
	err = bpf_prog_test_run_opts(d->prog_fd, &o);

	if (err) {
		counter_add(d, MPX_ST_REPLAY_FAIL, 1);
		mpx_warn("replay_failed", "ifindex=%u len=%u err=\"%s\"", ifindex, len,
			 strerror(errno));
		return -1;
	}
	mpx_debug("replayed", "ifindex=%u len=%u retval=%u", ifindex, len, o.retval);
	counter_add(d, MPX_ST_REPLAY, 1);
	return 0;
}
