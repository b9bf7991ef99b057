#include <string.h>

#include "args.h"
#include "log.h"

const char *args_config_path;

/* see args.h */
void
args_init(struct args *a, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	a->argc = argc;
	a->argv = argv;
	a->index = 1;
	a->command = argv[0];
}

/* 1 when ARG is -v, -vv, -vvv...: each v is one more -v. */
static int
verbose_count(const char *arg)
{
	size_t n;

	if (arg[0] != '-' || arg[1] != 'v')
		return 0;
	n = strspn(arg + 1, "v");
	return arg[1 + n] == '\0' ? (int)n : 0;
}

/* see args.h */
int
args_global(const char *arg, const char *next)
{
	int n = strcmp(arg, "--verbose") == 0 ? 1 : verbose_count(arg);

	if (n > 0) {
		while (n-- > 0)
			log_max_level = log_max_level < LOG_INFO ? LOG_INFO : LOG_DEBUG;
		return 1;
	}
	if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
		log_max_level = LOG_ERROR;
		return 1;
	}
	if (strcmp(arg, "-c") == 0 || strcmp(arg, "--config") == 0) {
		if (next == NULL || next[0] == '\0')
			return error_set("%s requires a file", arg);
		args_config_path = next;
		return 2;
	}
	if (strncmp(arg, "--config=", 9) == 0) {
		if (arg[9] == '\0')
			return error_set("--config requires a file");
		args_config_path = arg + 9;
		return 1;
	}
	return 0;
}

static const struct option_spec *
find_long(const struct option_spec *specs, const char *name, size_t len)
{
	for (; specs != NULL && specs->long_name != NULL; specs++)
		if (strlen(specs->long_name) == len && strncmp(specs->long_name, name, len) == 0)
			return specs;
	return NULL;
}

static const struct option_spec *
find_short(const struct option_spec *specs, char c)
{
	for (; specs != NULL && specs->long_name != NULL; specs++)
		if (specs->short_name == c)
			return specs;
	return NULL;
}

static int
add_operand(struct args *a, const char *word)
{
	if (a->operand_count == ARGS_MAX_OPERANDS)
		return error_set("more than %d arguments", ARGS_MAX_OPERANDS);
	a->operands[a->operand_count++] = word;
	return 0;
}

/* see args.h */
int
args_next(struct args *a, const struct option_spec *specs, const char **value)
{
	while (a->index < a->argc) {
		const char *arg = a->argv[a->index];
		const char *next = a->index + 1 < a->argc ? a->argv[a->index + 1] : NULL;
		const struct option_spec *spec;
		const char *eq;
		int used;

		if (strcmp(arg, "--") == 0) {
			for (a->index++; a->index < a->argc; a->index++)
				if (add_operand(a, a->argv[a->index]) < 0)
					return -1;
			return 0;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (add_operand(a, arg) < 0)
				return -1;
			a->index++;
			continue;
		}

		if (arg[1] == '-') {
			eq = strchr(arg + 2, '=');
			spec = find_long(specs, arg + 2, eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		} else {
			eq = NULL;
			spec = arg[2] == '\0' ? find_short(specs, arg[1]) : NULL;
		}

		if (spec == NULL) {
			used = args_global(arg, next);
			if (used < 0)
				return -1;
			if (used == 0)
				return error_set("unknown option %s; see 'keepcert help %s'", log_short(arg),
				    a->command);
			a->index += used;
			continue;
		}

		a->index++;
		*value = NULL;
		if (spec->takes_value) {
			if (eq != NULL) {
				*value = eq + 1;
			} else if (a->index < a->argc) {
				*value = a->argv[a->index++];
			} else {
				return error_set("option %s requires a value", arg);
			}
		} else if (eq != NULL) {
			return error_set("option --%s takes no value", spec->long_name);
		}
		return spec->id;
	}
	return 0;
}

/* see args.h */
const char *
args_take(struct args *a)
{
	if (a->index >= a->argc)
		return NULL;
	return a->argv[a->index++];
}
