/*
 * The "status" command: one line per configured certificate with its
 * names, expiry, days left, when renewal is due and the last result; or
 * --json for monitoring. Exits 1 when a certificate is expired, failing,
 * inside the last sixth of its lifetime, or not what a probe is served.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config.h"
#include "json.h"
#include "live.h"
#include "log.h"
#include "probe.h"

#define DAY 86400LL

enum {
	OPT_JSON = 100,
	OPT_NO_PROBE,
};

static const struct option_spec status_specs[] = {
	{ "json", 0, 0, OPT_JSON },
	{ "no-probe", 0, 0, OPT_NO_PROBE },
	{ NULL, 0, 0, 0 },
};

/* One certificate's row. */
struct row {
	const struct config_cert *cert;
	struct live live;
	struct store_state state;
	struct renew_decision decision;
	char problem[512];		/* why the certificate needs attention; empty when fine */
	char probes[1024];		/* "HOST:PORT ok" or the mismatch, for each probe */
	char error[512];		/* reading the live certificate failed */
	int bad;
};

static const char *
result_word(const struct store_state *state)
{
	switch (state->last_result) {
	case STORE_RESULT_OK:
		return "ok";
	case STORE_RESULT_FAILED:
		return "failed";
	default:
		return "none";
	}
}

/* Probe each endpoint of ROW's certificate; a mismatch or failure makes the row bad. */
static void
probe_row(struct row *row)
{
	unsigned char served[32];
	size_t i, used = 0;
	const char *verdict;
	char problem[512];

	for (i = 0; i < row->cert->probe_count && used < sizeof(row->probes); i++) {
		problem[0] = '\0';
		if (probe_leaf(row->cert->probes[i], PROBE_TIMEOUT, served) != 0) {
			snprintf(problem, sizeof(problem), "%s", error_text());
			verdict = "unreachable";
		} else if (!row->live.present || memcmp(served, row->live.sha256, sizeof(served)) != 0) {
			snprintf(problem, sizeof(problem), "%s serves an older certificate: reload missing?",
			    row->cert->probes[i]);
			verdict = "stale";
		} else {
			verdict = "ok";
		}
		used += (size_t)snprintf(row->probes + used, sizeof(row->probes) - used, "%s%s %s",
		    i > 0 ? ", " : "", row->cert->probes[i], verdict);
		if (problem[0] != '\0') {
			row->bad = 1;
			if (row->problem[0] == '\0')
				snprintf(row->problem, sizeof(row->problem), "%s", problem);
		}
	}
}

/* Gather everything about one certificate and judge it. */
static void
fill_row(const struct config *config, const struct config_cert *cert, long long now, int probe, struct row *row)
{
	char when[40];

	memset(row, 0, sizeof(*row));
	row->cert = cert;
	if (live_read(config->state_dir, cert->name, &row->live) != 0 ||
	    store_state_read(config->state_dir, cert->name, &row->state) != 0) {
		snprintf(row->error, sizeof(row->error), "%s", error_text());
		snprintf(row->problem, sizeof(row->problem), "%s", row->error);
		row->bad = 1;
		return;
	}
	live_decide(cert, &row->live, &row->state, now, &row->decision);

	if (!row->live.present) {
		snprintf(row->problem, sizeof(row->problem), "no certificate yet; run 'keepcert run'");
		row->bad = 1;
	} else if (now >= row->live.info.not_after) {
		live_format_time(row->live.info.not_after, when, sizeof(when));
		snprintf(row->problem, sizeof(row->problem), "expired on %s", when);
		row->bad = 1;
	} else if (row->decision.urgent) {
		snprintf(row->problem, sizeof(row->problem), "inside the last sixth of its lifetime");
		row->bad = 1;
	}
	if (row->state.last_result == STORE_RESULT_FAILED) {
		if (row->problem[0] == '\0')
			snprintf(row->problem, sizeof(row->problem), "renewal failing: %s", row->state.last_error);
		row->bad = 1;
	}
	if (probe && row->live.present)
		probe_row(row);
}

/* When renewal is due, in words: "now", "in 12 days (2025-...)", or the backoff. */
static void
due_text(const struct row *row, long long now, char *out, size_t cap)
{
	char when[40];

	if (row->decision.backing_off) {
		live_format_time(row->state.next_retry, when, sizeof(when));
		snprintf(out, cap, "retry %s", when);
	} else if (row->decision.due || row->decision.renew_at <= now) {
		snprintf(out, cap, "now");
	} else {
		live_format_time(row->decision.renew_at, when, sizeof(when));
		snprintf(out, cap, "%s", when);
	}
}

