/*
 * mirror_check.c - the C tree that consumers walk must always say what the
 * library itself says. A long, deterministic pseudo-random sequence of API
 * calls (set, add_list, del_list, delete, rename, reorder, add_section,
 * save, commit, revert, merging import, unload/reload) runs on one package;
 * after every call:
 *
 *   - every list is a well-formed circular list, every element has the
 *     right type tag and back pointer, strings sit at uci_dataptr();
 *   - the package rendered by walking the C structs equals uci_export()
 *     (which the library produces from its own state), with and without
 *     UCI_FLAG_EXPORT_NAME;
 *   - uci_lookup_next() on p->sections (served from an index) finds, for
 *     every section name, the first section of that name in list order;
 *   - before each uci_save(), p->delta rendered as delta-file lines equals
 *     what uci_save() appends to the delta file.
 *
 * Run as: mirror_check SCRATCH_DIR [STEPS]
 */
#include "check.h"

#include <stdint.h>
#include <uci.h>

static struct uci_context *ctx;
static uint32_t seed = 0x2545f491;

static unsigned rnd(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return n ? seed % n : 0;
}

static const char *pick(const char *const *v, unsigned n)
{
	return v[rnd(n)];
}

static const char *const opt_names[] = { "a", "b", "c", "lst", "longer_name" };
static const char *const values[] = { "x", "y", "xx", "", "a longer value", "it's", "tab\there", "multi\nline" };
static const char *const types[] = { "t", "u", "tt", "route", "a-type" };
static const char *const sec_names[] = { "s1", "s2", "s3", "lan", "wan" };

/* ---- rendering and structure checks ---- */

static void put_quoted(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
}

static char *render(struct uci_package *p, bool names)
{
	struct uci_element *e, *f, *i;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	uci_foreach_element(&p->sections, e) {
		struct uci_section *s = uci_to_section(e);

		fputs("\nconfig ", out);
		put_quoted(out, s->type);
		if (!s->anonymous || names) {
			fputs(" '", out);
			put_quoted(out, e->name);
			fputc('\'', out);
		}
		fputc('\n', out);
		uci_foreach_element(&s->options, f) {
			struct uci_option *o = uci_to_option(f);

			if (o->type == UCI_TYPE_STRING) {
				fprintf(out, "\toption %s '", f->name);
				put_quoted(out, o->v.string);
				fputs("'\n", out);
			} else {
				uci_foreach_element(&o->v.list, i) {
					fprintf(out, "\tlist %s '", f->name);
					put_quoted(out, i->name);
					fputs("'\n", out);
				}
			}
		}
	}
	fputc('\n', out);
	fclose(out);
	return buf;
}

static char *exported(struct uci_package *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(uci_export(ctx, f, p, false) == UCI_OK);
	fclose(f);
	return buf;
}

static int list_ok(struct uci_list *head)
{
	struct uci_list *n = head;
	int guard = 0;

	do {
		if (n->next->prev != n)
			return 0;
		n = n->next;
		if (++guard > 100000)
			return 0;
	} while (n != head);
	return 1;
}

static void check_tree(struct uci_package *p, int step)
{
	struct uci_element *e, *f, *i, *found;
	char *a, *b;
	int bad = check_failed;

	CHECK(list_ok(&ctx->root));
	CHECK(p->e.type == UCI_TYPE_PACKAGE && p->ctx == ctx && p->backend == ctx->backend);
	CHECK(list_ok(&p->sections) && list_ok(&p->delta) && list_ok(&p->saved_delta));
	uci_foreach_element(&p->sections, e) {
		struct uci_section *s = uci_to_section(e);

		CHECK(e->type == UCI_TYPE_SECTION && s->package == p);
		CHECK(s->type == uci_dataptr(s));
		CHECK(list_ok(&s->options));
		uci_foreach_element(&s->options, f) {
			struct uci_option *o = uci_to_option(f);

			CHECK(f->type == UCI_TYPE_OPTION && o->section == s);
			if (o->type == UCI_TYPE_STRING) {
				CHECK(o->v.string == uci_dataptr(o));
			} else {
				CHECK(o->type == UCI_TYPE_LIST && list_ok(&o->v.list));
				uci_foreach_element(&o->v.list, i)
					CHECK(i->type == UCI_TYPE_ITEM && i->name != NULL);
			}
		}
		/* the indexed lookup finds the first section of that name */
		CHECK(uci_lookup_next(ctx, &found, &p->sections, e->name) == UCI_OK);
		uci_foreach_element(&p->sections, f) {
			if (!strcmp(f->name, e->name)) {
				CHECK(found == f);
				break;
			}
		}
	}
	uci_foreach_element(&p->delta, e)
		CHECK(e->type == UCI_TYPE_DELTA && uci_to_delta(e)->section != NULL);
	uci_foreach_element(&p->saved_delta, e)
		CHECK(e->type == UCI_TYPE_DELTA);

	ctx->flags &= ~UCI_FLAG_EXPORT_NAME;
	a = render(p, false);
	b = exported(p);
	CHECK_STR(a, b);
	free(a);
	free(b);
	ctx->flags |= UCI_FLAG_EXPORT_NAME;
	a = render(p, true);
	b = exported(p);
	CHECK_STR(a, b);
	free(a);
	free(b);
	ctx->flags &= ~UCI_FLAG_EXPORT_NAME;
	if (check_failed != bad)
		printf("  (after step %d)\n", step);
}

