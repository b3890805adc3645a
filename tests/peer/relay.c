// SPDX-License-Identifier: GPL-2.0
/*
 * relay - a kernel-MPTCP-terminating TCP relay, the baseline mpxdp is
 * benchmarked against (make bench, docs/bench.md).
 *
 *   relay --listen ADDR:PORT --to ADDR:PORT
 *
 * Accepts MPTCP connections (IPPROTO_MPTCP; plain TCP clients fall back as
 * usual) and opens one plain TCP connection to --to for each. Bytes move
 * with splice() through a pipe, one thread per direction, so they never
 * enter user space; a FIN is passed on as shutdown(SHUT_WR), so half-closed
 * connections work. One line per finished connection on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define PIPE_SZ (1 << 20) /* fewer, larger splices */

struct half {
	int in, out;
	uint64_t bytes;
	int err;
};

struct relay_conn {
	int cfd; /* the client's MPTCP connection */
	struct half up, down;
};

static struct addrinfo *to_ai;

/* "a.b.c.d:port" or "[v6]:port", numeric only */
static struct addrinfo *resolve(const char *s, int passive)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | passive,
	};
	struct addrinfo *ai;
	char host[128];
	const char *port = strrchr(s, ':');
	size_t n;

	if (!port)
		return NULL;
	n = port - s;
	if (s[0] == '[' && n > 2 && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return NULL;
	memcpy(host, s, n);
	host[n] = 0;
	return getaddrinfo(host, port + 1, &hints, &ai) ? NULL : ai;
}

/* in -> pipe -> out until EOF, then FIN on out */
static void *pump(void *arg)
{
	struct half *h = arg;
	int p[2];
	ssize_t n, m;

	if (pipe2(p, O_CLOEXEC) < 0) {
		h->err = errno;
		shutdown(h->out, SHUT_WR);
		return NULL;
	}
	fcntl(p[1], F_SETPIPE_SZ, PIPE_SZ);
	for (;;) {
		n = splice(h->in, NULL, p[1], NULL, PIPE_SZ, SPLICE_F_MOVE | SPLICE_F_MORE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			h->err = n ? errno : 0;
			break;
		}
		for (; n > 0; n -= m) {
			m = splice(p[0], NULL, h->out, NULL, n, SPLICE_F_MOVE | SPLICE_F_MORE);
			if (m < 0 && errno == EINTR) {
				m = 0;
				continue;
			}
			if (m <= 0) {
				h->err = m ? errno : EPIPE;
				goto out;
			}
			h->bytes += m;
		}
	}
out:
	/* an error (not EOF) resets the peer rather than pretending a clean end */
	if (h->err)
		shutdown(h->out, SHUT_RDWR);
	else
		shutdown(h->out, SHUT_WR);
	close(p[0]);
	close(p[1]);
	return NULL;
}

static void *serve(void *arg)
{
	struct relay_conn *r = arg;
	pthread_t th;
	int sfd;

	sfd = socket(to_ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (sfd < 0 || connect(sfd, to_ai->ai_addr, to_ai->ai_addrlen) < 0) {
		fprintf(stderr, "relay: connect: %s\n", strerror(errno));
		goto out;
	}
	r->up = (struct half){ .in = r->cfd, .out = sfd };
	r->down = (struct half){ .in = sfd, .out = r->cfd };
	if (pthread_create(&th, NULL, pump, &r->up)) {
		fprintf(stderr, "relay: pthread_create failed\n");
		goto out;
	}
	pump(&r->down);
	pthread_join(th, NULL);
	fprintf(stderr, "relay: up %llu B%s%s, down %llu B%s%s\n",
		(unsigned long long)r->up.bytes, r->up.err ? " error " : "",
		r->up.err ? strerror(r->up.err) : "",
		(unsigned long long)r->down.bytes, r->down.err ? " error " : "",
		r->down.err ? strerror(r->down.err) : "");
out:
	if (sfd >= 0)
		close(sfd);
	close(r->cfd);
	free(r);
	return NULL;
}

int main(int argc, char **argv)
{
	struct addrinfo *lai;
	pthread_attr_t attr;
	int lfd, one = 1;

	if (argc != 5 || strcmp(argv[1], "--listen") || strcmp(argv[3], "--to")) {
		fprintf(stderr, "usage: relay --listen ADDR:PORT --to ADDR:PORT\n");
		return 2;
	}
	lai = resolve(argv[2], AI_PASSIVE);
	to_ai = resolve(argv[4], 0);
	if (!lai || !to_ai) {
		fprintf(stderr, "relay: want numeric ADDR:PORT or [V6]:PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(lai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (lfd < 0) {
		fprintf(stderr, "relay: socket(IPPROTO_MPTCP): %s\n", strerror(errno));
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, lai->ai_addr, lai->ai_addrlen) < 0 || listen(lfd, 128) < 0) {
		fprintf(stderr, "relay: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	fprintf(stderr, "relay: listening on %s (MPTCP), relaying to %s (TCP)\n",
		argv[2], argv[4]);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct relay_conn *r = calloc(1, sizeof(*r));
		pthread_t th;

		if (!r)
			return 1;
		r->cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (r->cfd < 0) {
			free(r);
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "relay: accept: %s\n", strerror(errno));
			return 1;
		}
		if (pthread_create(&th, &attr, serve, r)) {
			fprintf(stderr, "relay: pthread_create failed\n");
			close(r->cfd);
			free(r);
		}
	}
}
