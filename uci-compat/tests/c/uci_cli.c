/*
 * uci_cli.c - a `uci` command written only against the libuci API of
 * uci.h, the way a libuci user writes such a tool: uci_lookup_ptr, uci_set,
 * uci_add_list, uci_del_list, uci_delete, uci_rename,
 * uci_reorder_section, uci_add_section, uci_save, uci_commit, uci_revert,
 * uci_export, uci_import, uci_parse_argument (batch), uci_list_configs,
 * and walks over ctx->root, p->sections, s->options, o->v.list and
 * p->saved_delta.
 *
 * tests/c_cli.rs builds it against the ucix libuci.so and runs the CLI
 * conformance cases (../shared/conformance/cases) with it as the
 * candidate: its output must be the recorded output of OpenWrt's uci.
 * Behaviour follows the ucix CLI specification (spec/cli.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uci.h>

#define MAX_ARGS 4	/* command + 2 arguments, the 4th word is an error */

enum { CMD_OTHER = 255, CMD_EXIT = 254 };

static struct uci_context *ctx;
static const char *appname = "uci";
static const char *delimiter = " ";
static FILE *input;
static bool quiet, merge, nocommit, show_ext = true, in_batch;

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s [<options>] <command> [<arguments>]\n\n"
		"Commands:\n"
		"\tbatch\n"
		"\texport     [<config>]\n"
		"\timport     [<config>]\n"
		"\tchanges    [<config>]\n"
		"\tcommit     [<config>]\n"
		"\tadd        <config> <section-type>\n"
		"\tadd_list   <config>.<section>.<option>=<string>\n"
		"\tdel_list   <config>.<section>.<option>=<string>\n"
		"\tshow       [<config>[.<section>[.<option>]]]\n"
		"\tget        <config>.<section>[.<option>]\n"
		"\tset        <config>.<section>[.<option>]=<value>\n"
		"\tdelete     <config>[.<section>[[.<option>][=<id>]]]\n"
		"\trename     <config>.<section>[.<option>]=<name>\n"
		"\trevert     <config>[.<section>[.<option>]]\n"
		"\treorder    <config>.<section>=<position>\n"
		"\n"
		"Options:\n"
		"\t-c <path>  set the search path for config files (default: /etc/config)\n"
		"\t-C <path>  set the search path for config override files (default: /var/run/uci)\n"
		"\t-d <str>   set the delimiter for list values in uci show\n"
		"\t-f <file>  use <file> as input instead of stdin\n"
		"\t-m         when importing, merge data into an existing package\n"
		"\t-n         name unnamed sections on export (default)\n"
		"\t-N         don't name unnamed sections\n"
		"\t-p <path>  add a search path for config change files\n"
		"\t-P <path>  add a search path for config change files and use as default\n"
		"\t-t <path>  set save path for config change files\n"
		"\t-q         quiet mode (don't print error messages)\n"
		"\t-s         force strict mode (stop on parser errors, default)\n"
		"\t-S         disable strict mode\n"
		"\t-X         do not use extended syntax on 'show'\n"
		"\n", appname);
}

/* the library's message for ctx->err, prefixed with the program name */
static void cli_perror(void)
{
	if (quiet)
		return;
	fflush(stdout);
	uci_perror(ctx, appname);
}

