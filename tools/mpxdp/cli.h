/* SPDX-License-Identifier: GPL-2.0 */
/* mpxdp: the operator's CLI, in the style of ip(8): mpxdp [-j] OBJECT COMMAND [ARGS] */
#ifndef MPXDP_CLI_H
#define MPXDP_CLI_H

#include <stdint.h>
#include <string.h>
#include "json.h"
#include "pins.h"
#include "mpxdp/state.h"

struct cli {
	int json;
	const char *pin_dir;
	struct mpx_json j;
};

/* Print "mpxdp: <msg>" on stderr and return 1 (the exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open the pinned maps, or fail with the reason. */
int cli_maps(struct cli *c, struct mpx_maps *m);
int cli_need_root(void);

/* ip-style abbreviations: "l" matches "link" */
static inline int cli_matches(const char *arg, const char *word)
{
	return *arg && !strncmp(word, arg, strlen(arg));
}

/* conn show's filters (connfilter.c) */
struct conn_prefix {
	uint8_t addr[16];
	int v6;
	unsigned len;
	int set;
};

struct conn_filter {
	struct conn_prefix src, dst;
	unsigned long token;
	int has_token;
};

/* the arguments after "show"; fails with a message */
int conn_filter_parse(struct conn_filter *f, int argc, char **argv);
int conn_filter_match(const struct conn_filter *f, int subflows_fd, uint32_t id,
		      const struct mpx_conn *k);

int cmd_link(struct cli *c, int argc, char **argv);
int cmd_conn(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
int cmd_map(struct cli *c, int argc, char **argv);

#endif
