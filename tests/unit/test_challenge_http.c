#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "challenge_http.h"
#include "unit.h"

#define TOKEN "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define KEY_AUTH TOKEN ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

static void
setup(struct http01_server *s)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = -1;
	CHECK_INT(http01_add(s, TOKEN, KEY_AUTH), 0);
}

static const char *
respond(const struct http01_server *s, const char *req, int *rc)
{
	static struct buf out;

	buf_reset(&out);
	*rc = http01_respond(s, req, strlen(req), &out);
	return out.data != NULL ? out.data : "";
}

TEST(http01_token_alphabet)
{
	CHECK_INT(http01_token_valid(TOKEN), 1);
	CHECK_INT(http01_token_valid(""), 0);
	CHECK_INT(http01_token_valid("../etc/passwd"), 0);
	CHECK_INT(http01_token_valid("abc def"), 0);
	CHECK_INT(http01_token_valid("abc="), 0);
	CHECK_INT(http01_token_valid("abc/def"), 0);
}

TEST(http01_add_rejects_bad_token)
{
	struct http01_server s;

	setup(&s);
	CHECK_INT(http01_add(&s, "a/b", "a/b.x"), -1);
	CHECK_INT(s.token_count, 1);
}

TEST(http01_get_known_token)
{
	struct http01_server s;
	const char *r;
	int rc;

	setup(&s);
	r = respond(&s, "GET /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\nHost: a.test\r\n\r\n", &rc);
	CHECK_INT(rc, 1);
	CHECK(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	CHECK(strstr(r, "\r\nContent-Length: 87\r\n") != NULL);
	CHECK(strcmp(strstr(r, "\r\n\r\n") + 4, KEY_AUTH) == 0);
}

TEST(http01_head_has_no_body)
{
	struct http01_server s;
	const char *r;
	int rc;

	setup(&s);
	r = respond(&s, "HEAD /.well-known/acme-challenge/" TOKEN " HTTP/1.1\n\n", &rc);
	CHECK_INT(rc, 1);
	CHECK(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	CHECK_STR(strstr(r, "\r\n\r\n") + 4, "");
}

TEST(http01_unknown_token_404)
{
	struct http01_server s;
	int rc;

	setup(&s);
	CHECK(strncmp(respond(&s, "GET /.well-known/acme-challenge/other HTTP/1.1\r\n\r\n", &rc),
	    "HTTP/1.1 404 ", 13) == 0);
	CHECK(strncmp(respond(&s, "GET /.well-known/acme-challenge/" TOKEN "x HTTP/1.1\r\n\r\n", &rc),
	    "HTTP/1.1 404 ", 13) == 0);
	CHECK(strncmp(respond(&s, "GET /.well-known/acme-challenge/ HTTP/1.1\r\n\r\n", &rc),
	    "HTTP/1.1 404 ", 13) == 0);
	CHECK(strncmp(respond(&s, "GET / HTTP/1.1\r\n\r\n", &rc), "HTTP/1.1 404 ", 13) == 0);
	CHECK(strncmp(respond(&s, "POST /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\n\r\n", &rc),
	    "HTTP/1.1 405 ", 13) == 0);
}

TEST(http01_partial_and_oversized_request)
{
	struct http01_server s;
	char big[HTTP01_MAX_REQUEST + 1];
	struct buf out = { 0 };
	int rc;

	setup(&s);
	respond(&s, "GET /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\nHost: a", &rc);
	CHECK_INT(rc, 0);

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	CHECK_INT(http01_respond(&s, big, HTTP01_MAX_REQUEST, &out), -1);
	CHECK(strncmp(out.data, "HTTP/1.1 431 ", 13) == 0);
	buf_free(&out);
}

TEST(http01_listen_rejects_bad_address)
{
	struct http01_server s;

	CHECK_INT(http01_listen(&s, "127.0.0.1:http"), -1);
	CHECK_INT(http01_listen(&s, "::1:80"), -1);
	CHECK_INT(http01_listen(&s, "localhost:80"), -1);
}

/* Connect to PORT on loopback and send REQ; returns the socket. */
static int
client(int port, const char *req)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		return -1;
	if (req != NULL && write(fd, req, strlen(req)) < 0)
		return -1;
	return fd;
}

static size_t
read_all(int fd, char *out, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < cap && (n = read(fd, out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	return len;
}

TEST(http01_child_serves_several_connections)
{
	struct http01_server s;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char reply[1024];
	int idle, a, b, port;

	CHECK_INT(http01_listen(&s, "127.0.0.1:0"), 0);
	CHECK_INT(http01_add(&s, TOKEN, KEY_AUTH), 0);
	getsockname(s.listen_fd, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	CHECK_INT(http01_serve(&s, 30), 0);

	/* A silent connection must not block the others. */
	idle = client(port, NULL);
	a = client(port, "GET /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\n");
	b = client(port, "GET /.well-known/acme-challenge/nope HTTP/1.0\r\n\r\n");
	CHECK(idle >= 0);
	CHECK(a >= 0);
	CHECK(b >= 0);

	read_all(b, reply, sizeof(reply));
	CHECK(strncmp(reply, "HTTP/1.1 404 ", 13) == 0);
	CHECK(write(a, "Host: x\r\n\r\n", 11) == 11);
	read_all(a, reply, sizeof(reply));
	CHECK(strncmp(reply, "HTTP/1.1 200 OK\r\n", 17) == 0);
	CHECK(strstr(reply, KEY_AUTH) != NULL);

	close(idle);
	close(a);
	close(b);
	http01_stop(&s);
	CHECK_INT(s.child, 0);
	CHECK_INT(s.listen_fd, -1);
	CHECK(client(port, NULL) < 0);
}
