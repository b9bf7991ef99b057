/*
 * The deadline of a connection: a peer that trickles bytes, or never reads
 * what we send, cannot keep a read loop or a write waiting past it, though
 * each single wait is far shorter than the I/O timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "net.h"
#include "unit.h"

/* Make C one end of a socket pair with a 30 s I/O timeout and DEADLINE_MS; the other end goes to *PEER. */
static int
open_pair(struct net_conn *c, int *peer, long long deadline_ms)
{
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
		return -1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	memset(c, 0, sizeof(*c));
	c->fd = fds[0];
	c->io_timeout = 30;
	c->deadline_ms = deadline_ms;
	strcpy(c->peer, "the test peer");
	*peer = fds[1];
	return 0;
}

TEST(net_deadline_ends_trickle)
{
	struct net_conn c;
	char byte;
	long long start = clock_ms();
	ssize_t n;
	pid_t child;
	int peer, i;

	if (!CHECK(open_pair(&c, &peer, start + 500) == 0))
		return;
	child = fork();
	if (child == 0) {
		/* One byte every 50 ms for 5 s: every read succeeds long before the I/O timeout. */
		for (i = 0; i < 100; i++) {
			if (write(peer, "x", 1) != 1)
				_exit(0);
			usleep(50000);
		}
		_exit(0);
	}
	close(peer);

	while ((n = net_read(&c, &byte, 1)) > 0)
		;
	CHECK_INT(n, -1);
	CHECK_INT(c.failure, NET_FAIL_TIMEOUT);
	CHECK(strstr(error_text(), "deadline") != NULL);
	CHECK(clock_ms() - start < 1500);

	net_close(&c);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

TEST(net_deadline_ends_write)
{
	struct net_conn c;
	static char block[1 << 20];
	long long start = clock_ms();
	int peer, rc = 0, i;

	if (!CHECK(open_pair(&c, &peer, start + 300) == 0))
		return;
	/* The peer never reads, so the socket buffer fills and the write waits. */
	for (i = 0; i < 64 && rc == 0; i++)
		rc = net_write_all(&c, block, sizeof(block));
	CHECK_INT(rc, -1);
	CHECK_INT(c.failure, NET_FAIL_TIMEOUT);
	CHECK(strstr(error_text(), "deadline") != NULL);
	CHECK(clock_ms() - start < 1500);
	net_close(&c);
	close(peer);
}

TEST(net_no_deadline_keeps_io_timeout)
{
	struct net_conn c;
	char byte;
	int peer;

	/* Without a deadline, a silent peer gets the whole I/O timeout (1 s here). */
	if (!CHECK(open_pair(&c, &peer, 0) == 0))
		return;
	c.io_timeout = 1;
	CHECK_INT(net_read(&c, &byte, 1), -1);
	CHECK_INT(c.failure, NET_FAIL_TIMEOUT);
	CHECK(strstr(error_text(), "timed out after 1 s") != NULL);
	net_close(&c);
	close(peer);
}