/* p->delta in the delta-file format */
static char *render_delta(struct uci_package *p)
{
	struct uci_element *e;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	uci_foreach_element(&p->delta, e) {
		struct uci_delta *d = uci_to_delta(e);

		if (uci_command_char[d->cmd])
			fputc(uci_command_char[d->cmd], out);
		fprintf(out, "%s.%s", p->e.name, d->section);
		if (e->name)
			fprintf(out, ".%s", e->name);
		if (d->value || d->cmd != UCI_CMD_REMOVE) {
			fputs("='", out);
			put_quoted(out, d->value ? d->value : "");
			fputc('\'', out);
		}
		fputc('\n', out);
	}
	fclose(out);
	return buf;
}

/* ---- operations ---- */

static struct uci_section *random_section(struct uci_package *p)
{
	struct uci_element *e;
	int n = 0, k;

	uci_foreach_element(&p->sections, e)
		n++;
	if (!n)
		return NULL;
	k = rnd(n);
	uci_foreach_element(&p->sections, e)
		if (k-- == 0)
			return uci_to_section(e);
	return NULL;
}

/* a tuple for section s (by name, or now and then as @type[n]) */
static void section_ref(char *out, size_t size, struct uci_package *p, struct uci_section *s)
{
	struct uci_element *e;
	int n = 0;

	if (rnd(4) == 0) {
		uci_foreach_element(&p->sections, e) {
			if (e == &s->e)
				break;
			if (!strcmp(uci_to_section(e)->type, s->type))
				n++;
		}
		snprintf(out, size, "%s.@%s[%d]", p->e.name, s->type, n);
	} else {
		snprintf(out, size, "%s.%s", p->e.name, s->e.name);
	}
}

static int edit(int (*fn)(struct uci_context *, struct uci_ptr *), const char *tuple)
{
	struct uci_ptr ptr;
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", tuple);
	if (uci_lookup_ptr(ctx, &ptr, buf, true) != UCI_OK)
		return -1;
	return fn(ctx, &ptr);
}

static struct uci_package *step(struct uci_package *p, int n)
{
	struct uci_section *s = random_section(p), *ns;
	char sref[256], tuple[512];

