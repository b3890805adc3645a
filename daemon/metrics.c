// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint (metrics.h). It has a thread of its own: counting
 * the entries of full tables takes a syscall per entry (some 100k, about
 * 0.2 s, at the default sizes), time the handshakes must not wait for.
 * The thread only reads maps and logs. Clients cannot hold it either:
 * sockets are nonblocking, every connection has a deadline, at most
 * MX_CLIENTS are open (a new one replaces the oldest) and a request is at
 * most MX_REQ_MAX bytes. One request per connection (Connection: close),
 * which is all a scraper needs. After the answer the write side is shut
 * and the rest read away, so the client sees the answer instead of a
 * reset caused by unread bytes.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include "daemon.h"
#include "inspect.h"
#include "log.h"
#include "names.h"

#define MX_CLIENTS 16
#define MX_REQ_MAX 4096
#define MX_TIMEOUT_NS (5 * 1000000000ULL)
#define MX_LISTEN_TAG MX_CLIENTS /* epoll tags: 0..MX_CLIENTS-1 are clients */
#define MX_STOP_TAG (MX_CLIENTS + 1)

enum mx_phase { MX_FREE, MX_READ, MX_WRITE, MX_DRAIN };

struct mx_client {
	enum mx_phase phase;
	int fd;
	uint64_t deadline;
	size_t req_len;
	char req[MX_REQ_MAX];
	char *resp;
	size_t resp_len, sent;
};

struct metrics {
	int ep, lfd, stopfd;
	pthread_t thread;
	int running;
	const struct mpx_maps *maps;
	int nclients;
	struct mx_client c[MX_CLIENTS];
};

/* --- the exposition -------------------------------------------------- */

/* "MPCapableSYNRX" -> "mp_capable_synrx", "DataCsumErr" -> "data_csum_err":
 * a word starts at an upper-case letter after a lower-case one, or at the
 * last capital of a run that a lower-case letter follows. */
static void snake(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; s[i] && n + 2 < len; i++) {
		int up = s[i] >= 'A' && s[i] <= 'Z';
		int prev_low = i && s[i - 1] >= 'a' && s[i - 1] <= 'z';
		int prev_up = i && s[i - 1] >= 'A' && s[i - 1] <= 'Z';
		int next_low = s[i + 1] >= 'a' && s[i + 1] <= 'z';

		if (up && (prev_low || (prev_up && next_low)))
			out[n++] = '_';
		out[n++] = up ? s[i] - 'A' + 'a' : s[i];
	}
	out[n] = 0;
}

/* a HELP text (esc_quote 0) or a label value (1), escaped */
static void put_escaped(FILE *f, const char *s, int esc_quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && esc_quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help, 0);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void link_sample(const struct mpx_link *l, void *arg)
{
	FILE *f = arg;

	fputs("mpxdp_link_attached{dev=\"", f);
	put_escaped(f, l->dev, 1);
	fprintf(f, "\",ifindex=\"%u\",role=\"%s\",mode=\"%s\"} %d\n", l->ifindex,
		mpx_role_name(l->role), l->mode, l->prog_id != 0);
}

static int render(const struct mpx_maps *m, FILE *f)
{
	struct mpx_map_usage u[MPX_MAPS_N];
	uint64_t sum[MPX_ST__MAX];
	char name[96];
	int n;

	if (mpx_stats_read(m->stats, sum))
		return -1;
	for (int id = 0; id < MPX_ST__MAX; id++) {
		char s[64];

		snake(mpx_stat_name[id], s, sizeof(s));
		snprintf(name, sizeof(name), "mpxdp_%s_total", s);
		family(f, name, "counter", mpx_stat_help[id]);
		fprintf(f, "%s %llu\n", name, (unsigned long long)sum[id]);
	}
	n = mpx_maps_usage(m, u);
	family(f, "mpxdp_map_entries", "gauge",
	       "entries in use in each of the fast path's maps (not for ring buffers)");
	for (int i = 0; i < n; i++)
		if (u[i].countable)
			fprintf(f, "mpxdp_map_entries{map=\"%s\"} %u\n", u[i].name, u[i].entries);
	family(f, "mpxdp_map_max_entries", "gauge",
	       "capacity of each of the fast path's maps (bytes for ring buffers)");
	for (int i = 0; i < n; i++)
		fprintf(f, "mpxdp_map_max_entries{map=\"%s\"} %u\n", u[i].name, u[i].max_entries);
	family(f, "mpxdp_link_attached", "gauge",
	       "links registered by mpxdp link attach: 1 while the program is attached, 0 if it was removed behind mpxdp's back");
	mpx_links_each(m->ifaces, link_sample, f);
	return 0;
}

