// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one translation unit that holds the generated vectors. */
#include <string.h>
#include "vectors.h"
#include "vectors.inc"

const struct vec_frame *vec_frame_get(const char *pcap, uint32_t n)
{
	for (unsigned i = 0; i < vec_n_pcaps; i++) {
		if (strcmp(vec_pcaps[i].id, pcap))
			continue;
		if (n < 1 || n > vec_pcaps[i].count)
			return NULL;
		return &vec_frames[vec_pcaps[i].first + n - 1];
	}
	return NULL;
}

const struct vec_conn *vec_conn_get(const char *conn)
{
	for (unsigned i = 0; i < vec_n_conns; i++)
		if (vec_conns[i].conn && !strcmp(vec_conns[i].conn, conn))
			return &vec_conns[i];
	return NULL;
}
