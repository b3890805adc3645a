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

int replay_frame(struct daemon *d, const void *frame, uint32_t len, uint32_t ifindex)
{
	struct xdp_md ctx = { .data = 0, .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int err = bpf_prog_test_run_opts(d->prog_fd, &o);

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
