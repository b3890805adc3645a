// SPDX-License-Identifier: GPL-2.0
/*
 * Load the fast path, or adopt the one already pinned.
 *
 * Maps are pinned by name under the pin directory (LIBBPF_PIN_BY_NAME with
 * pin_root_path), so loading again reuses them: connections, tokens and the
 * key-derivation secret survive a daemon restart, and the XDP program that
 * is attached keeps forwarding meanwhile. The freshly loaded program
 * replaces the pinned one and, atomically (XDP_FLAGS_REPLACE), the one on
 * every attached interface: that is how an upgrade under live traffic
 * works. A map layout that changed cannot be reused; the load is then
 * refused with a message saying what to do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "keys.h"
#include "log.h"
#include "mpxdp/state.h"
#include "mpxdp.skel.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* libbpf's messages, all shown at debug level. For the error report the
 * verifier's log is kept apart: its last lines are the reason. */
#define KEEP_LINES 8
static char vlog[KEEP_LINES][256];
static int vlog_n, in_vlog;
static char last_msg[256];
static char unreusable[256]; /* a pinned map libbpf refused to reuse */

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	static char msg[1 << 16];
	char *line, *save = NULL;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		mpx_debug("libbpf", "msg=\"%s\"", line);
		if (strstr(line, "BEGIN PROG LOAD LOG")) {
			in_vlog = 1;
			vlog_n = 0;
		} else if (strstr(line, "END PROG LOAD LOG")) {
			in_vlog = 0;
		} else if (in_vlog && !strstr(line, "processed ")) {
			snprintf(vlog[vlog_n++ % KEEP_LINES], sizeof(vlog[0]), "%s", line);
		} else if (lvl == LIBBPF_WARN) {
			snprintf(last_msg, sizeof(last_msg), "%s", line);
			if (strstr(line, "couldn't reuse pinned map"))
				snprintf(unreusable, sizeof(unreusable), "%s", line);
		}
	}
	return 0;
}

/* One line with libbpf's last complaint, then the verifier's last words. */
static void report_load_failure(int err)
{
	int first = vlog_n > 3 ? vlog_n - 3 : 0;

	mpx_err("load_failed", "err=\"%s\" detail=\"%s\"", strerror(-err), last_msg);
	if (vlog_n)
		fprintf(stderr, "the verifier rejected the program; its last words:\n");
	for (int i = first; i < vlog_n; i++)
		fprintf(stderr, "  %s\n", vlog[i % KEEP_LINES]);
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc(n)) && fread(buf, 1, n, f) == (size_t)n) {
		*len = n;
	} else {
		free(buf);
		buf = NULL;
		errno = errno ? errno : EINVAL;
	}
	fclose(f);
	return buf;
}

static int mkdir_p(const char *dir)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -1 : 0;
}

/* A pinned map keeps the size it was created with. */
static void size_map(struct daemon *d, struct bpf_map *m, uint32_t want)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", d->o.pin_dir, bpf_map__name(m));
	fd = bpf_obj_get(path);
	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		if (info.max_entries != want)
			mpx_warn("map_size_kept", "map=%s pinned=%u requested=%u",
				 bpf_map__name(m), info.max_entries, want);
		want = info.max_entries;
	}
	if (fd >= 0)
		close(fd);
	bpf_map__set_max_entries(m, want);
}

static int prog_id(int fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : (int)info.id;
}

/* Swap the old program for the new one wherever it is attached. */
static void upgrade_links(struct daemon *d, int old_fd)
{
	uint32_t key, *prev = NULL;
	int old_id = prog_id(old_fd);
	struct mpx_iface ifc;

	while (bpf_map_get_next_key(d->maps.ifaces, prev, &key) == 0) {
		uint32_t id = 0;
		int mode;
		LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = old_fd);

		prev = &key;
		if (bpf_map_lookup_elem(d->maps.ifaces, &key, &ifc))
			continue;
		mode = ifc.flags & (XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE);
		if (bpf_xdp_query_id(key, mode, &id) || (int)id != old_id)
			continue;
		if (bpf_xdp_attach(key, d->prog_fd, mode | XDP_FLAGS_REPLACE, &ao))
			mpx_warn("upgrade_failed", "ifindex=%u err=\"%s\"", key, strerror(errno));
		else
			mpx_info("upgraded", "ifindex=%u old_prog=%d new_prog=%d", key,
				 old_id, prog_id(d->prog_fd));
	}
}

