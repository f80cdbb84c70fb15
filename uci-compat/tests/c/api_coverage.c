/*
 * api_coverage.c - every exported function, the exported data, and every
 * macro and static inline helper of uci.h, used the way C consumers use
 * them and checked against the behaviour libuci-abi.md specifies.
 *
 * Built twice by tests/c_abi.rs: plain, and with -DUCI_DEBUG_TYPECAST (the
 * uci_to_* casts are then the checking inline functions).
 *
 * Run as: api_coverage SCRATCH_DIR
 */
#include "check.h"

#include <uci.h>

static struct uci_context *new_ctx(void)
{
	struct uci_context *ctx = uci_alloc_context();

	CHECK(ctx != NULL);
	CHECK(uci_set_confdir(ctx, "config") == UCI_OK);
	CHECK(uci_set_savedir(ctx, "delta") == UCI_OK);
	return ctx;
}

static int count(struct uci_list *l)
{
	struct uci_element *e;
	int n = 0;

	uci_foreach_element(l, e)
		n++;
	return n;
}

/* the export of one package as a malloc'ed string */
static char *export_str(struct uci_context *ctx, struct uci_package *p, bool header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(uci_export(ctx, f, p, header) == UCI_OK);
	fclose(f);
	return buf;
}

static void test_context(void)
{
	struct uci_context *ctx = uci_alloc_context();
	struct uci_element *e;
	struct uci_backend *b;
	int n = 0;

	CHECK(ctx->flags == (UCI_FLAG_STRICT | UCI_FLAG_SAVED_DELTA));
	CHECK_STR(ctx->confdir, UCI_CONFDIR);
	CHECK_STR(ctx->savedir, UCI_SAVEDIR);
	CHECK_STR(ctx->conf2dir, UCI_CONF2DIR);
	CHECK(uci_list_empty(&ctx->root));
	CHECK(ctx->pctx == NULL);
	CHECK(ctx->err == 0);
	uci_foreach_element(&ctx->backends, e) {
		b = uci_to_backend(e);
		CHECK(b == ctx->backend);
		CHECK(e->type == UCI_TYPE_BACKEND);
		CHECK_STR(e->name, "file");
		CHECK(b->list_configs && b->load && b->commit);
		n++;
	}
	CHECK(n == 1);

	/* directories and the delta path */
	CHECK(uci_set_confdir(ctx, "config") == UCI_OK);
	CHECK_STR(ctx->confdir, "config");
	CHECK(uci_set_savedir(ctx, "delta") == UCI_OK);
	CHECK(uci_add_delta_path(ctx, "extra") == UCI_OK);
	CHECK(uci_add_delta_path(ctx, "extra") == UCI_ERR_DUPLICATE);
	CHECK(ctx->err == UCI_ERR_DUPLICATE);
	n = 0;
	uci_foreach_element(&ctx->delta_path, e) {
		static const char *const want[] = { UCI_SAVEDIR, "extra", "delta" };

		CHECK(e->type == UCI_TYPE_PATH);
		CHECK(n < 3 && !strcmp(e->name, want[n]));
		n++;
	}
	CHECK(n == 3);
	CHECK(uci_set_savedir(ctx, "extra") == UCI_OK);	/* moved to the end */
	CHECK_STR(list_to_element(ctx->delta_path.prev)->name, "extra");
	CHECK(uci_set_savedir(ctx, "delta") == UCI_OK);
	ctx->err = 42;
	CHECK(uci_set_conf2dir(ctx, "") == UCI_OK);
	CHECK(ctx->conf2dir == NULL);
	CHECK(ctx->err == 42);	/* uci_set_conf2dir leaves ctx->err alone */
	CHECK(uci_set_conf2dir(ctx, "override") == UCI_OK);
	CHECK_STR(ctx->conf2dir, "override");
	/* a setter given the string it replaces */
	CHECK(uci_set_savedir(ctx, ctx->savedir) == UCI_OK);
	CHECK_STR(ctx->savedir, "delta");
	CHECK(uci_set_confdir(ctx, ctx->confdir) == UCI_OK);
	CHECK_STR(ctx->confdir, "config");
	CHECK(uci_set_conf2dir(ctx, ctx->conf2dir) == UCI_OK);
	CHECK_STR(ctx->conf2dir, "override");
	CHECK(uci_add_delta_path(ctx, ctx->savedir) == UCI_ERR_DUPLICATE);
	CHECK(uci_set_backend(ctx, "file") == UCI_OK);
	CHECK(uci_set_backend(ctx, "other") == UCI_ERR_NOTFOUND);
	CHECK(uci_set_backend(ctx, NULL) == UCI_ERR_INVAL);
	CHECK(uci_set_confdir(ctx, NULL) == UCI_ERR_INVAL);

	/* NULL contexts */
	CHECK(uci_set_confdir(NULL, "x") == UCI_ERR_INVAL);
	CHECK(uci_load(NULL, "x", NULL) == UCI_ERR_INVAL);
	CHECK(uci_set_conf2dir(NULL, "x") == UCI_ERR_INVAL);
	uci_free_context(NULL);
	uci_free_context(ctx);
}

