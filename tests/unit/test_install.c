#include <string.h>

#include "install.h"
#include "log.h"
#include "unit.h"

static struct install_paths
sample_paths(void)
{
	struct install_paths p = { 0 };

	p.binary = "/usr/local/sbin/keepcert";
	p.config = "/etc/keepcert/keepcert.conf";
	p.state_dir = "/var/lib/keepcert";
	p.writable[p.writable_count++] = "/var/www/acme";
	return p;
}

TEST(install_cron_line_fields)
{
	struct install_paths p = sample_paths();
	struct buf out = { 0 };

	CHECK_INT(install_cron_line(&out, &p, 7, 3, 0), 0);
	CHECK_STR(out.data, "7 3,15 * * * PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
	    "/usr/local/sbin/keepcert -c /etc/keepcert/keepcert.conf run\n");
	buf_reset(&out);

	/* Out-of-range values wrap into the valid ranges; /etc/cron.d lines carry a user. */
	CHECK_INT(install_cron_line(&out, &p, 61, 23, 1), 0);
	CHECK(strncmp(out.data, "1 11,23 * * * root PATH=", 24) == 0);
	buf_free(&out);
}

TEST(install_service_text)
{
	struct install_paths p = sample_paths();
	struct buf out = { 0 };

	CHECK_INT(install_systemd_service(&out, &p), 0);
	CHECK(strstr(out.data, "\nExecStart=/usr/local/sbin/keepcert -c /etc/keepcert/keepcert.conf run\n") != NULL);
	CHECK(strstr(out.data, "\nStateDirectory=keepcert\nStateDirectoryMode=0700\n") != NULL);
	CHECK(strstr(out.data, "\nReadWritePaths=/var/www/acme\n") != NULL);
	CHECK(strstr(out.data, "\nReadWritePaths=-/var/spool/postfix\n") != NULL);
	CHECK(strstr(out.data, "\nNoNewPrivileges") == NULL);
	buf_reset(&out);

	p.state_dir = "/srv/keepcert/state";
	CHECK_INT(install_systemd_service(&out, &p), 0);
	CHECK(strstr(out.data, "\nReadWritePaths=/srv/keepcert/state\n") != NULL);
	CHECK(strstr(out.data, "StateDirectory=") == NULL);
	buf_free(&out);
}

TEST(install_rejects_unquotable_paths)
{
	struct install_paths p = sample_paths();
	struct buf out = { 0 };

	p.config = "/etc/keep cert.conf";
	CHECK_INT(install_systemd_service(&out, &p), -1);
	CHECK_STR(error_text(), "config file '/etc/keep cert.conf' contains ' ', which a unit file or crontab "
	    "would need quoted; use a path without it");
	p = sample_paths();
	p.writable[0] = "/var/www/%i";
	CHECK_INT(install_systemd_service(&out, &p), -1);
	p = sample_paths();
	p.binary = "keepcert";
	CHECK_INT(install_cron_line(&out, &p, 0, 0, 0), -1);
	CHECK_STR(error_text(), "keepcert binary 'keepcert' is not an absolute path");
	CHECK_INT(install_check_path("/usr/sbin/keepcert-1.0_x+y@z:w,v", "x"), 0);
	buf_free(&out);
}