static int init_config(struct daemon *d)
{
	struct mpx_config cfg;
	uint32_t zero = 0;
	static const uint8_t nul[16];

	if (bpf_map_lookup_elem(d->maps.config, &zero, &cfg))
		return -1;
	if (cfg.abi && cfg.abi != MPX_ABI_VERSION) {
		mpx_err("abi_mismatch",
			"pinned=%u ours=%u hint=\"detach all links (mpxdp link detach all) and restart\"",
			cfg.abi, MPX_ABI_VERSION);
		return -1;
	}
	if (!memcmp(cfg.secret, nul, sizeof(nul))) {
		if (mpx_random(cfg.secret, sizeof(cfg.secret)))
			return -1;
		mpx_info("secret_created", NULL);
	} else {
		mpx_info("secret_adopted", NULL);
	}
	memcpy(d->secret, cfg.secret, sizeof(d->secret));
	cfg.abi = MPX_ABI_VERSION;
	cfg.flags = (d->o.csum ? MPX_CFG_CSUM : 0) | (d->o.probe ? MPX_CFG_PROBE : 0);
	cfg.hb_timeout_ms = 3 * d->o.hb_interval_ms;
	cfg.stall_ms = d->o.subflow_timeout_ms;
	cfg.daemon_hb_ns = now_ns();
	return bpf_map_update_elem(d->maps.config, &zero, &cfg, BPF_ANY);
}

/* Start after the highest connection id in use. */
static void init_ids(struct daemon *d)
{
	uint32_t key, *prev = NULL, max = 0, n = 0;

	while (bpf_map_get_next_key(d->maps.conns, prev, &key) == 0) {
		if (key > max)
			max = key;
		n++;
		prev = &key;
	}
	d->next_id = max + 1;
	mpx_info("state_adopted", "connections=%u", n);
}

/* The skeleton over its built-in ELF, or over --bpf-object (an upgrade, or
 * a build of the same program with other settings). */