static void test_errors(void)
{
	struct uci_context *ctx = new_ctx();
	char *s = NULL;

	ctx->err = UCI_ERR_NOTFOUND;
	uci_get_errorstr(ctx, &s, "pfx");
	CHECK_STR(s, "pfx: Entry not found");
	free(s);	/* the caller frees with libc free */
	ctx->err = 99;
	uci_get_errorstr(ctx, &s, NULL);
	CHECK_STR(s, "Unknown error");
	free(s);
	uci_get_errorstr(NULL, &s, NULL);
	CHECK_STR(s, "Invalid argument");
	free(s);
	uci_perror(ctx, "coverage (expected on stderr)");
	uci_get_errorstr(ctx, NULL, "coverage (expected on stderr, again)");
	uci_free_context(ctx);
}

static void test_load_and_walk(void)
{
	struct uci_context *ctx = new_ctx();
	struct uci_package *p = NULL, *q;
	struct uci_section *s;
	struct uci_option *o;
	struct uci_element *e, *tmp;
	char **configs = NULL;
	int n;

	/* uci_list_configs: one block, freed with free() */
	CHECK(uci_list_configs(ctx, &configs) == UCI_OK);
	CHECK(configs && configs[0] && !strcmp(configs[0], "bad"));
	CHECK(configs && configs[1] && !strcmp(configs[1], "net"));
	CHECK(configs && configs[2] == NULL);
	free(configs);
	configs = ctx->backend->list_configs(ctx);
	CHECK(configs && configs[1] && !strcmp(configs[1], "net"));
	free(configs);

	CHECK(uci_load(ctx, "net", &p) == UCI_OK);
	CHECK(p && p->e.type == UCI_TYPE_PACKAGE && p->ctx == ctx && p->backend == ctx->backend);
	CHECK(p->has_delta && !p->uses_conf2);
	CHECK_STR(p->path, "config/net");
	CHECK(uci_load(ctx, "net", &q) == UCI_ERR_DUPLICATE);
	CHECK(uci_lookup_package(ctx, "net") == p);
	CHECK(uci_lookup_package(ctx, "nosuch") == NULL);
	CHECK(ctx->err == UCI_ERR_NOTFOUND);

	/* walk the tree with the macros */
	n = 0;
	uci_foreach_element(&p->sections, e) {
		s = uci_to_section(e);
		CHECK(e->type == UCI_TYPE_SECTION);
		CHECK(s->package == p);
		CHECK(s->type == uci_dataptr(s));	/* type right after the struct */
		uci_foreach_element(&s->options, tmp) {
			o = uci_to_option(tmp);
			CHECK(o->section == s);
			if (o->type == UCI_TYPE_STRING)
				CHECK(o->v.string == uci_dataptr(o));
		}
		n++;
	}
	CHECK(n == 3);
	s = uci_lookup_section(ctx, p, "lan");
	CHECK(s && !s->anonymous && !strcmp(s->type, "interface"));
	CHECK(uci_lookup_section(ctx, p, "cfg034d8f") && uci_lookup_section(ctx, p, "cfg034d8f")->anonymous);
	CHECK_STR(uci_lookup_option_string(ctx, s, "proto"), "static");
	CHECK(uci_lookup_option_string(ctx, s, "dns") == NULL);	/* a list */
	CHECK(uci_lookup_option_string(ctx, s, "nosuch") == NULL);
	o = uci_lookup_option(ctx, s, "dns");
	CHECK(o && o->type == UCI_TYPE_LIST && count(&o->v.list) == 2);
	uci_foreach_element(&o->v.list, e)
		CHECK(e->type == UCI_TYPE_ITEM);
	CHECK(uci_lookup_next(ctx, &e, &o->v.list, "8.8.8.8") == UCI_OK && e && !strcmp(e->name, "8.8.8.8"));
	CHECK(uci_lookup_next(ctx, &e, &p->sections, "nosuch") == UCI_ERR_NOTFOUND && e == NULL);
	CHECK(uci_lookup_next(ctx, &e, &ctx->delta_path, "delta") == UCI_OK);
	CHECK(uci_lookup_next(ctx, NULL, &p->sections, "lan") == UCI_ERR_INVAL);

	/* saved deltas were applied and kept */
	CHECK(count(&p->saved_delta) == 1);
	uci_foreach_element(&p->saved_delta, e) {
		struct uci_delta *d = uci_to_delta(e);

		CHECK(d->cmd == UCI_CMD_CHANGE);
		CHECK_STR(d->section, "lan");
		CHECK_STR(e->name, "mtu");
		CHECK_STR(d->value, "1500");
		CHECK(d->section == uci_dataptr(d));
	}
	CHECK(uci_list_empty(&p->delta));

	/* uci_parse_section / uci_hash_options */
	{
		static const struct uci_parse_option opts[] = {
			{ "proto", UCI_TYPE_STRING }, { "dns", UCI_TYPE_LIST },
			{ "dns", UCI_TYPE_STRING }, { "nosuch", UCI_TYPE_STRING },
		};
		struct uci_option *tb[4] = { (void *) 1, (void *) 1, (void *) 1, (void *) 1 };

		uci_parse_section(s, opts, 4, tb);
		CHECK(tb[0] && !strcmp(tb[0]->e.name, "proto"));
		CHECK(tb[1] && tb[1]->type == UCI_TYPE_LIST);
		CHECK(tb[2] == NULL && tb[3] == NULL);
		CHECK(uci_hash_options(tb, 0) == 0xdeadc0de);
		CHECK(uci_hash_options(tb, 4) == uci_hash_options(tb, 2));
		CHECK(uci_hash_options(tb, 2) != uci_hash_options(tb, 1));
	}

	/* the load-by-backend pointer and unload */
	CHECK(uci_unload(ctx, p) == UCI_OK);
	CHECK(uci_list_empty(&ctx->root));
	p = ctx->backend->load(ctx, "net");
	CHECK(p && uci_lookup_package(ctx, "net") == p);
	CHECK(uci_unload(ctx, NULL) == UCI_ERR_INVAL);

	/* a parse error keeps a parser context (ctx->pctx) for the message */
	CHECK(uci_load(ctx, "bad", &q) == UCI_ERR_PARSE);
	CHECK(ctx->pctx != NULL);
	{
		char *msg = NULL;

		uci_get_errorstr(ctx, &msg, NULL);
		CHECK_STR(msg, "Parse error (invalid command) at line 2, byte 0");
		free(msg);
	}
	uci_free_context(ctx);
}

