/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the fast path's programs and maps live in bpffs, and how the CLI
 * and the daemon open them. One directory per gateway instance; the
 * default is /sys/fs/bpf/mpxdp, overridden by --pin-dir or MPXDP_PIN_DIR
 * (the testbed uses one directory per run).
 */
#ifndef MPXDP_LIB_PINS_H
#define MPXDP_LIB_PINS_H

#include <stddef.h>

#define MPX_PIN_DIR_DEFAULT "/sys/fs/bpf/mpxdp"
#define MPX_PROG_PIN "prog"

struct mpx_maps {
	int ifaces;
	int tx_ports;
	int halfopen;
	int flows;
	int conns;
	int subflows;
	int tokens;
	int config;
	int stats;
	int punts;
};

/* The pin directory: override if non-NULL, else $MPXDP_PIN_DIR, else default. */
const char *mpx_pin_dir(const char *override);

/* Open every pinned map. On failure returns -1 with a one-line reason in err. */
int mpx_maps_open(struct mpx_maps *m, const char *dir, char *err, size_t errlen);
void mpx_maps_close(struct mpx_maps *m);

/* The pinned XDP program, or -1 with a reason in err. */
int mpx_prog_open(const char *dir, char *err, size_t errlen);

/* Is path on a bpf filesystem? */
int mpx_is_bpffs(const char *path);

#endif
