// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpxdp [-j] [--pin-dir DIR] OBJECT COMMAND [ARGS]\n"
		"  link attach dev IFNAME role client|server [mode native|generic]\n"
		"  link detach dev IFNAME\n"
		"  link show\n"
		"  conn show [src ADDR[/LEN]] [dst ADDR[/LEN]] [token HEX]\n"
		"  map show\n"
		"  stats\n"
		"  -j, --json    JSON output (show commands and stats)\n"
		"  --pin-dir DIR bpffs directory of the gateway (default %s or $MPXDP_PIN_DIR)\n",
		MPX_PIN_DIR_DEFAULT);
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mpxdp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_need_root(void)
{
	return geteuid() == 0 ? 0 : cli_fail("must be run as root");
}

int cli_maps(struct cli *c, struct mpx_maps *m)
{
	char err[600];

	if (cli_need_root())
		return 1;
	if (mpx_maps_open(m, c->pin_dir, err, sizeof(err)))
		return cli_fail("%s", err);
	return 0;
}

static int silent(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int i = 1;

	libbpf_set_print(silent);
	/* -j may come anywhere ("mpxdp conn show -j" as well as "mpxdp -j conn show") */
	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "-j") || !strcmp(argv[k], "--json")) {
			c.json = 1;
			memmove(argv + k, argv + k + 1, (argc - k) * sizeof(*argv));
			argc--;
			k--;
		}
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--pin-dir") && i + 1 < argc) {
			c.pin_dir = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return cli_fail("unknown option: %s", argv[i]);
		}
	}
	c.pin_dir = mpx_pin_dir(c.pin_dir);
	mpx_json_init(&c.j, stdout);
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (cli_matches(argv[i], "link"))
		return cmd_link(&c, argc - i - 1, argv + i + 1);
	if (cli_matches(argv[i], "conn"))
		return cmd_conn(&c, argc - i - 1, argv + i + 1);
	if (cli_matches(argv[i], "stats"))
		return cmd_stats(&c, argc - i - 1, argv + i + 1);
	if (cli_matches(argv[i], "map"))
		return cmd_map(&c, argc - i - 1, argv + i + 1);
	if (cli_matches(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	return cli_fail("unknown object \"%s\" (try: link, conn, map, stats)", argv[i]);
}