static struct mpxdp_bpf *open_skeleton(struct daemon *d)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = d->o.pin_dir);
	struct mpxdp_bpf *skel;
	int err;

	if (!d->o.bpf_object)
		return mpxdp_bpf__open_opts(&oo);
	free(d->elf);
	d->elf = read_file(d->o.bpf_object, &d->elf_sz);
	if (!d->elf) {
		mpx_err("bpf_object_unreadable", "path=%s err=\"%s\"", d->o.bpf_object,
			strerror(errno));
		return NULL;
	}
	skel = calloc(1, sizeof(*skel));
	if (!skel)
		return NULL;
	err = mpxdp_bpf__create_skeleton(skel);
	if (!err) {
		skel->skeleton->data = d->elf;
		skel->skeleton->data_sz = d->elf_sz;
		err = bpf_object__open_skeleton(skel->skeleton, &oo);
	}
	if (err) {
		mpxdp_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

int loader_load(struct daemon *d)
{
	char path[512];
	int err, old_fd, tx_fd;

	libbpf_set_print(libbpf_print);
	if (mkdir_p(d->o.pin_dir) || !mpx_is_bpffs(d->o.pin_dir)) {
		mpx_err("no_bpffs", "dir=%s hint=\"mount -t bpf bpf /sys/fs/bpf\"", d->o.pin_dir);
		return -1;
	}
	d->skel = open_skeleton(d);
	if (!d->skel) {
		report_load_failure(-errno);
		return -1;
	}
	size_map(d, d->skel->maps.conns, d->o.max_conns);
	size_map(d, d->skel->maps.flows, d->o.max_conns);
	size_map(d, d->skel->maps.tokens, d->o.max_conns);
	size_map(d, d->skel->maps.subflows, 2 * d->o.max_conns);
	size_map(d, d->skel->maps.halfopen, d->o.halfopen_max);
	snprintf(path, sizeof(path), "%s/tx_ports", d->o.pin_dir);
	tx_fd = bpf_obj_get(path);
	if (tx_fd >= 0 && bpf_map__reuse_fd(d->skel->maps.tx_ports, tx_fd)) {
		mpx_err("pinned_state_incompatible", "map=%s", path);
		return -1;
	}
	err = mpxdp_bpf__load(d->skel);
	if (err && *unreusable) {
		mpx_err("pinned_state_incompatible",
			"dir=%s detail=\"%s\" hint=\"the pinned maps come from another mpxdp build: run that build, or detach all links and remove the directory\"",
			d->o.pin_dir, unreusable);
		return -1;
	}
	if (err) {
		report_load_failure(err);
		return -1;
	}
	if (tx_fd < 0 && bpf_map__pin(d->skel->maps.tx_ports, path)) {
		mpx_err("pin_failed", "path=%s err=\"%s\"", path, strerror(errno));
		return -1;
	}
	if (tx_fd >= 0)
		close(tx_fd);
	d->prog_fd = bpf_program__fd(d->skel->progs.mpxdp_xdp);
	d->maps = (struct mpx_maps){
		.ifaces = bpf_map__fd(d->skel->maps.ifaces),
		.tx_ports = bpf_map__fd(d->skel->maps.tx_ports),
		.halfopen = bpf_map__fd(d->skel->maps.halfopen),
		.flows = bpf_map__fd(d->skel->maps.flows),
		.conns = bpf_map__fd(d->skel->maps.conns),
		.subflows = bpf_map__fd(d->skel->maps.subflows),
		.tokens = bpf_map__fd(d->skel->maps.tokens),
		.config = bpf_map__fd(d->skel->maps.config),
		.stats = bpf_map__fd(d->skel->maps.stats),
		.punts = bpf_map__fd(d->skel->maps.punts),
	};
	d->ncpus = libbpf_num_possible_cpus();

	snprintf(path, sizeof(path), "%s/%s", d->o.pin_dir, MPX_PROG_PIN);
	old_fd = bpf_obj_get(path);
	if (old_fd >= 0)
		unlink(path);
	if (bpf_program__pin(d->skel->progs.mpxdp_xdp, path)) {
		mpx_err("pin_failed", "path=%s err=\"%s\"", path, strerror(errno));
		return -1;
	}
	if (old_fd >= 0) {
		upgrade_links(d, old_fd);
		close(old_fd);
	}
	if (init_config(d))
		return -1;
	init_ids(d);
	mpx_info("loaded", "pin_dir=%s prog_id=%d max_conns=%u halfopen_max=%u",
		 d->o.pin_dir, prog_id(d->prog_fd),
		 bpf_map__max_entries(d->skel->maps.conns),
		 bpf_map__max_entries(d->skel->maps.halfopen));
	return 0;
}

/* Tell the fast path the daemon is alive; 0 says it is gone. */
void loader_heartbeat(struct daemon *d, uint64_t now)
{
	struct mpx_config cfg;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(d->maps.config, &zero, &cfg))
		return;
	cfg.daemon_hb_ns = now;
	bpf_map_update_elem(d->maps.config, &zero, &cfg, BPF_ANY);
	d->last_hb_ns = now;
}

void loader_close(struct daemon *d)
{
	mpxdp_bpf__destroy(d->skel); /* pins stay: the fast path runs on */
	d->skel = NULL;
	free(d->elf);
	d->elf = NULL;
}
