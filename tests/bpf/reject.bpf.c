// SPDX-License-Identifier: GPL-2.0
/*
 * A fast path the verifier must refuse: the real maps, and an XDP program
 * that reads the packet without a bounds check. tests/netns/t_cli.sh loads
 * it with `mpxdpd --bpf-object` to check that the verifier's reason reaches
 * the operator.
 */
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int mpxdp_xdp(struct xdp_md *ctx)
{
	unsigned char *p = (void *)(long)ctx->data;

	return p[100];
}
