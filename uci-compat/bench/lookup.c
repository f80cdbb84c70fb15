/*
 * lookup.c - time section lookups through libuci.so.
 *
 *   lookup CONFDIR PACKAGE N TUPLE...
 *
 * Loads PACKAGE from CONFDIR, then for each TUPLE (e.g. "dhcp.@host[-1].ip"
 * or "dhcp.host_4990.ip") times N calls of
 *   uci_lookup_ptr(ctx, &ptr, TUPLE, true)
 * each of which must find a complete option. For the first tuple naming a
 * section by name it also times uci_lookup_section (inline helper,
 * uci_lookup_next) and, side by side, a plain walk over p->sections
 * comparing names, which is what a list-only implementation has to do.
 * Prints the figures (ns per call); asserts nothing about time. Used by
 * scripts/bench-capi.sh.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uci.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *what, int n, double secs)
{
	printf("%-52s %9.1f ns/lookup  (%d calls, %.3f ms)\n", what, secs * 1e9 / n, n, secs * 1e3);
}

int main(int argc, char **argv)
{
	struct uci_context *ctx;
	struct uci_package *p = NULL;
	struct uci_element *e;
	struct uci_ptr ptr;
	char buf[512], what[600];
	int n, i, a, sections = 0, found, named_done = 0;
	double t;

	if (argc < 5) {
		fprintf(stderr, "usage: %s CONFDIR PACKAGE N TUPLE...\n", argv[0]);
		return 2;
	}
	n = atoi(argv[3]);
	ctx = uci_alloc_context();
	uci_set_confdir(ctx, argv[1]);
	uci_set_savedir(ctx, "/nonexistent-ucix-bench-savedir");
	t = now();
	if (uci_load(ctx, argv[2], &p) != UCI_OK) {
		uci_perror(ctx, "load");
		return 1;
	}
	t = now() - t;
	uci_foreach_element(&p->sections, e)
		sections++;
	printf("package %s: %d sections, loaded in %.1f ms\n", argv[2], sections, t * 1e3);

	for (a = 4; a < argc; a++) {
		const char *tuple = argv[a];
		size_t len = strlen(tuple) + 1;
		char section[256];

		if (len > sizeof(buf))
			return 2;
		found = 0;
		t = now();
		for (i = 0; i < n; i++) {
			memcpy(buf, tuple, len);
			if (uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK && (ptr.flags & UCI_LOOKUP_COMPLETE))
				found++;
		}
		t = now() - t;
		if (found != n) {
			printf("%s: found %d of %d\n", tuple, found, n);
			return 1;
		}
		snprintf(what, sizeof(what), "uci_lookup_ptr(\"%s\")", tuple);
		report(what, n, t);

		/* the section part of a tuple that names it */
		if (named_done || sscanf(tuple, "%*[^.].%255[^.]", section) != 1 || section[0] == '@')
			continue;
		named_done = 1;
		found = 0;
		t = now();
		for (i = 0; i < n; i++)
			found += uci_lookup_section(ctx, p, section) != NULL;
		t = now() - t;
		snprintf(what, sizeof(what), "uci_lookup_section(p, \"%s\")", section);
		report(what, n, t);
		t = now();
		for (i = 0; i < n; i++) {
			uci_foreach_element(&p->sections, e) {
				if (!strcmp(e->name, section)) {
					found++;
					break;
				}
			}
		}
		t = now() - t;
		report("linear walk of p->sections (reference)", n, t);
		if (found != 2 * n) {
			printf("%s: found %d of %d\n", section, found, 2 * n);
			return 1;
		}
	}
	uci_free_context(ctx);
	return 0;
}