	if (s)
		section_ref(sref, sizeof(sref), p, s);
	else
		snprintf(sref, sizeof(sref), "%s.s1", p->e.name);
	switch (rnd(16)) {
	case 0:
	case 1:
		snprintf(tuple, sizeof(tuple), "%s.%s=%s", sref, pick(opt_names, 5), pick(values, 8));
		edit(uci_set, tuple);
		break;
	case 2:
		snprintf(tuple, sizeof(tuple), "%s=%s", sref, pick(types, 5));
		edit(uci_set, tuple);
		break;
	case 3:
		snprintf(tuple, sizeof(tuple), "%s.%s=%s", sref, pick(opt_names, 5), pick(values, 8));
		edit(uci_add_list, tuple);
		break;
	case 4:
		snprintf(tuple, sizeof(tuple), "%s.%s=%s", sref, pick(opt_names, 5), pick(values, 8));
		edit(uci_del_list, tuple);
		break;
	case 5:
		if (rnd(3) == 0)
			snprintf(tuple, sizeof(tuple), "%s", sref);
		else if (rnd(2))
			snprintf(tuple, sizeof(tuple), "%s.%s", sref, pick(opt_names, 5));
		else
			snprintf(tuple, sizeof(tuple), "%s.%s=%u", sref, pick(opt_names, 5), rnd(3));
		edit(uci_delete, tuple);
		break;
	case 6:
		if (rnd(2))
			snprintf(tuple, sizeof(tuple), "%s=%s", sref, pick(sec_names, 5));
		else
			snprintf(tuple, sizeof(tuple), "%s.%s=%s", sref, pick(opt_names, 5), pick(opt_names, 5));
		edit(uci_rename, tuple);
		break;
	case 7:
		if (s)
			uci_reorder_section(ctx, s, (int) rnd(8) - 1);
		break;
	case 8:
		uci_add_section(ctx, p, pick(types, 5), &ns);
		break;
	case 9:
		snprintf(tuple, sizeof(tuple), "%s.%s=%s", p->e.name, pick(sec_names, 5), pick(types, 5));
		edit(uci_set, tuple);
		break;
	case 10:
	case 11: {
		/* save: what is appended is p->delta, line by line */
		char *want = render_delta(p), *before = read_file("delta/m"), *after;

		CHECK(uci_save(ctx, p) == UCI_OK);
		CHECK(uci_list_empty(&p->delta));
		after = read_file("delta/m");
		CHECK(strlen(after) == strlen(before) + strlen(want));
		CHECK_STR(after + strlen(before), want);
		free(want);
		free(before);
		free(after);
		break;
	}
	case 12:
		if (rnd(3) == 0) {
			struct uci_package *held = p;

			CHECK(uci_commit(ctx, &p, false) == UCI_OK);
			CHECK(p != held && list_to_element(ctx->root.prev) == &p->e);
		}
		break;
	case 13: {
		struct uci_ptr ptr;

		snprintf(tuple, sizeof(tuple), "%s", rnd(2) ? sref : p->e.name);
		if (uci_lookup_ptr(ctx, &ptr, tuple, true) == UCI_OK && uci_revert(ctx, &ptr) == UCI_OK)
			p = ptr.p;
		break;
	}
	case 14: {
		/* merging import: changes are recorded in p->delta */
		static const char *const snippets[] = {
			"config t 's1'\n\toption a 'merged'\n\tlist lst 'm1'\n",
			"config route\n\toption b 'new anon'\n",
			"config u 's2'\n\toption c 'xx'\n",
		};
		const char *text = snippets[rnd(3)];
		FILE *f = fmemopen((void *) text, strlen(text), "r");
		struct uci_package *q = p;

		uci_import(ctx, f, "m", &q, true);
		fclose(f);
		CHECK(q == p);
		break;
	}
	case 15:
		if (rnd(4) == 0) {
			CHECK(uci_save(ctx, p) == UCI_OK);
			CHECK(uci_unload(ctx, p) == UCI_OK);
			p = NULL;
			CHECK(uci_load(ctx, "m", &p) == UCI_OK);
		}
		break;
	}
	(void) n;
	return uci_lookup_package(ctx, "m");
}

int main(int argc, char **argv)
{
	struct uci_package *p = NULL;
	int steps, i;

	enter_scratch(argc, argv);
	steps = argc > 2 ? atoi(argv[2]) : 1500;
	mkdir("config", 0755);
	write_file("config/m",
		   "config t 's1'\n\toption a 'x'\n\tlist lst 'y'\n\tlist lst 'x'\n\n"
		   "config u\n\toption b 'yy'\n\n"
		   "config t 's2'\n\toption c 'long value'\n\n"
		   "config route\n");
	ctx = uci_alloc_context();
	uci_set_confdir(ctx, "config");
	uci_set_savedir(ctx, "delta");
	ctx->flags &= ~UCI_FLAG_STRICT;	/* reloads skip lines with invalid names */
	CHECK(uci_load(ctx, "m", &p) == UCI_OK);
	if (!p)
		return check_done("mirror_check");
	check_tree(p, 0);
	for (i = 1; i <= steps && p; i++) {
		p = step(p, i);
		CHECK(p != NULL);
		if (p)
			check_tree(p, i);
		if (check_failed > 20)
			break;
	}
	uci_free_context(ctx);
	return check_done("mirror_check");
}