static void
print_table(const struct row *rows, size_t count, long long now)
{
	char expires[40], due[48], days[16];
	size_t i;

	printf("%-24s %-20s %5s  %-20s %-7s %s\n", "NAME", "NOT AFTER", "DAYS", "RENEWAL DUE", "LAST", "NAMES");
	for (i = 0; i < count; i++) {
		const struct row *r = &rows[i];

		if (r->live.present) {
			live_format_time(r->live.info.not_after, expires, sizeof(expires));
			snprintf(days, sizeof(days), "%lld", (r->live.info.not_after - now) / DAY);
		} else {
			snprintf(expires, sizeof(expires), "-");
			snprintf(days, sizeof(days), "-");
		}
		due_text(r, now, due, sizeof(due));
		printf("%-24s %-20s %5s  %-20s %-7s %s\n", r->cert->name, expires, days, due,
		    result_word(&r->state), r->live.present ? r->live.names : "-");
		if (r->problem[0] != '\0')
			printf("  ! %s\n", r->problem);
		if (r->probes[0] != '\0')
			printf("  probes: %s\n", r->probes);
	}
}

static void
json_field_string(struct buf *out, const char *name, const char *value, int comma)
{
	if (comma)
		buf_putc(out, ',');
	json_write_string(out, name);
	buf_putc(out, ':');
	if (value == NULL)
		buf_puts(out, "null");
	else
		json_write_string(out, value);
}

static void
print_json(const struct row *rows, size_t count, long long now)
{
	struct buf out = { 0 };
	char due[48];
	size_t i;

	buf_puts(&out, "{\"now\":");
	buf_printf(&out, "%lld,\"certificates\":[", now);
	for (i = 0; i < count; i++) {
		const struct row *r = &rows[i];

		buf_puts(&out, i > 0 ? ",{" : "{");
		json_field_string(&out, "name", r->cert->name, 0);
		json_field_string(&out, "names", r->live.present ? r->live.names : NULL, 1);
		if (r->live.present)
			buf_printf(&out, ",\"not_after\":%lld,\"days_left\":%lld", (long long)r->live.info.not_after,
			    (r->live.info.not_after - now) / DAY);
		else
			buf_puts(&out, ",\"not_after\":null,\"days_left\":null");
		buf_printf(&out, ",\"due\":%s,\"renew_at\":%lld,\"urgent\":%s", r->decision.due ? "true" : "false",
		    r->decision.renew_at, r->decision.urgent ? "true" : "false");
		due_text(r, now, due, sizeof(due));
		json_field_string(&out, "renewal_due", due, 1);
		json_field_string(&out, "decision", r->decision.text, 1);
		json_field_string(&out, "last_result", result_word(&r->state), 1);
		buf_printf(&out, ",\"failures\":%u", r->state.failures);
		json_field_string(&out, "last_error", r->state.last_error[0] != '\0' ? r->state.last_error : NULL, 1);
		json_field_string(&out, "probes", r->probes[0] != '\0' ? r->probes : NULL, 1);
		json_field_string(&out, "problem", r->problem[0] != '\0' ? r->problem : NULL, 1);
		buf_printf(&out, ",\"ok\":%s}", r->bad ? "false" : "true");
	}
	buf_puts(&out, "]}\n");
	if (!out.failed)
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
}

/* see commands.h */
int
cmd_status(struct args *a)
{
	static struct row rows[CONFIG_CERTS_MAX];
	const char *path = args_config_path != NULL ? args_config_path : CONFIG_DEFAULT_PATH;
	struct config config;
	const char *value;
	long long now = time(NULL);
	int id, json = 0, probe = 1, bad = 0;
	size_t i;

	while ((id = args_next(a, status_specs, &value)) > 0) {
		if (id == OPT_JSON)
			json = 1;
		else if (id == OPT_NO_PROBE)
			probe = 0;
	}
	if (id < 0 || a->operand_count != 0) {
		log_error("status: %s", id < 0 ? error_text() : "takes options only");
		return EXIT_USAGE;
	}
	if (config_load(path, &config) != 0) {
		log_error("%s", error_text());
		return EXIT_USAGE;
	}

	for (i = 0; i < config.cert_count; i++) {
		fill_row(&config, &config.certs[i], now, probe, &rows[i]);
		bad |= rows[i].bad;
	}
	if (json)
		print_json(rows, config.cert_count, now);
	else
		print_table(rows, config.cert_count, now);
	fflush(stdout);
	config_free(&config);
	return bad ? EXIT_FAILED : EXIT_OK;
}
