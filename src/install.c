#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "config.h"
#include "install.h"
#include "log.h"
#include "store.h"

#define SYSTEMD_UNIT_DIR "/etc/systemd/system"
#define CRON_DIR "/etc/cron.d"

/* cron starts jobs with PATH=/usr/bin:/bin, where nginx, postfix and sendmail are not found. */
#define CRON_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Mail queues a notify program writes through its setgid or setuid helper
 * (postfix's postdrop, exim, sendmail). A leading '-' lets systemd skip
 * the ones that do not exist.
 */
static const char *const mail_spools[] = { "-/var/spool/postfix", "-/var/spool/exim4", "-/var/spool/mqueue" };

/* see install.h */
int
install_check_path(const char *path, const char *what)
{
	size_t i;

	if (path[0] != '/')
		return error_set("%s '%s' is not an absolute path", what, path);
	for (i = 0; path[i] != '\0'; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._+-@:,", c) != NULL)
			continue;
		return error_set("%s '%s' contains '%c', which a unit file or crontab would need quoted; "
		    "use a path without it", what, path, c);
	}
	return 0;
}

/*
 * Is the state directory /var/lib/NAME? systemd then creates it itself
 * (StateDirectory=), which ReadWritePaths= cannot do for a missing one.
 */
static const char *
state_directory_name(const char *state_dir)
{
	const char *name = state_dir + strlen("/var/lib/");

	if (strncmp(state_dir, "/var/lib/", 9) != 0 || *name == '\0' || strchr(name, '/') != NULL)
		return NULL;
	return name;
}

/*
 * see install.h
 *
 * NOTE: the tests run systemd-analyze verify on this text (systemd 252) but
 * not the service itself under a running systemd, so a hook's setgid
 * sendmail inside the sandbox is untested.
 */
int
install_systemd_service(struct buf *out, const struct install_paths *paths)
{
	const char *state_name;
	size_t i;

	if (install_check_path(paths->binary, "keepcert binary") != 0 ||
	    install_check_path(paths->config, "config file") != 0 ||
	    install_check_path(paths->state_dir, "state-dir") != 0)
		return -1;
	for (i = 0; i < paths->writable_count; i++)
		if (install_check_path(paths->writable[i], "webroot") != 0)
			return -1;

	buf_printf(out,
	    "# keepcert.service, from 'keepcert install systemd'; keepcert.timer starts it.\n"
	    "[Unit]\n"
	    "Description=Renew ACME certificates with keepcert\n"
	    "Wants=network-online.target\n"
	    "After=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=oneshot\n"
	    "ExecStart=%s -c %s run\n"
	    "UMask=0077\n"
	    "\n"
	    "# The file system is read-only except for the directories below. A hook that\n"
	    "# writes elsewhere needs its directory added with 'systemctl edit keepcert'.\n"
	    "ProtectSystem=strict\n",
	    paths->binary, paths->config);

	state_name = state_directory_name(paths->state_dir);
	if (state_name != NULL)
		buf_printf(out, "StateDirectory=%s\nStateDirectoryMode=0700\n", state_name);
	else
		buf_printf(out, "# The service fails to start while %s is missing; 'install systemd\n"
		    "# --write' creates it, or run: mkdir -m 0700 -p %s\nReadWritePaths=%s\n",
		    paths->state_dir, paths->state_dir, paths->state_dir);
	for (i = 0; i < paths->writable_count; i++)
		buf_printf(out, "ReadWritePaths=%s\n", paths->writable[i]);
	buf_puts(out, "# Mail queues, for a notify program such as sendmail.\n");
	for (i = 0; i < sizeof(mail_spools) / sizeof(mail_spools[0]); i++)
		buf_printf(out, "ReadWritePaths=%s\n", mail_spools[i]);

	buf_puts(out,
	    "PrivateTmp=true\n"
	    "ProtectHome=read-only\n"
	    "ProtectKernelTunables=true\n"
	    "ProtectKernelModules=true\n"
	    "ProtectControlGroups=true\n"
	    "# NoNewPrivileges= is left out on purpose: hooks and the notify program may\n"
	    "# run setuid or setgid helpers, such as postfix's setgid postdrop behind\n"
	    "# sendmail, and it would stop them. The Protect*= settings above imply it\n"
	    "# only for a service without CAP_SYS_ADMIN, so do not add User= here\n"
	    "# (systemd.exec(5), systemd 252).\n");
	return out->failed ? error_set("keepcert.service: out of memory") : 0;
}

/* see install.h */
void
install_systemd_timer(struct buf *out)
{
	buf_puts(out,
	    "# keepcert.timer, from 'keepcert install systemd'.\n"
	    "[Unit]\n"
	    "Description=Run keepcert twice a day\n"
	    "\n"
	    "[Timer]\n"
	    "OnCalendar=*-*-* 00,12:00:00\n"
	    "# Spread the load on the CA, which sees many clients at the full hour.\n"
	    "RandomizedDelaySec=1h\n"
	    "# Run at boot when a start was missed while the machine was off.\n"
	    "Persistent=true\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=timers.target\n");
}

/* see install.h */
int
install_cron_line(struct buf *out, const struct install_paths *paths, unsigned minute, unsigned hour,
    int with_user)
{
	if (install_check_path(paths->binary, "keepcert binary") != 0 ||
	    install_check_path(paths->config, "config file") != 0)
		return -1;

	/* keepcert prints nothing when nothing was due, so cron mails only real news. */
	buf_printf(out, "%u %u,%u * * *%s PATH=%s %s -c %s run\n", minute % 60, hour % 12, hour % 12 + 12,
	    with_user ? " root" : "", CRON_PATH, paths->binary, paths->config);
	return out->failed ? error_set("crontab line: out of memory") : 0;
}

/* Collect the webroot directories of CONFIG, without repeats, into PATHS. */
static int
add_webroots(struct install_paths *paths, const struct config *config)
{
	const struct config_defaults *s;
	size_t i, j;

	for (i = 0; i <= config->cert_count; i++) {
		s = i < config->cert_count ? &config->certs[i].settings : &config->defaults;
		if (s->challenge.type != CHALLENGE_WEBROOT)
			continue;
		for (j = 0; j < paths->writable_count; j++)
			if (strcmp(paths->writable[j], s->challenge.arg) == 0)
				break;
		if (j < paths->writable_count)
			continue;
		if (paths->writable_count == INSTALL_WRITABLE_MAX)
			return error_set("more than %d webroot directories", INSTALL_WRITABLE_MAX);
		paths->writable[paths->writable_count++] = s->challenge.arg;
	}
	return 0;
}

/* Write TEXT to DIR/NAME (mode 0644, because systemd and cron read it) and log the path. */
static int
write_entry(const char *dir, const char *name, const struct buf *text)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return error_set("%s/%s: path is too long", dir, name);
	if (store_write_file(path, text->data, text->len, 0644) != 0)
		return -1;
	log_notice("wrote %s", path);
	return 0;
}