/* --- HTTP ------------------------------------------------------------ */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Internal Server Error";
	}
}

/* Status line, headers and body in one buffer for the client to take. */
static void respond(struct mx_client *c, int status, int head, const char *body, size_t blen)
{
	char hdr[256];
	int hlen;

	hlen = snprintf(hdr, sizeof(hdr),
			"HTTP/1.1 %d %s\r\n"
			"Content-Type: %s\r\n"
			"Content-Length: %zu\r\n"
			"%s"
			"Connection: close\r\n\r\n",
			status, reason(status),
			status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain",
			blen, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	c->resp_len = hlen + (head ? 0 : blen);
	c->resp = malloc(c->resp_len);
	c->sent = 0;
	c->phase = MX_WRITE;
	if (!c->resp) { /* no memory: close without an answer */
		c->resp_len = 0;
		return;
	}
	memcpy(c->resp, hdr, hlen);
	if (!head)
		memcpy(c->resp + hlen, body, blen);
}

static void respond_error(struct mx_client *c, int status)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));

	respond(c, status, 0, body, n);
}

/* Request line "METHOD TARGET HTTP/1.x"; the headers are not needed. */
static int handle(struct metrics *mx, struct mx_client *c)
{
	char *line = c->req, *eol = memchr(c->req, '\n', c->req_len);
	char *method, *target, *version, *save = NULL, *body = NULL;
	size_t blen = 0;
	FILE *f;
	int head, ok;

	*eol = 0;
	if (eol > line && eol[-1] == '\r')
		eol[-1] = 0;
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 400;
	method = strtok_r(line, " ", &save);
	target = strtok_r(NULL, " ", &save);
	version = strtok_r(NULL, " ", &save);
	if (!method || !target || !version || strtok_r(NULL, " ", &save) ||
	    (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1")) || target[0] != '/')
		return 400;
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET"))
		return 405;
	target[strcspn(target, "?")] = 0;
	if (strcmp(target, "/metrics"))
		return 404;
	f = open_memstream(&body, &blen);
	if (!f)
		return 500;
	ok = render(mx->maps, f) == 0;
	if (fclose(f) || !ok) {
		mpx_warn("metrics_failed", "err=\"%s\"", strerror(errno));
		free(body);
		return 500;
	}
	respond(c, 200, head, body, blen);
	free(body);
	return 200;
}

static void client_close(struct metrics *mx, struct mx_client *c)
{
	close(c->fd);
	free(c->resp);
	c->resp = NULL;
	c->phase = MX_FREE;
	mx->nclients--;
}

static void client_events(struct metrics *mx, struct mx_client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = c - mx->c };
	ssize_t n;

	if (c->phase == MX_READ) {
		n = recv(c->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_close(mx, c);
			return;
		}
		c->req_len += n > 0 ? n : 0;
		c->req[c->req_len] = 0;
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
			int status = handle(mx, c);

			if (status != 200)
				respond_error(c, status);
			mpx_debug("metrics_request", "status=%d", status);
		} else if (c->req_len == sizeof(c->req) - 1 || memchr(c->req, 0, c->req_len)) {
			respond_error(c, c->req_len == sizeof(c->req) - 1 ? 431 : 400);
		}
		if (c->phase == MX_READ)
			return;
		epoll_ctl(mx->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	if (c->phase == MX_WRITE) { /* on EPOLLERR too: send() then says what */
		n = send(c->fd, c->resp + c->sent, c->resp_len - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			client_close(mx, c);
			return;
		}
		c->sent += n > 0 ? n : 0;
		if (c->sent < c->resp_len)
			return;
		shutdown(c->fd, SHUT_WR);
		c->phase = MX_DRAIN;
		ev.events = EPOLLIN;
		epoll_ctl(mx->ep, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	if (c->phase == MX_DRAIN) {
		char sink[512];

		n = recv(c->fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			client_close(mx, c);
	}
}

/* A free slot, or the oldest client's: a crowd of idle connections
 * cannot lock a scraper out for longer than it keeps opening new ones. */
static struct mx_client *slot(struct metrics *mx)
{
	struct mx_client *old = &mx->c[0];

	for (int i = 0; i < MX_CLIENTS; i++) {
		if (mx->c[i].phase == MX_FREE)
			return &mx->c[i];
		if (mx->c[i].deadline < old->deadline)
			old = &mx->c[i];
	}
	mpx_debug("metrics_evicted", "phase=%d", old->phase);
	client_close(mx, old);
	return old;
}

static void accept_clients(struct metrics *mx)
{
	int fd;

	while ((fd = accept4(mx->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct mx_client *c = slot(mx);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = c - mx->c };

		if (epoll_ctl(mx->ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			continue;
		}
		*c = (struct mx_client){ .phase = MX_READ, .fd = fd,
					 .deadline = now_ns() + MX_TIMEOUT_NS };
		mx->nclients++;
	}
}

static void expire(struct metrics *mx)
{
	uint64_t now = now_ns();

	for (int i = 0; i < MX_CLIENTS; i++) {
		if (mx->c[i].phase != MX_FREE && now >= mx->c[i].deadline) {
			mpx_debug("metrics_timeout", "phase=%d", mx->c[i].phase);
			client_close(mx, &mx->c[i]);
		}
	}
}

static void *serve(void *arg)
{
	struct metrics *mx = arg;
	struct epoll_event evs[MX_CLIENTS + 2];

	for (;;) {
		/* with clients, wake at least every second for their deadlines */
		int n = epoll_wait(mx->ep, evs, MX_CLIENTS + 2, mx->nclients ? 1000 : -1);

		if (n < 0 && errno != EINTR) {
			mpx_err("metrics_failed", "err=\"%s\"", strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if (tag == MX_STOP_TAG)
				return NULL;
			if (tag == MX_LISTEN_TAG)
				accept_clients(mx);
			else if (mx->c[tag].phase != MX_FREE)
				client_events(mx, &mx->c[tag]);
		}
		expire(mx);
	}
}

/* --- setup ----------------------------------------------------------- */

/* "198.18.0.1:9100" or "[2001:db8::1]:9100" */
static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon = strrchr(s, ':');
	unsigned long port;
	size_t hlen;
	int v6;

	if (!colon)
		return -1;
	hlen = colon - s;
	v6 = s[0] == '[' && hlen >= 2 && s[hlen - 1] == ']';
	if (v6)
		hlen -= 2;
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, s + v6, hlen);
	host[hlen] = 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port == 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (!v6 && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (v6 && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static int watch(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

struct metrics *metrics_open(const char *addr, const struct mpx_maps *maps)
{
	struct metrics *mx = calloc(1, sizeof(*mx));
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	if (!mx)
		return NULL;
	mx->maps = maps;
	mx->ep = mx->lfd = mx->stopfd = -1;
	if (parse_addr(addr, &ss, &sl)) {
		mpx_err("metrics_bad_address", "addr=\"%s\" hint=\"ADDR:PORT or [ADDR]:PORT\"", addr);
		goto fail;
	}
	mx->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mx->stopfd = eventfd(0, EFD_CLOEXEC);
	mx->ep = epoll_create1(EPOLL_CLOEXEC);
	if (mx->lfd < 0 || mx->stopfd < 0 || mx->ep < 0 ||
	    setsockopt(mx->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(mx->lfd, (struct sockaddr *)&ss, sl) || listen(mx->lfd, 64) ||
	    watch(mx->ep, mx->lfd, MX_LISTEN_TAG) || watch(mx->ep, mx->stopfd, MX_STOP_TAG)) {
		mpx_err("metrics_failed", "addr=\"%s\" err=\"%s\"", addr, strerror(errno));
		goto fail;
	}
	mpx_info("metrics_listening", "addr=\"%s\"", addr);
	return mx;
fail:
	metrics_close(mx);
	return NULL;
}

int metrics_start(struct metrics *mx)
{
	sigset_t all, old;
	int err;

	/* signals are the main loop's (signalfd), never this thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&mx->thread, NULL, serve, mx);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		mpx_err("metrics_failed", "err=\"%s\"", strerror(err));
		return -1;
	}
	mx->running = 1;
	return 0;
}

void metrics_close(struct metrics *mx)
{
	uint64_t one = 1;

	if (!mx)
		return;
	if (mx->running && write(mx->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(mx->thread, NULL);
	for (int i = 0; i < MX_CLIENTS; i++)
		if (mx->c[i].phase != MX_FREE)
			client_close(mx, &mx->c[i]);
	if (mx->lfd >= 0)
		close(mx->lfd);
	if (mx->stopfd >= 0)
		close(mx->stopfd);
	if (mx->ep >= 0)
		close(mx->ep);
	free(mx);
}
