/*
 * Command-line options for a subcommand. Options may come before or after
 * operands; "--" ends them. Long options take their value as "--name VALUE"
 * or "--name=VALUE", short ones as "-x VALUE". The global options -v, -q and
 * -c FILE are accepted after the subcommand too and applied here, so
 * "keepcert run -v" works as a sysadmin expects.
 */
#ifndef KEEPCERT_ARGS_H
#define KEEPCERT_ARGS_H

struct option_spec {
	const char *long_name;	/* without the leading "--" */
	char short_name;	/* 0 when there is none */
	int takes_value;
	int id;			/* returned by args_next; must be positive */
};

#define ARGS_MAX_OPERANDS 64

struct args {
	int argc;
	char **argv;
	int index;
	const char *command;
	const char *operands[ARGS_MAX_OPERANDS];
	int operand_count;
};

/* Path of the config file given with -c, or NULL for the default. */
extern const char *args_config_path;

/* Start parsing ARGV, whose first element is the subcommand's name. */
void args_init(struct args *a, int argc, char **argv);

/*
 * Return the id of the next option, storing its value in *VALUE; 0 when
 * no options are left (operands are then in a->operands); -1 on an unknown
 * option, a missing value or too many operands, with the message in
 * error_text(). The message does not name the command: the command's
 * log_failure() puts its name in front.
 */
int args_next(struct args *a, const struct option_spec *specs, const char **value);

/* Take the next word as an extra value of the option just returned, or NULL. */
const char *args_take(struct args *a);

/*
 * Apply one global option (-v, -vv, -vvv, -q, -c FILE); returns 1 if ARG
 * was one, 2 if it used NEXT too, 0 if it is none, or -1 when -c lacks its
 * file, with the message in error_text().
 */
int args_global(const char *arg, const char *next);

#endif
