/*
 * lookup.c - time named-section lookups through libuci.so.
 *
 *   lookup CONFDIR PACKAGE SECTION OPTION [N]
 *
 * Loads PACKAGE from CONFDIR, then times N (default 10000) calls each of
 *   uci_lookup_ptr(ctx, &ptr, "PACKAGE.SECTION.OPTION", true)
 *   uci_lookup_section(ctx, p, SECTION)      (inline helper, uci_lookup_next)
 * and, side by side, a plain walk over p->sections comparing names, which is
 * what a list-only implementation has to do. Prints the figures; asserts
 * nothing about time. Used by scripts/bench-capi.sh.
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
	printf("%-44s %8.3f ms total  %9.1f ns/call\n", what, secs * 1e3, secs * 1e9 / n);
}

int main(int argc, char **argv)
{
	struct uci_context *ctx;
	struct uci_package *p = NULL;
	struct uci_element *e;
	struct uci_ptr ptr;
	char tuple[256], buf[512];
	int n, i, sections = 0, found = 0;
	double t;

	if (argc < 5) {
		fprintf(stderr, "usage: %s CONFDIR PACKAGE SECTION OPTION [N]\n", argv[0]);
		return 2;
	}
	n = argc > 5 ? atoi(argv[5]) : 10000;
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
	snprintf(tuple, sizeof(tuple), "%s.%s.%s", argv[2], argv[3], argv[4]);

	t = now();
	for (i = 0; i < n; i++) {
		memcpy(buf, tuple, strlen(tuple) + 1);
		if (uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK && (ptr.flags & UCI_LOOKUP_COMPLETE))
			found++;
	}
	t = now() - t;
	snprintf(buf, sizeof(buf), "%dx uci_lookup_ptr(\"%s\")", n, tuple);
	report(buf, n, t);

	t = now();
	for (i = 0; i < n; i++)
		found += uci_lookup_section(ctx, p, argv[3]) != NULL;
	t = now() - t;
	snprintf(buf, sizeof(buf), "%dx uci_lookup_section(p, \"%s\")", n, argv[3]);
	report(buf, n, t);

	t = now();
	for (i = 0; i < n; i++) {
		uci_foreach_element(&p->sections, e) {
			if (!strcmp(e->name, argv[3])) {
				found++;
				break;
			}
		}
	}
	t = now() - t;
	snprintf(buf, sizeof(buf), "%dx linear walk of p->sections (reference)", n);
	report(buf, n, t);

	if (found != 3 * n) {
		printf("lookups failed: %d of %d found\n", found, 3 * n);
		return 1;
	}
	uci_free_context(ctx);
	return 0;
}
