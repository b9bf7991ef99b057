#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "unit.h"

static struct unit_test *tests;
static int current_failed;
static char tmpdir[64];

void
unit_register(struct unit_test *t)
{
	struct unit_test **p = &tests;

	/* Keep the list sorted by name, so runs are in the same order on every build. */
	while (*p != NULL && strcmp((*p)->name, t->name) < 0)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

void
unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = 1;
	fprintf(stderr, "%s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
unit_check_str(const char *file, int line, const char *expr, const char *got, const char *want)
{
	if (got == NULL && want == NULL)
		return 1;
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return 1;
	unit_fail(file, line, "%s is \"%s\", expected \"%s\"", expr, got != NULL ? got : "(null)",
	    want != NULL ? want : "(null)");
	return 0;
}

int
unit_check_int(const char *file, int line, const char *expr, long long got, long long want)
{
	if (got == want)
		return 1;
	unit_fail(file, line, "%s is %lld, expected %lld", expr, got, want);
	return 0;
}

static void
print_hex(const char *label, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	fprintf(stderr, "  %s (%zu bytes): ", label, len);
	for (i = 0; i < len && i < 64; i++)
		fprintf(stderr, "%02x", p[i]);
	fprintf(stderr, "%s\n", len > 64 ? "..." : "");
}

int
unit_check_mem(const char *file, int line, const char *expr, const void *got, size_t got_len,
    const void *want, size_t want_len)
{
	if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0))
		return 1;
	unit_fail(file, line, "%s differs", expr);
	print_hex("got", got, got_len);
	print_hex("expected", want, want_len);
	return 0;
}

long long
unit_now_ms(void)
{
	return clock_ms();
}

const char *
unit_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/keepcert-unit.XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return tmpdir;
}

static int
selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strncmp(name, argv[i], strlen(argv[i])) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct unit_test *t;
	int passed = 0, failed = 0;
	char command[128];

	for (t = tests; t != NULL; t = t->next) {
		if (!selected(t->name, argc, argv))
			continue;
		current_failed = 0;
		t->run();
		if (current_failed) {
			fprintf(stderr, "FAIL %s\n", t->name);
			failed++;
		} else {
			passed++;
		}
	}

	if (tmpdir[0] != '\0') {
		snprintf(command, sizeof(command), "rm -rf '%s'", tmpdir);
		if (system(command) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
