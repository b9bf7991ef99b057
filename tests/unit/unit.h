/*
 * The unit test harness: one program, every test registers itself.
 *
 *	TEST(base64_rfc4648_vectors) { CHECK_STR(encode("f"), "Zg=="); }
 *
 * A failed check prints its file, line and both values, and the test goes
 * on so that one run shows every failure. The program's last line is
 * "N passed, N failed", counting tests. Arguments select the tests whose
 * names start with one of them.
 */
#ifndef KEEPCERT_UNIT_H
#define KEEPCERT_UNIT_H

#include <stddef.h>
#include <stdint.h>

struct unit_test {
	const char *name;
	void (*run)(void);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);
void unit_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int unit_check_str(const char *file, int line, const char *expr, const char *got, const char *want);
int unit_check_int(const char *file, int line, const char *expr, long long got, long long want);
int unit_check_mem(const char *file, int line, const char *expr, const void *got, size_t got_len,
    const void *want, size_t want_len);

/* Milliseconds on the monotonic clock, for tests that bound a wait. */
long long unit_now_ms(void);

/* Path of a scratch directory for this run, removed at exit. */
const char *unit_tmpdir(void);

#define TEST(name)                                                              \
	static void test_##name(void);                                          \
	static struct unit_test unit_##name = { #name, test_##name, NULL };     \
	__attribute__((constructor)) static void register_##name(void)         \
	{                                                                       \
		unit_register(&unit_##name);                                    \
	}                                                                       \
	static void test_##name(void)

#define CHECK(cond)                                                             \
	((cond) ? 1 : (unit_fail(__FILE__, __LINE__, "%s", #cond), 0))
#define CHECK_STR(got, want) unit_check_str(__FILE__, __LINE__, #got, (got), (want))
#define CHECK_INT(got, want) unit_check_int(__FILE__, __LINE__, #got, (long long)(got), (long long)(want))
#define CHECK_MEM(got, got_len, want, want_len)                                 \
	unit_check_mem(__FILE__, __LINE__, #got, (got), (got_len), (want), (want_len))

#endif
