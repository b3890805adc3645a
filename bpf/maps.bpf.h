/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path's maps. All are pinned by name under the daemon's pin
 * directory, so a restarted daemon and the CLI find the same state and the
 * XDP program keeps forwarding while no daemon runs. Sizes here are the
 * defaults; mpxdpd sets them at load time (docs/design.md "Maps").
 */
#ifndef MPXDP_MAPS_BPF_H
#define MPXDP_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "mpxdp/translate.h"

/* attached interfaces and their role */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct mpx_iface);
	__uint(max_entries, 256);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ifaces SEC(".maps");

/* redirect targets: the same interfaces. Pinned by the daemon itself: the
 * kernel marks devmaps read-only for programs, which libbpf 1.1's check
 * for reusing a pinned map takes for a mismatch. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 256);
} tx_ports SEC(".maps");

/* SYNs that were offered MPTCP; LRU, so a SYN flood only recycles it */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct mpx_flow_key);
	__type(value, struct mpx_halfopen);
	__uint(max_entries, 16384);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} halfopen SEC(".maps");

/* 4-tuple -> connection; written by the daemon only */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct mpx_flow_key);
	__type(value, struct mpx_flow);
	__uint(max_entries, 16384);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct mpx_conn);
	__uint(max_entries, 16384);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} conns SEC(".maps");

/* (connection, index) -> subflow; written by the daemon, updated by XDP */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct mpx_sf_key);
	__type(value, struct mpx_sf);
	__uint(max_entries, 16384);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} subflows SEC(".maps");

/* token -> connection, for MP_JOIN; written by the daemon only */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 16384);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tokens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct mpx_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, MPX_ST__MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

/* segments for the daemon (third ACKs) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} punts SEC(".maps");

/* per-CPU working memory: keeps the 512-byte stack free */
struct scratch {
	struct mpx_pkt pkt;
	struct mpx_tx tx;
	struct mpx_hdr hdr;
	struct mpx_halfopen ho;
	struct mpx_flow_key key;
	struct mpx_verdict v;
	__u8 eth[MPX_ETH_HLEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scratch);
	__uint(max_entries, 1);
} scratch_map SEC(".maps");

#endif
