// SPDX-License-Identifier: GPL-2.0
#include "json.h"

#include <inttypes.h>

void mpx_json_init(struct mpx_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->count[0] = 0;
	j->after_key = 0;
}

/* separator before a value; keys already wrote theirs */
static void sep(struct mpx_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->count[j->depth]++ > 0)
		fputc(',', j->f);
}

static void open_(struct mpx_json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < MPX_JSON_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_(struct mpx_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void mpx_json_obj_begin(struct mpx_json *j) { open_(j, '{'); }
void mpx_json_obj_end(struct mpx_json *j) { close_(j, '}'); }
void mpx_json_arr_begin(struct mpx_json *j) { open_(j, '['); }
void mpx_json_arr_end(struct mpx_json *j) { close_(j, ']'); }

static void raw_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void mpx_json_key(struct mpx_json *j, const char *k)
{
	sep(j);
	raw_str(j->f, k);
	fputc(':', j->f);
	j->after_key = 1;
}

void mpx_json_str(struct mpx_json *j, const char *s)
{
	sep(j);
	raw_str(j->f, s);
}

void mpx_json_u64(struct mpx_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void mpx_json_bool(struct mpx_json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void mpx_json_kstr(struct mpx_json *j, const char *k, const char *s)
{
	mpx_json_key(j, k);
	mpx_json_str(j, s);
}

void mpx_json_ku64(struct mpx_json *j, const char *k, uint64_t v)
{
	mpx_json_key(j, k);
	mpx_json_u64(j, v);
}

void mpx_json_kbool(struct mpx_json *j, const char *k, int v)
{
	mpx_json_key(j, k);
	mpx_json_bool(j, v);
}
