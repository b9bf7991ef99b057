/*
 * "keepcert fetch": one HTTPS request with keepcert's own client, to check
 * that a CA is reachable from this machine through its proxy, trust
 * anchors and clock, the same way renewals will reach it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "http.h"
#include "log.h"

enum {
	OPT_CA_BUNDLE = 1,
	OPT_REPEAT,
	OPT_METHOD,
	OPT_DATA,
	OPT_CONTENT_TYPE,
	OPT_TIMEOUT,
};

static const struct option_spec fetch_options[] = {
	{ "ca-bundle", 0, 1, OPT_CA_BUNDLE },
	{ "repeat", 0, 1, OPT_REPEAT },
	{ "method", 'X', 1, OPT_METHOD },
	{ "data", 'd', 1, OPT_DATA },
	{ "content-type", 0, 1, OPT_CONTENT_TYPE },
	{ "timeout", 0, 1, OPT_TIMEOUT },
	{ NULL, 0, 0, 0 },
};

/* Maximum for --repeat, enough for a keep-alive check or a small benchmark. */
#define FETCH_MAX_REPEAT 10000

static void
print_response(const struct http_response *resp)
{
	size_t i;

	printf("HTTP/1.%d %d\n", resp->minor_version, resp->status);
	for (i = 0; i < resp->header_count; i++)
		printf("%s: %s\n", resp->headers[i].name, resp->headers[i].value);
	printf("\n");
	fwrite(resp->body.data != NULL ? resp->body.data : "", 1, resp->body.len, stdout);
}

/* 1 when METHOD is a token (RFC 9110 section 9.1, section 5.6.2) of at most 32 characters. */
static int
method_valid(const char *method)
{
	size_t n = strlen(method);

	return n > 0 && n <= 32 && strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789!#$%&'*+-.^_`|~") == n;
}

/* see commands.h */
int
cmd_fetch(struct args *a)
{
	struct http_options options = { 0 };
	struct http_response resp = { 0 };
	struct http_client *client;
	struct http_url url;
	const char *value, *method = NULL, *data = NULL, *content_type = "application/json";
	long repeat = 1;
	int id, i, status = EXIT_OK;
	char *end;

	while ((id = args_next(a, fetch_options, &value)) > 0) {
		switch (id) {
		case OPT_CA_BUNDLE:
			options.ca_bundle = value;
			break;
		case OPT_REPEAT:
			repeat = strtol(value, &end, 10);
			if (*end != '\0' || repeat < 1 || repeat > FETCH_MAX_REPEAT) {
				log_error("fetch: --repeat must be a number from 1 to %d", FETCH_MAX_REPEAT);
				return EXIT_USAGE;
			}
			break;
		case OPT_METHOD:
			method = value;
			break;
		case OPT_DATA:
			data = value;
			break;
		case OPT_CONTENT_TYPE:
			content_type = value;
			break;
		case OPT_TIMEOUT:
			options.connect_timeout = (int)strtol(value, &end, 10);
			if (*end != '\0' || options.connect_timeout < 1 || options.connect_timeout > 3600) {
				log_error("fetch: --timeout must be a number of seconds from 1 to 3600");
				return EXIT_USAGE;
			}
			options.io_timeout = options.connect_timeout;
			break;
		}
	}
	if (id == 0 && a->operand_count != 1)
		id = error_set("give exactly one URL; see 'keepcert help fetch'");
	if (id == 0 && method != NULL && !method_valid(method))
		id = error_set("-X '%s' is not a request method; give one such as GET, HEAD or POST",
		    log_short(method));
	if (id == 0 && http_url_parse(a->operands[0], &url) != 0)
		id = -1;
	if (id != 0) {
		log_failure("fetch");
		return EXIT_USAGE;
	}
	if (method == NULL)
		method = data != NULL ? "POST" : "GET";

	client = http_client_new(&options);
	if (client == NULL) {
		log_failure("fetch");
		return EXIT_FAILED;
	}

	for (i = 0; i < repeat; i++) {
		if (http_request(client, method, a->operands[0], content_type, data,
		    data != NULL ? strlen(data) : 0, &resp) < 0) {
			log_failure("fetch");
			status = EXIT_FAILED;
			break;
		}
	}
	if (status == EXIT_OK)
		print_response(&resp);

	log_info("fetch: %u %s connection%s, %u HTTP request%s", http_client_connections(client),
	    strncmp(a->operands[0], "https:", 6) == 0 ? "TLS" : "TCP",
	    http_client_connections(client) == 1 ? "" : "s", http_client_requests(client),
	    http_client_requests(client) == 1 ? "" : "s");
	http_response_free(&resp);
	http_client_free(client);
	return status;
}
