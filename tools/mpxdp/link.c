// SPDX-License-Identifier: GPL-2.0
/* mpxdp link attach|detach|show */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "inspect.h"
#include "names.h"

static int prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : (int)info.id;
}

static int link_attach(struct cli *c, const char *dev, int role, uint32_t mode)
{
	struct mpx_iface ifc = { .role = role, .flags = mode };
	struct mpx_maps m;
	char err[600];
	uint32_t ifindex = if_nametoindex(dev), cur = 0;
	int prog, rc;

	if (!ifindex)
		return cli_fail("no such interface: %s", dev);
	if (cli_maps(c, &m))
		return 1;
	prog = mpx_prog_open(c->pin_dir, err, sizeof(err));
	if (prog < 0) {
		mpx_maps_close(&m);
		return cli_fail("%s", err);
	}
	if (bpf_xdp_query_id(ifindex, 0, &cur) == 0 && cur && (int)cur != prog_id_of(prog)) {
		rc = cli_fail("%s already has an XDP program (id %u): detach it first", dev, cur);
		goto out;
	}
	if (bpf_map_update_elem(m.ifaces, &ifindex, &ifc, BPF_ANY) ||
	    bpf_map_update_elem(m.tx_ports, &ifindex, &ifindex, BPF_ANY)) {
		rc = cli_fail("cannot register %s: %s", dev, strerror(errno));
		goto out;
	}
	if (!cur && bpf_xdp_attach(ifindex, prog, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL)) {
		int e = errno;

		bpf_map_delete_elem(m.ifaces, &ifindex);
		bpf_map_delete_elem(m.tx_ports, &ifindex);
		if (e == EOPNOTSUPP)
			rc = cli_fail("%s does not support %s XDP (try: mode generic)", dev,
				      mpx_xdp_mode_name(mode));
		else
			rc = cli_fail("cannot attach to %s: %s", dev, strerror(e));
		goto out;
	}
	rc = 0;
out:
	close(prog);
	mpx_maps_close(&m);
	return rc;
}

static int link_detach(struct cli *c, const char *dev)
{
	struct mpx_iface ifc;
	struct mpx_maps m;
	uint32_t ifindex = if_nametoindex(dev);
	int rc = 0;

	if (!ifindex)
		return cli_fail("no such interface: %s", dev);
	if (cli_maps(c, &m))
		return 1;
	if (bpf_map_lookup_elem(m.ifaces, &ifindex, &ifc)) {
		mpx_maps_close(&m);
		return cli_fail("%s is not attached", dev);
	}
	if (bpf_xdp_detach(ifindex, ifc.flags, NULL) && errno != ENOENT)
		rc = cli_fail("cannot detach from %s: %s", dev, strerror(errno));
	bpf_map_delete_elem(m.tx_ports, &ifindex);
	bpf_map_delete_elem(m.ifaces, &ifindex);
	mpx_maps_close(&m);
	return rc;
}

static void show_one(const struct mpx_link *l, void *arg)
{
	struct cli *c = arg;

	if (!c->json) {
		printf("%u: %s role %s mode %s prog %u%s\n", l->ifindex, l->dev,
		       mpx_role_name(l->role), l->mode, l->prog_id,
		       l->prog_id ? "" : " (NOT ATTACHED)");
		return;
	}
	mpx_json_obj_begin(&c->j);
	mpx_json_kstr(&c->j, "dev", l->dev);
	mpx_json_ku64(&c->j, "ifindex", l->ifindex);
	mpx_json_kstr(&c->j, "role", mpx_role_name(l->role));
	mpx_json_kstr(&c->j, "mode", l->mode);
	mpx_json_ku64(&c->j, "prog_id", l->prog_id);
	mpx_json_kbool(&c->j, "attached", l->prog_id != 0);
	mpx_json_obj_end(&c->j);
}

static int link_show(struct cli *c)
{
	struct mpx_maps m;

	if (cli_maps(c, &m))
		return 1;
	if (c->json)
		mpx_json_arr_begin(&c->j);
	mpx_links_each(m.ifaces, show_one, c);
	if (c->json)
		mpx_json_arr_end(&c->j);
	mpx_maps_close(&m);
	return 0;
}

int cmd_link(struct cli *c, int argc, char **argv)
{
	const char *dev = NULL;
	uint32_t mode = XDP_FLAGS_DRV_MODE;
	int role = 0;

	if (argc < 1 || cli_matches(argv[0], "show") || cli_matches(argv[0], "list"))
		return link_show(c);
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return cli_fail("\"%s\" needs a value", argv[i]);
		if (!strcmp(argv[i], "dev")) {
			dev = argv[i + 1];
		} else if (!strcmp(argv[i], "role")) {
			role = mpx_role_parse(argv[i + 1]);
			if (!role)
				return cli_fail("role must be client or server, not \"%s\"", argv[i + 1]);
		} else if (!strcmp(argv[i], "mode")) {
			if (!strcmp(argv[i + 1], "native"))
				mode = XDP_FLAGS_DRV_MODE;
			else if (!strcmp(argv[i + 1], "generic"))
				mode = XDP_FLAGS_SKB_MODE;
			else
				return cli_fail("mode must be native or generic, not \"%s\"", argv[i + 1]);
		} else {
			return cli_fail("unknown argument \"%s\"", argv[i]);
		}
	}
	if (!dev)
		return cli_fail("missing: dev IFNAME");
	if (cli_matches(argv[0], "attach")) {
		if (!role)
			return cli_fail("missing: role client|server");
		return link_attach(c, dev, role, mode);
	}
	if (cli_matches(argv[0], "detach"))
		return link_detach(c, dev);
	return cli_fail("unknown link command \"%s\" (try: attach, detach, show)", argv[0]);
}
