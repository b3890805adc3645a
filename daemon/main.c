// SPDX-License-Identifier: GPL-2.0
/*
 * mpxdpd: loads (or adopts) the fast path, completes MP_CAPABLE handshakes
 * the XDP program hands over, keeps the heartbeat that lets the fast path
 * offer MPTCP, and collects closed and idle connections.
 *
 * It runs in the foreground (systemd, or a test script, supervises it).
 * SIGTERM/SIGINT: stop the heartbeat (new connections become plain TCP
 * at once), finish pending handshakes, exit. Programs and maps stay pinned
 * and attached: established connections keep flowing, and the next
 * mpxdpd adopts them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "log.h"
#include "metrics.h"

#define TICK_MS 100

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpxdpd [options]\n"
		"  --pin-dir DIR          bpffs directory for programs and maps (default %s,\n"
		"                         or $MPXDP_PIN_DIR)\n"
		"  --bpf-object FILE      load this build of the fast path instead of the\n"
		"                         built-in one (it replaces the running one in place)\n"
		"  --max-conns N          connection table size (default 16384)\n"
		"  --halfopen-max N       half-open (SYN) LRU table size (default 16384)\n"
		"  --gc-interval MS       garbage collection period (default 1000)\n"
		"  --close-linger MS      keep closed connections this long (default 2000)\n"
		"  --idle-timeout S       remove connections idle this long (default 3600)\n"
		"  --halfopen-timeout MS  forget unanswered SYNs after this long (default 30000)\n"
		"  --max-subflows N       subflows per connection, the initial one included\n"
		"                         (default 8, at most 8)\n"
		"  --subflow-timeout MS   a subflow whose data goes unacknowledged this long\n"
		"                         while another moves is dead (default 1000)\n"
		"  --checksum             require DSS checksums from every client\n"
		"  --probe-server         leave MP_CAPABLE in SYNs; step aside when a\n"
		"                         server answers it itself\n"
		"  --log-level LEVEL      error|warn|info|debug (default info)\n"
		"  --metrics ADDR:PORT    serve Prometheus metrics at /metrics\n"
		"                         (IPv6: [ADDR]:PORT; default off)\n"
		"  -h, --help\n",
		MPX_PIN_DIR_DEFAULT);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct daemon_opts *o)
{
	enum { O_PIN = 256, O_OBJ, O_MAXC, O_HOMAX, O_GC, O_LINGER, O_IDLE, O_HOTO, O_CSUM,
	       O_PROBE, O_LOG, O_MAXSF, O_SFTO, O_METRICS };
	static const struct option lo[] = {
		{ "pin-dir", required_argument, 0, O_PIN },
		{ "bpf-object", required_argument, 0, O_OBJ },
		{ "max-conns", required_argument, 0, O_MAXC },
		{ "halfopen-max", required_argument, 0, O_HOMAX },
		{ "gc-interval", required_argument, 0, O_GC },
		{ "close-linger", required_argument, 0, O_LINGER },
		{ "idle-timeout", required_argument, 0, O_IDLE },
		{ "halfopen-timeout", required_argument, 0, O_HOTO },
		{ "checksum", no_argument, 0, O_CSUM },
		{ "probe-server", no_argument, 0, O_PROBE },
		{ "log-level", required_argument, 0, O_LOG },
		{ "max-subflows", required_argument, 0, O_MAXSF },
		{ "subflow-timeout", required_argument, 0, O_SFTO },
		{ "metrics", required_argument, 0, O_METRICS },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	uint64_t v;
	int c, lvl;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == O_CSUM) {
			o->csum = 1;
			continue;
		}
		if (c == O_PROBE) {
			o->probe = 1;
			continue;
		}
		if (c == O_PIN) {
			o->pin_dir = optarg;
			continue;
		}
		if (c == O_OBJ) {
			o->bpf_object = optarg;
			continue;
		}
		if (c == O_METRICS) {
			o->metrics_addr = optarg;
			continue;
		}
		if (c == O_LOG) {
			lvl = mpx_log_parse_level(optarg);
			if (lvl < 0) {
				fprintf(stderr, "mpxdpd: unknown log level: %s\n", optarg);
				return -1;
			}
			mpx_log_set_level(lvl);
			continue;
		}
		if (c == '?' || parse_u64(optarg, &v) || v == 0 || v > UINT32_MAX) {
			if (c != '?')
				fprintf(stderr, "mpxdpd: bad value for --%s: %s\n",
					lo[c - O_PIN].name, optarg);
			usage(stderr);
			return -1;
		}
		switch (c) {
		case O_MAXC: o->max_conns = v; break;
		case O_HOMAX: o->halfopen_max = v; break;
		case O_GC: o->gc_interval_ms = v; break;
		case O_LINGER: o->close_linger_ms = v; break;
		case O_IDLE: o->idle_timeout_ms = v * 1000; break;
		case O_HOTO: o->halfopen_timeout_ms = v; break;
		case O_MAXSF: o->max_subflows = v > MPX_SF_MAX ? MPX_SF_MAX : v; break;
		case O_SFTO: o->subflow_timeout_ms = v; break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mpxdpd: unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	o->pin_dir = mpx_pin_dir(o->pin_dir);
	return 0;
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int run(struct daemon *d)
{
	struct itimerspec tick = { .it_interval = { 0, TICK_MS * 1000000L },
				   .it_value = { 0, TICK_MS * 1000000L } };
	int ep, tfd, sfd, rbfd, stop = 0;
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	d->rb = ring_buffer__new(d->maps.punts, handshake_punt, d, NULL);
	if (sfd < 0 || tfd < 0 || ep < 0 || !d->rb || timerfd_settime(tfd, 0, &tick, NULL)) {
		mpx_err("setup_failed", "err=\"%s\"", strerror(errno));
		return -1;
	}
	rbfd = ring_buffer__epoll_fd(d->rb);
	add_fd(ep, sfd);
	add_fd(ep, tfd);
	add_fd(ep, rbfd);
	mpx_info("ready", "gc_interval_ms=%u close_linger_ms=%u idle_timeout_s=%llu",
		 d->o.gc_interval_ms, d->o.close_linger_ms,
		 (unsigned long long)d->o.idle_timeout_ms / 1000);
	notify_systemd("READY=1");

	while (!stop) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, -1);
		uint64_t now;

		if (n < 0 && errno != EINTR) {
			mpx_err("epoll_failed", "err=\"%s\"", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == rbfd) {
				/* until a batch brings no new connection: what the
				 * fast path queued behind one is replayed before it
				 * may pass on its own */
				int n;

				do {
					n = ring_buffer__consume(d->rb);
					handshake_release(d);
				} while (n > 0);
			} else if (fd == tfd) {
				uint64_t exp;

				if (read(tfd, &exp, sizeof(exp)) < 0)
					continue;
				now = now_ns();
				if (now - d->last_hb_ns >= d->o.hb_interval_ms * 1000000ULL)
					loader_heartbeat(d, now);
				if (now - d->last_gc_ns >= d->o.gc_interval_ms * 1000000ULL)
					gc_run(d, now);
			} else if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					mpx_info("shutdown", "signal=%s", strsignal(si.ssi_signo));
				stop = 1;
			}
		}
	}
	/* new connections go plain right away; then finish what is queued */
	notify_systemd("STOPPING=1");
	loader_heartbeat(d, 0);
	ring_buffer__consume(d->rb);
	handshake_release(d);
	ring_buffer__free(d->rb);
	close(ep);
	close(tfd);
	close(sfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = {
		.o = {
			.max_conns = 16384,
			.halfopen_max = 16384,
			.gc_interval_ms = 1000,
			.close_linger_ms = 2000,
			.idle_timeout_ms = 3600 * 1000ULL,
			.halfopen_timeout_ms = 30000,
			.hb_interval_ms = 500,
			.max_subflows = MPX_SF_MAX,
			.subflow_timeout_ms = 1000,
		},
	};
	struct metrics *mx = NULL;
	int rc;

	setvbuf(stderr, NULL, _IOLBF, 0);
	if (parse_args(argc, argv, &d.o))
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "mpxdpd: must run as root (loads BPF programs)\n");
		return 1;
	}
	/* before the fast path: a bad address or a busy port leaves it alone */
	if (d.o.metrics_addr && !(mx = metrics_open(d.o.metrics_addr, &d.maps)))
		return 1;
	if (join_open(&d)) {
		metrics_close(mx);
		return 1;
	}
	if (loader_load(&d) || (mx && metrics_start(mx))) {
		metrics_close(mx);
		return 1;
	}
	rc = run(&d);
	metrics_close(mx);
	loader_close(&d);
	join_close(&d);
	mpx_info("exit", "rc=%d", rc);
	return rc ? 1 : 0;
}