static void test_hash_vectors(void)
{
	struct uci_context *ctx = new_ctx();
	struct uci_package *p = NULL;
	const char *text = "config t 's'\n\toption a 'b'\n\tlist l 'x'\n\tlist l 'y'\n";
	FILE *f = fmemopen((void *) text, strlen(text), "r");
	static const struct uci_parse_option opts[] = { { "a", UCI_TYPE_STRING }, { "l", UCI_TYPE_LIST } };
	struct uci_option *tb[2];
	struct uci_section *s;

	CHECK(uci_import(ctx, f, "h", &p, true) == UCI_OK);
	fclose(f);
	s = p ? uci_lookup_section(ctx, p, "s") : NULL;
	CHECK(s != NULL);
	if (s) {
		uci_parse_section(s, opts, 2, tb);
		CHECK(uci_hash_options(tb, 1) == 0x02313e52);
		CHECK(uci_hash_options(tb, 2) == 0xaa4caf82);
		tb[0] = NULL;
		CHECK(uci_hash_options(tb, 2) == 0x4b53be05);
	}
	uci_free_context(ctx);
}

static void test_ptr_and_edits(void)
{
	struct uci_context *ctx = new_ctx();
	struct uci_package *p = NULL, *held;
	struct uci_section *s, *lan;
	struct uci_option *held_o;
	struct uci_ptr ptr;
	struct uci_element *e;
	char buf[128];
	char *str;

	/* uci_parse_ptr: split in place */
	strcpy(buf, "net.lan.proto=a=b");
	CHECK(uci_parse_ptr(ctx, &ptr, buf) == UCI_OK);
	CHECK(ptr.target == UCI_TYPE_OPTION && ptr.package == buf && ptr.section == buf + 4);
	CHECK_STR(ptr.option, "proto");
	CHECK_STR(ptr.value, "a=b");
	strcpy(buf, "a.b.c.d");
	CHECK(uci_parse_ptr(ctx, &ptr, buf) == UCI_ERR_PARSE);
	CHECK(ptr.package == NULL && ptr.flags == 0);
	CHECK(uci_validate_text("tab\tnl\ncr\r\x7f\xff"));
	CHECK(!uci_validate_text("bell\a"));

	/* lookup: loads the package */
	strcpy(buf, "net.lan.proto");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK);
	CHECK(ptr.flags == (UCI_LOOKUP_DONE | UCI_LOOKUP_COMPLETE));
	p = ptr.p;
	lan = ptr.s;
	CHECK(p && lan && ptr.o && ptr.last == &ptr.o->e);
	strcpy(buf, "net.@alias[0]");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK);
	CHECK(ptr.flags & UCI_LOOKUP_EXTENDED);
	CHECK(ptr.s && ptr.section == ptr.s->e.name);
	strcpy(buf, "net.@alias[0]");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, false) == UCI_ERR_INVAL);
	strcpy(buf, "nosuch.x");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_ERR_NOTFOUND);

	/* set: same length in place, other length replaced at the same spot */
	strcpy(buf, "net.lan.proto=dynami");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	held_o = ptr.o;
	CHECK(uci_set(ctx, &ptr) == UCI_OK);
	CHECK(ptr.o == held_o && !strcmp(held_o->v.string, "dynami"));
	strcpy(buf, "net.lan.proto=dhcp");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	CHECK(uci_set(ctx, &ptr) == UCI_OK);
	CHECK(ptr.o != held_o && !strcmp(ptr.o->v.string, "dhcp"));
	CHECK(list_to_element(lan->options.next) == &ptr.o->e);	/* still first */
	strcpy(buf, "net.lan.new=1");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	CHECK(uci_set(ctx, &ptr) == UCI_OK && ptr.o && ptr.o->section == lan);

	/* lists */
	strcpy(buf, "net.lan.dns=9.9.9.9");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	CHECK(uci_add_list(ctx, &ptr) == UCI_OK);
	CHECK(count(&ptr.o->v.list) == 3);
	strcpy(buf, "net.lan.dns=1.1.1.1");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	CHECK(uci_del_list(ctx, &ptr) == UCI_OK);
	CHECK(count(&ptr.o->v.list) == 2);
	strcpy(buf, "net.lan.dns=0");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	CHECK(uci_delete(ctx, &ptr) == UCI_OK && count(&ptr.o->v.list) == 1);
	strcpy(buf, "net.lan.dns=x");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	ctx->err = 0;
	CHECK(uci_delete(ctx, &ptr) == 1 && ctx->err == 0);	/* bare 1 */

	/* rename, reorder, add_section, delete */
	strcpy(buf, "net.lan.new=renamed");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	CHECK(uci_rename(ctx, &ptr) == UCI_OK);
	CHECK(uci_lookup_option(ctx, lan, "renamed") != NULL);
	CHECK(uci_reorder_section(ctx, lan, 99) == UCI_OK);
	CHECK(list_to_element(p->sections.prev) == &lan->e);
	CHECK(uci_add_section(ctx, p, "route", &s) == UCI_OK);
	CHECK(s && s->anonymous && !strcmp(s->e.name, "cfg04c8b4"));
	CHECK(uci_add_section(ctx, NULL, "route", &s) == UCI_ERR_INVAL);
	strcpy(buf, "net.wan");
	uci_lookup_ptr(ctx, &ptr, buf, true);
	CHECK(uci_delete(ctx, &ptr) == UCI_OK && ptr.s == NULL);
	CHECK(uci_lookup_section(ctx, p, "wan") == NULL);

	/* the pending changes, then save */
	{
		static const enum uci_command cmds[] = {
			UCI_CMD_CHANGE, UCI_CMD_CHANGE, UCI_CMD_CHANGE, UCI_CMD_LIST_ADD,
			UCI_CMD_LIST_DEL, UCI_CMD_REMOVE, UCI_CMD_RENAME, UCI_CMD_REORDER,
			UCI_CMD_ADD, UCI_CMD_REMOVE,
		};
		int n = 0;

		uci_foreach_element(&p->delta, e) {
			CHECK(n < 10 && uci_to_delta(e)->cmd == cmds[n]);
			n++;
		}
		CHECK(n == 10);
		CHECK(uci_command_char[UCI_CMD_LIST_ADD] == '|');
	}
	CHECK(uci_save(ctx, p) == UCI_OK);
	CHECK(uci_list_empty(&p->delta));
	str = read_file("delta/net");
	CHECK(strstr(str, "|net.lan.dns='9.9.9.9'\n") && strstr(str, "-net.wan\n"));
	free(str);

	/* revert an option: ptr->p becomes the reloaded package */
	held = p;
	strcpy(buf, "net.lan.renamed");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK);
	CHECK(uci_revert(ctx, &ptr) == UCI_OK);
	CHECK(ptr.p != held && ptr.p == uci_lookup_package(ctx, "net"));
	p = ptr.p;

	/* commit: *p replaced by the re-read package, at the end of root */
	held = p;
	CHECK(uci_commit(ctx, &p, false) == UCI_OK);
	CHECK(p != held && list_to_element(ctx->root.prev) == &p->e);
	str = read_file("config/net");
	CHECK(strstr(str, "option proto 'dhcp'") != NULL);
	free(str);
	str = read_file("delta/net");
	CHECK(str[0] == 0);
	free(str);
	CHECK(ctx->backend->commit != NULL);
	ctx->backend->commit(ctx, &p, false);
	CHECK(ctx->err == UCI_OK);

	/* export */
	str = export_str(ctx, p, true);
	CHECK(!strncmp(str, "package net\n\nconfig alias\n", 26));
	CHECK(strstr(str, "\nconfig interface 'lan'\n\toption proto 'dhcp'\n") != NULL);
	free(str);
	CHECK(uci_export(ctx, NULL, p, true) == UCI_ERR_INVAL);
	uci_free_context(ctx);
}

