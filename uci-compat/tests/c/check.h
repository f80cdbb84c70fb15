/*
 * check.h - tiny self-checking helpers for the uci-compat C tests.
 *
 * CHECK(cond) records a failure (with file, line and the condition) and
 * goes on; check_done() prints the totals and returns the exit status.
 * Every program takes a scratch directory as argv[1] and works inside it.
 */
#ifndef UCI_COMPAT_CHECK_H
#define UCI_COMPAT_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_count, check_failed;

#define CHECK(cond)							\
	do {								\
		check_count++;						\
		if (!(cond)) {						\
			check_failed++;					\
			printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *check_a_ = (a), *check_b_ = (b);		\
		check_count++;						\
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) { \
			check_failed++;					\
			printf("FAILED %s:%d: %s == %s (\"%s\" vs \"%s\")\n", \
			       __FILE__, __LINE__, #a, #b,		\
			       check_a_ ? check_a_ : "(null)",		\
			       check_b_ ? check_b_ : "(null)");		\
		}							\
	} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failed);
	return check_failed ? 1 : 0;
}

/* write a whole file (relative to the working directory) */
static inline void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		printf("cannot write %s\n", path);
		exit(2);
	}
	fputs(data, f);
	fclose(f);
}

/* read a whole file into a malloc'ed string ("" if missing) */
static inline char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int c;

	if (f) {
		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(f);
	}
	fclose(m);
	return buf;
}

/* enter argv[1] (the scratch directory), or exit */
static inline void enter_scratch(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || chdir(argv[1]) != 0) {
		fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
		exit(2);
	}
}

#endif /* UCI_COMPAT_CHECK_H */
