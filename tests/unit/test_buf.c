#include <string.h>

#include "buf.h"
#include "unit.h"

TEST(buf_grows_and_terminates)
{
	struct buf b = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i % 10);
	CHECK_INT(b.failed, 0);
	CHECK_INT(b.len, 2000);
	CHECK_INT(b.data[b.len], '\0');
	CHECK(memcmp(b.data, "0,1,2,", 6) == 0);
	buf_free(&b);
	CHECK(b.data == NULL);
}

TEST(buf_limit_fails_sticky)
{
	struct buf b = { .limit = 8 };

	buf_puts(&b, "12345678");
	CHECK_INT(b.failed, 0);
	buf_putc(&b, '9');
	CHECK_INT(b.failed, 1);
	CHECK_INT(b.len, 8);
	buf_puts(&b, "");
	CHECK_INT(b.failed, 1);
	buf_reset(&b);
	CHECK_INT(b.failed, 0);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}