static void test_import_and_arguments(void)
{
	struct uci_context *ctx = new_ctx();
	struct uci_package *p = NULL;
	const char *text = "set 'a b' \"c\\\"d\" e\\ f # comment\nnext\n";
	FILE *f = fmemopen((void *) text, strlen(text), "r");
	char *str = NULL, *res = NULL, *copy;
	int c;

	/* uci_parse_argument: the verified example */
	CHECK(uci_parse_argument(ctx, f, &str, &res) == UCI_OK);
	CHECK_STR(res, "set");
	CHECK(ctx->pctx != NULL);
	CHECK(uci_parse_argument(ctx, f, &str, &res) == UCI_OK);
	CHECK_STR(res, "a b");
	CHECK(uci_parse_argument(ctx, f, &str, &res) == UCI_OK);
	CHECK_STR(res, "c\"d");
	CHECK(uci_parse_argument(ctx, f, &str, &res) == UCI_OK);
	CHECK_STR(res, "e f");
	CHECK(uci_parse_argument(ctx, f, &str, &res) == UCI_OK);
	CHECK_STR(res, "");
	/* the reader took no more than its line: the caller can go on */
	c = fgetc(f);
	CHECK(c == 'n');
	fclose(f);
	CHECK(uci_parse_argument(ctx, NULL, &str, &res) == UCI_ERR_INVAL);

	/* uci_import: two packages, then a merge that records changes */
	text = "package one\nconfig a 'x'\n\toption o '1'\npackage two\nconfig b\n";
	f = fmemopen((void *) text, strlen(text), "r");
	CHECK(uci_import(ctx, f, NULL, &p, false) == UCI_OK);
	fclose(f);
	CHECK(p && !strcmp(p->e.name, "two") && !p->has_delta && p->path == NULL);
	CHECK(uci_lookup_package(ctx, "one") != NULL);
	CHECK(ctx->pctx == NULL);
	CHECK(uci_commit(ctx, &p, true) == UCI_OK);	/* imported: overwrite */
	CHECK_STR(p->path, "config/two");
	copy = read_file("config/two");
	CHECK_STR(copy, "\nconfig b\n\n");
	free(copy);

	CHECK(uci_load(ctx, "net", &p) == UCI_OK);
	text = "config interface 'lan'\n\toption proto 'pppoe'\n\tlist dns '4.4.4.4'\n";
	f = fmemopen((void *) text, strlen(text), "r");
	CHECK(uci_import(ctx, f, "net", &p, true) == UCI_OK);
	fclose(f);
	CHECK(count(&p->delta) == 2);
	CHECK_STR(uci_lookup_option_string(ctx, uci_lookup_section(ctx, p, "lan"), "proto"), "pppoe");
	uci_free_context(ctx);
}