static int
install_systemd(const struct install_paths *paths, int write, const char *dir)
{
	struct buf service = { 0 }, timer = { 0 };
	int rc = 0;

	if (install_systemd_service(&service, paths) != 0) {
		buf_free(&service);
		log_failure("install");
		return EXIT_USAGE;
	}
	install_systemd_timer(&timer);

	if (!write) {
		printf("# %s/keepcert.service\n%s\n# %s/keepcert.timer\n%s", dir, service.data, dir, timer.data);
	} else if (state_directory_name(paths->state_dir) == NULL && store_mkdirs(paths->state_dir, 0700) != 0) {
		/* ReadWritePaths= names a directory that must exist before the service starts. */
		log_failure("install");
		rc = EXIT_FAILED;
	} else if (write_entry(dir, "keepcert.service", &service) != 0 ||
	    write_entry(dir, "keepcert.timer", &timer) != 0) {
		log_failure("install");
		rc = EXIT_FAILED;
	} else {
		log_notice("next: systemctl daemon-reload && systemctl enable --now keepcert.timer");
	}
	buf_free(&service);
	buf_free(&timer);
	return rc;
}

static int
install_cron(const struct install_paths *paths, int write, const char *dir)
{
	struct buf line = { 0 };
	uint32_t draw;
	struct stat st;
	int rc = 0;

	/* A random minute and hour, so that keepcert hosts do not reach the CA all at once. */
	if (getrandom(&draw, sizeof(draw), 0) != sizeof(draw)) {
		log_error("install: getrandom failed: %s", strerror(errno));
		return EXIT_FAILED;
	}

	if (write && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		log_error("install: %s is not a directory, so this cron reads no files there; "
		    "add the line from 'keepcert install cron' with 'crontab -e'", dir);
		return EXIT_FAILED;
	}
	if (install_cron_line(&line, paths, draw % 60, (draw / 60) % 12, write) != 0) {
		buf_free(&line);
		log_failure("install");
		return EXIT_USAGE;
	}

	if (!write) {
		fputs(line.data, stdout);
	} else if (write_entry(dir, "keepcert", &line) != 0) {
		log_failure("install");
		rc = EXIT_FAILED;
	}
	buf_free(&line);
	return rc;
}

