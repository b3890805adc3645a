// SPDX-License-Identifier: GPL-2.0
/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, so the
 * unit can be Type=notify and whatever is ordered after mpxdpd (attaching
 * links, say) finds the maps pinned. Nothing happens outside systemd. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "daemon.h"

void notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen = path ? strlen(path) : 0;
	int fd;

	if (!plen || plen >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
		return;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = 0; /* an abstract socket */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       offsetof(struct sockaddr_un, sun_path) + plen);
	close(fd);
}