static void test_list_macros(void)
{
	struct uci_list head = { &head, &head };
	struct uci_element a, b, *e, *tmp;
	unsigned long bits[2] = { 0, 0 };
	int n = 0;

	a.name = "a";
	b.name = "b";
	a.type = b.type = UCI_TYPE_ITEM;
	head.next = &a.list;
	a.list.prev = &head;
	a.list.next = &b.list;
	b.list.prev = &a.list;
	b.list.next = &head;
	head.prev = &b.list;
	CHECK(!uci_list_empty(&head));
	CHECK(container_of(&b.list, struct uci_element, list) == &b);
	uci_foreach_element_safe(&head, tmp, e) {
		/* unlink while iterating */
		e->list.prev->next = e->list.next;
		e->list.next->prev = e->list.prev;
		n++;
	}
	CHECK(n == 2 && uci_list_empty(&head));
	uci_bitfield_set(bits, 3);
	uci_bitfield_set(bits, (int) BITS_PER_LONG + 1);
	CHECK(bits[0] == 8 && bits[1] == 2);
	CHECK(uci_type_section == UCI_TYPE_SECTION && uci_type_option == UCI_TYPE_OPTION);
	CHECK(uci_type_package == UCI_TYPE_PACKAGE && uci_type_delta == UCI_TYPE_DELTA);
	CHECK(uci_type_backend == UCI_TYPE_BACKEND);
	CHECK(!memcmp(uci_command_char, "+-\0@^|~", 7));
}

int main(int argc, char **argv)
{
	enter_scratch(argc, argv);
	mkdir("config", 0755);
	write_file("config/net",
		   "config interface 'lan'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\n\tlist dns '8.8.8.8'\n\n"
		   "config interface 'wan'\n\toption proto 'dhcp'\n\n"
		   "config alias\n\toption interface 'lan'\n");
	write_file("config/bad", "config a 'b'\nbogus\n");
	mkdir("delta", 0755);
	write_file("delta/net", "net.lan.mtu='1500'\n");

	test_context();
	test_errors();
	test_load_and_walk();
	test_hash_vectors();
	test_ptr_and_edits();
	test_import_and_arguments();
	test_list_macros();
	return check_done("api_coverage");
}
