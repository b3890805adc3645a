// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_PASS, for the far ends of the testbed's veth pairs: a frame that
 * the gateway XDP_REDIRECTs into a veth is dropped unless the peer end
 * runs an XDP program (it needs the peer's NAPI).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
