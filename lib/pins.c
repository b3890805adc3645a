// SPDX-License-Identifier: GPL-2.0
#include "pins.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

const char *mpx_pin_dir(const char *override)
{
	const char *env = getenv("MPXDP_PIN_DIR");

	if (override && *override)
		return override;
	if (env && *env)
		return env;
	return MPX_PIN_DIR_DEFAULT;
}

int mpx_is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int open_pin(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			snprintf(err, errlen,
				 "the fast path is not loaded (%s missing): start mpxdpd first", path);
		else if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "cannot open %s: %s (run as root)", path, strerror(e));
		else
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -1;
	}
	return fd;
}

int mpx_maps_open(struct mpx_maps *m, const char *dir, char *err, size_t errlen)
{
	struct {
		int *fd;
		const char *name;
	} t[] = {
		{ &m->ifaces, "ifaces" }, { &m->tx_ports, "tx_ports" },
		{ &m->halfopen, "halfopen" }, { &m->flows, "flows" },
		{ &m->conns, "conns" }, { &m->subflows, "subflows" },
		{ &m->tokens, "tokens" },
		{ &m->config, "config" }, { &m->stats, "stats" },
		{ &m->punts, "punts" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		*t[i].fd = -1;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		*t[i].fd = open_pin(dir, t[i].name, err, errlen);
		if (*t[i].fd < 0) {
			mpx_maps_close(m);
			return -1;
		}
	}
	return 0;
}

void mpx_maps_close(struct mpx_maps *m)
{
	int *fds = (int *)m;

	for (size_t i = 0; i < sizeof(*m) / sizeof(int); i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int mpx_prog_open(const char *dir, char *err, size_t errlen)
{
	return open_pin(dir, MPX_PROG_PIN, err, errlen);
}
