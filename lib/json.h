/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer for the CLI's -j output and metrics. */
#ifndef MPXDP_LIB_JSON_H
#define MPXDP_LIB_JSON_H

#include <stdint.h>
#include <stdio.h>

#define MPX_JSON_DEPTH 16

struct mpx_json {
	FILE *f;
	int depth;
	int count[MPX_JSON_DEPTH]; /* items written at each level */
	int after_key;		   /* a key was written: its value needs no comma */
};

void mpx_json_init(struct mpx_json *j, FILE *f);
void mpx_json_obj_begin(struct mpx_json *j);
void mpx_json_obj_end(struct mpx_json *j);
void mpx_json_arr_begin(struct mpx_json *j);
void mpx_json_arr_end(struct mpx_json *j);
void mpx_json_key(struct mpx_json *j, const char *k);
void mpx_json_str(struct mpx_json *j, const char *s);
void mpx_json_u64(struct mpx_json *j, uint64_t v);
void mpx_json_bool(struct mpx_json *j, int v);

/* key + value shorthands */
void mpx_json_kstr(struct mpx_json *j, const char *k, const char *s);
void mpx_json_ku64(struct mpx_json *j, const char *k, uint64_t v);
void mpx_json_kbool(struct mpx_json *j, const char *k, int v);

#endif