/* The absolute path of FILE, resolved when it exists. */
static int
absolute_path(char *dst, size_t cap, const char *file)
{
	char resolved[PATH_MAX];

	if (realpath(file, resolved) != NULL)
		file = resolved;
	if (file[0] != '/')
		return error_set("%s: not found; give the config file as an absolute path with -c", file);
	if (snprintf(dst, cap, "%s", file) >= (int)cap)
		return error_set("%s: path is too long", file);
	return 0;
}

/* see commands.h */
int
cmd_install(struct args *a)
{
	enum { OPT_WRITE = 1, OPT_DIR };
	static const struct option_spec specs[] = {
		{ "write", 'w', 0, OPT_WRITE },
		{ "dir", 0, 1, OPT_DIR },
		{ NULL, 0, 0, 0 },
	};
	char binary[PATH_MAX], config_path[PATH_MAX];
	struct install_paths paths = { 0 };
	const char *value, *dir = NULL, *kind;
	struct config config;
	int opt, write = 0, rc;
	ssize_t n;

	while ((opt = args_next(a, specs, &value)) > 0) {
		if (opt == OPT_WRITE)
			write = 1;
		else
			dir = value;
	}
	if (opt < 0) {
		log_failure("install");
		return EXIT_USAGE;
	}
	kind = a->operand_count == 1 ? a->operands[0] : "";
	if (strcmp(kind, "systemd") != 0 && strcmp(kind, "cron") != 0) {
		log_error("install: expected 'systemd' or 'cron'; see 'keepcert help install'");
		return EXIT_USAGE;
	}

	/* The entries name the binary that runs now, wherever it was installed. */
	n = readlink("/proc/self/exe", binary, sizeof(binary) - 1);
	if (n <= 0) {
		log_error("install: cannot find the keepcert binary through /proc/self/exe: %s",
		    strerror(errno));
		return EXIT_FAILED;
	}
	binary[n] = '\0';

	if (absolute_path(config_path, sizeof(config_path),
	    args_config_path != NULL ? args_config_path : CONFIG_DEFAULT_PATH) != 0) {
		log_failure("install");
		return EXIT_USAGE;
	}
	if (config_load(config_path, &config) != 0) {
		log_failure("install");
		return EXIT_USAGE;
	}

	paths.binary = binary;
	paths.config = config_path;
	paths.state_dir = config.state_dir;
	if (add_webroots(&paths, &config) != 0) {
		log_failure("install");
		config_free(&config);
		return EXIT_USAGE;
	}

	if (strcmp(kind, "systemd") == 0)
		rc = install_systemd(&paths, write, dir != NULL ? dir : SYSTEMD_UNIT_DIR);
	else
		rc = install_cron(&paths, write, dir != NULL ? dir : CRON_DIR);
	config_free(&config);
	return rc;
}