static void cli_error(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void not_found(void)
{
	ctx->err = UCI_ERR_NOTFOUND;
	cli_perror();
}

static void unload_all(void)
{
	struct uci_element *e, *tmp;

	uci_foreach_element_safe(&ctx->root, tmp, e)
		uci_unload(ctx, uci_to_package(e));
}

/* '<value with each quote as '\''>' */
static void print_quoted(const char *v)
{
	putchar('\'');
	for (; *v; v++) {
		if (*v == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*v);
	}
	putchar('\'');
}

static void print_value(struct uci_option *o, bool quote)
{
	struct uci_element *e;
	bool first = true;

	if (o->type == UCI_TYPE_STRING) {
		if (quote)
			print_quoted(o->v.string);
		else
			fputs(o->v.string, stdout);
	} else {
		uci_foreach_element(&o->v.list, e) {
			if (!first)
				fputs(delimiter, stdout);
			first = false;
			if (quote || strpbrk(e->name, " \t\r\n"))
				print_quoted(e->name);
			else
				fputs(e->name, stdout);
		}
	}
	putchar('\n');
}

static void show_option(struct uci_option *o, const char *sref)
{
	printf("%s.%s.%s=", o->section->package->e.name, sref, o->e.name);
	print_value(o, true);
}

static void show_section(struct uci_section *s, const char *sref)
{
	struct uci_element *e;

	printf("%s.%s=%s\n", s->package->e.name, sref, s->type);
	uci_foreach_element(&s->options, e)
		show_option(uci_to_option(e), sref);
}

static void show_package(struct uci_package *p)
{
	struct uci_element *e, *f;

	uci_foreach_element(&p->sections, e) {
		struct uci_section *s = uci_to_section(e);
		char *ref = NULL;

		if (show_ext && s->anonymous) {
			int n = 0;

			/* sections of the same type before this one, named or not */
			uci_foreach_element(&p->sections, f) {
				if (f == e)
					break;
				if (!strcmp(uci_to_section(f)->type, s->type))
					n++;
			}
			if (asprintf(&ref, "@%s[%d]", s->type, n) < 0)
				ref = NULL;
		}
		show_section(s, ref ? ref : e->name);
		free(ref);
	}
}

static void show_changes(struct uci_package *p)
{
	struct uci_element *e;

	uci_foreach_element(&p->saved_delta, e) {
		struct uci_delta *d = uci_to_delta(e);
		const char *op = "=";

		if (d->cmd == UCI_CMD_REMOVE)
			putchar('-');
		printf("%s.%s", p->e.name, d->section);
		if (e->name)
			printf(".%s", e->name);
		if (d->cmd != UCI_CMD_REMOVE) {
			if (d->cmd == UCI_CMD_LIST_ADD)
				op = "+=";
			else if (d->cmd == UCI_CMD_LIST_DEL)
				op = "-=";
			fputs(op, stdout);
			print_quoted(d->value ? d->value : "");
		}
		putchar('\n');
	}
}

enum pkg_cmd { P_SHOW, P_EXPORT, P_COMMIT, P_CHANGES };

static int package_cmd(enum pkg_cmd cmd, const char *tuple)
{
	struct uci_ptr ptr;
	char *buf = strdup(tuple);
	int ret = 0;

	if (!buf)
		return 1;
	if (uci_lookup_ptr(ctx, &ptr, buf, true) != UCI_OK) {
		cli_perror();
		free(buf);
		return 1;
	}
	switch (cmd) {
	case P_CHANGES:
		show_changes(ptr.p);
		break;
	case P_COMMIT:
		if (!nocommit && uci_commit(ctx, &ptr.p, false) != UCI_OK) {
			cli_perror();
			ret = 1;
		}
		break;
	case P_EXPORT:
		fflush(stdout);
		uci_export(ctx, stdout, ptr.p, true);
		break;
	case P_SHOW:
		if (!(ptr.flags & UCI_LOOKUP_COMPLETE)) {
			not_found();
			ret = 1;
			break;
		}
		switch (ptr.last->type) {
		case UCI_TYPE_PACKAGE:
			show_package(ptr.p);
			break;
		case UCI_TYPE_SECTION:
			show_section(ptr.s, ptr.s->e.name);
			break;
		case UCI_TYPE_OPTION:
			show_option(ptr.o, ptr.s->e.name);
			break;
		default:
			break;
		}
		break;
	}
	unload_all();
	free(buf);
	return ret;
}

static int package_cmd_all(enum pkg_cmd cmd, int argc, char **argv)
{
	char **configs = NULL, **c;

	if (argc > 2)
		return CMD_OTHER;
	if (argc == 2)
		return package_cmd(cmd, argv[1]);
	if (uci_list_configs(ctx, &configs) != UCI_OK) {
		cli_perror();
		return 1;
	}
	for (c = configs; *c; c++)
		package_cmd(cmd, *c);
	free(configs);
	return 0;
}

static int cmd_add(int argc, char **argv)
{
	struct uci_package *p = NULL;
	struct uci_section *s = NULL;
	int ret;

	if (argc != 3)
		return CMD_OTHER;
	ret = uci_load(ctx, argv[1], &p);
	if (ret == UCI_OK)
		ret = uci_add_section(ctx, p, argv[2], &s);
	if (ret == UCI_OK)
		ret = uci_save(ctx, p);
	if (ret != UCI_OK) {
		cli_perror();
		return ctx->err;
	}
	printf("%s\n", s->e.name);
	return 0;
}

static int cmd_import(int argc, char **argv)
{
	struct uci_package *p = NULL;
	struct uci_element *e, *tmp;
	const char *name = argc > 1 ? argv[1] : NULL;
	int ret = UCI_OK;
	bool loaded;

	if (argc > 2)
		return CMD_OTHER;
	if (merge && !name)
		return CMD_OTHER;
	if (merge && uci_load(ctx, name, &p) != UCI_OK)
		p = NULL;
	loaded = p != NULL;	/* merge into it, else a plain import */
	if (uci_import(ctx, input, name, &p, name != NULL) != UCI_OK) {
		cli_perror();
		return 1;
	}
	if (loaded) {
		ret = uci_save(ctx, p);
	} else {
		uci_foreach_element_safe(&ctx->root, tmp, e) {
			struct uci_package *q = uci_to_package(e);

			ret = uci_commit(ctx, &q, true);
		}
	}
	if (ret != UCI_OK) {
		cli_perror();
		return 1;
	}
	return 0;
}

enum sec_cmd { S_GET, S_SET, S_ADD_LIST, S_DEL_LIST, S_DELETE, S_RENAME, S_REVERT, S_REORDER };

static int section_cmd(enum sec_cmd cmd, int argc, char **argv)
{
	struct uci_ptr ptr;
	char *buf;
	int ret = UCI_OK, dummy;

	if (argc != 2)
		return CMD_OTHER;
	buf = strdup(argv[1]);
	if (!buf)
		return 1;
	if (uci_lookup_ptr(ctx, &ptr, buf, true) != UCI_OK) {
		cli_perror();
		free(buf);
		return 1;
	}
	if (ptr.value && (cmd == S_GET || cmd == S_REVERT)) {
		free(buf);
		return 1;
	}
	switch (cmd) {
	case S_GET:
		if (!(ptr.flags & UCI_LOOKUP_COMPLETE)) {
			not_found();
			free(buf);
			return 1;
		}
		if (ptr.last->type == UCI_TYPE_OPTION)
			print_value(ptr.o, false);
		else if (ptr.last->type == UCI_TYPE_SECTION)
			printf("%s\n", ptr.s->type);
		free(buf);
		return 0;
	case S_REVERT:
		uci_revert(ctx, &ptr);
		free(buf);
		return 0;
	case S_SET:
		ret = uci_set(ctx, &ptr);
		break;
	case S_ADD_LIST:
		ret = uci_add_list(ctx, &ptr);
		break;
	case S_DEL_LIST:
		ret = uci_del_list(ctx, &ptr);
		break;
	case S_RENAME:
		ret = uci_rename(ctx, &ptr);
		break;
	case S_REORDER:
		if (!ptr.s || !ptr.value) {
			not_found();
			free(buf);
			return 1;
		}
		ret = uci_reorder_section(ctx, ptr.s, strtoul(ptr.value, NULL, 10));
		break;
	case S_DELETE:
		if (ptr.value && !sscanf(ptr.value, "%d", &dummy)) {
			free(buf);
			return 1;
		}
		ret = uci_delete(ctx, &ptr);
		break;
	}
	if (ret == UCI_OK)
		ret = uci_save(ctx, ptr.p);
	free(buf);
	if (ret != UCI_OK) {
		cli_perror();
		return 1;
	}
	return 0;
}

static int run_batch(void);

static int uci_cmd(int argc, char **argv)
{
	static const struct { const char *name; int kind; int sub; } cmds[] = {
		{ "show", 'p', P_SHOW }, { "export", 'p', P_EXPORT },
		{ "commit", 'p', P_COMMIT }, { "changes", 'p', P_CHANGES },
		{ "get", 's', S_GET }, { "set", 's', S_SET },
		{ "add_list", 's', S_ADD_LIST }, { "del_list", 's', S_DEL_LIST },
		{ "delete", 's', S_DELETE }, { "del", 's', S_DELETE },
		{ "rename", 's', S_RENAME }, { "ren", 's', S_RENAME },
		{ "revert", 's', S_REVERT }, { "reorder", 's', S_REORDER },
		{ "add", 'a', 0 }, { "import", 'i', 0 }, { "batch", 'b', 0 },
		{ "help", 'h', 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcasecmp(argv[0], cmds[i].name) != 0)
			continue;
		switch (cmds[i].kind) {
		case 'p':
			return package_cmd_all(cmds[i].sub, argc, argv);
		case 's':
			return section_cmd(cmds[i].sub, argc, argv);
		case 'a':
			return cmd_add(argc, argv);
		case 'i':
			return cmd_import(argc, argv);
		case 'b':
			return in_batch ? CMD_OTHER : run_batch();
		case 'h':
			fflush(stdout);
			usage();
			return 0;
		}
	}
	return CMD_OTHER;
}

/* one line of batch input: up to 3 words, then the command */
static int batch_cmd(void)
{
	char *argv[MAX_ARGS + 1];
	char *str = NULL;
	int argc = 0, i, ret;

	for (i = 0; i <= MAX_ARGS; i++) {
		char *word = NULL;

		if (i == MAX_ARGS) {
			cli_error("Too many arguments\n");
			ret = 1;
			goto out;
		}
		if (uci_parse_argument(ctx, input, &str, &word) != UCI_OK) {
			/* the words read so far are dropped */
			cli_perror();
			ret = 0;
			goto out;
		}
		if (!word[0])
			break;
		argv[argc] = strdup(word);
		if (!argv[argc]) {
			cli_error("uci: %s", strerror(errno));
			ret = 1;
			goto out;
		}
		argc++;
	}
	if (argc == 0) {
		ret = 0;
		goto out;
	}
	if (!strcasecmp(argv[0], "exit")) {
		ret = CMD_EXIT;
		goto out;
	}
	ret = uci_cmd(argc, argv);
out:
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return ret;
}

static int run_batch(void)
{
	in_batch = true;
	while (!feof(input)) {
		int ret = batch_cmd();

		if (ret == CMD_EXIT)
			return 0;
		if (ret == CMD_OTHER)
			cli_error("Unknown command\n");
		unload_all();
	}
	return 0;
}

int main(int argc, char **argv)
{
	int c, ret;
	bool have_file = false;

	input = stdin;
	appname = argv[0];
	ctx = uci_alloc_context();
	if (!ctx) {
		fprintf(stderr, "Out of memory\n");
		return 1;
	}
	while ((c = getopt(argc, argv, "c:C:d:f:LmnNp:P:qsSt:X")) != -1) {
		switch (c) {
		case 'c':
			uci_set_confdir(ctx, optarg);
			break;
		case 'C':
			uci_set_conf2dir(ctx, optarg);
			break;
		case 'd':
			delimiter = optarg;
			break;
		case 'f':
			if (have_file) {
				cli_error("Too many input files.\n");
				ret = 1;
				goto out;
			}
			input = fopen(optarg, "r");
			if (!input) {
				cli_error("uci: %s", strerror(errno));
				ret = 1;
				goto out;
			}
			have_file = true;
			break;
		case 'm':
			merge = true;
			break;
		case 's':
			ctx->flags |= UCI_FLAG_STRICT;
			break;
		case 'S':
			ctx->flags &= ~UCI_FLAG_STRICT;
			ctx->flags |= UCI_FLAG_PERROR;
			break;
		case 'n':
			ctx->flags |= UCI_FLAG_EXPORT_NAME;
			break;
		case 'N':
			ctx->flags &= ~UCI_FLAG_EXPORT_NAME;
			break;
		case 'p':
			uci_add_delta_path(ctx, optarg);
			break;
		case 'P':
			uci_add_delta_path(ctx, ctx->savedir);
			uci_set_savedir(ctx, optarg);
			nocommit = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 't':
			uci_set_savedir(ctx, optarg);
			break;
		case 'X':
			show_ext = false;
			break;
		default:	/* -L, invalid options, missing arguments */
			usage();
			ret = 0;
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage();
		ret = 0;
		goto out;
	}
	ret = uci_cmd(argc, argv);
	fflush(stdout);
	if (ret == CMD_OTHER)
		usage();
out:
	if (input && input != stdin)
		fclose(input);
	uci_free_context(ctx);
	return ret;
}
