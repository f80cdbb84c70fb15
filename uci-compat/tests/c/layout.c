/*
 * layout.c - compile-time and run-time check of the ucix uci.h layout.
 *
 * Every size, alignment, member offset, enum value and #define of the
 * libuci ABI specification (libuci-abi.md §2, §3) is checked with
 * _Static_assert, so a wrong header fails to compile.  The program then
 * prints the same facts (useful for diffing against another header).
 * Header-only: it needs no library.
 *
 *   cc -std=gnu99 -Wall -Wextra -Werror -I uci-compat/include \
 *      -o layout uci-compat/tests/c/layout.c && ./layout
 *
 * Add -DUCI_DEBUG_TYPECAST to check the header in that mode too.
 */
#include <uci.h>
#include <string.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#warning "layout.c: the expected numbers are those of an LP64 target (x86_64)"
#endif

#define MSZ(t, f) sizeof(((t *) 0)->f)

#define CHECK_SIZE(t, sz, al)						\
	_Static_assert(sizeof(t) == (sz), "sizeof(" #t ")");		\
	_Static_assert(__alignof__(t) == (al), "alignof(" #t ")")

#define CHECK_FIELD(t, f, off, sz)					\
	_Static_assert(offsetof(t, f) == (off), "offsetof(" #t ", " #f ")"); \
	_Static_assert(MSZ(t, f) == (sz), "sizeof(" #t "." #f ")")

#define CHECK_VAL(name, val) \
	_Static_assert((long) (name) == (long) (val), #name " == " #val)

/* §3 sizes and alignment */
CHECK_SIZE(struct uci_list, 16, 8);
CHECK_SIZE(struct uci_element, 32, 8);
CHECK_SIZE(struct uci_backend, 72, 8);
CHECK_SIZE(struct uci_context, 336, 8);
CHECK_SIZE(struct uci_package, 128, 8);
CHECK_SIZE(struct uci_section, 72, 8);
CHECK_SIZE(struct uci_option, 64, 8);
CHECK_SIZE(struct uci_delta, 56, 8);
CHECK_SIZE(struct uci_ptr, 72, 8);
CHECK_SIZE(struct uci_parse_option, 16, 8);
CHECK_SIZE(enum uci_type, 4, 4);
CHECK_SIZE(enum uci_option_type, 4, 4);
CHECK_SIZE(enum uci_flags, 4, 4);
CHECK_SIZE(enum uci_command, 4, 4);
CHECK_SIZE(jmp_buf, 200, 8);
CHECK_SIZE(bool, 1, 1);

/* §3.1 uci_list */
CHECK_FIELD(struct uci_list, next, 0, 8);
CHECK_FIELD(struct uci_list, prev, 8, 8);

/* §3.2 uci_element */
CHECK_FIELD(struct uci_element, list, 0, 16);
CHECK_FIELD(struct uci_element, type, 16, 4);
CHECK_FIELD(struct uci_element, name, 24, 8);

/* §3.3 uci_backend */
CHECK_FIELD(struct uci_backend, e, 0, 32);
CHECK_FIELD(struct uci_backend, list_configs, 32, 8);
CHECK_FIELD(struct uci_backend, load, 40, 8);
CHECK_FIELD(struct uci_backend, commit, 48, 8);
CHECK_FIELD(struct uci_backend, ptr, 56, 8);
CHECK_FIELD(struct uci_backend, priv, 64, 8);

/* §3.4 uci_context */
CHECK_FIELD(struct uci_context, root, 0, 16);
CHECK_FIELD(struct uci_context, pctx, 16, 8);
CHECK_FIELD(struct uci_context, backend, 24, 8);
CHECK_FIELD(struct uci_context, backends, 32, 16);
CHECK_FIELD(struct uci_context, flags, 48, 4);
CHECK_FIELD(struct uci_context, confdir, 56, 8);
CHECK_FIELD(struct uci_context, savedir, 64, 8);
CHECK_FIELD(struct uci_context, conf2dir, 72, 8);
CHECK_FIELD(struct uci_context, delta_path, 80, 16);
CHECK_FIELD(struct uci_context, err, 96, 4);
CHECK_FIELD(struct uci_context, func, 104, 8);
CHECK_FIELD(struct uci_context, trap, 112, 200);
CHECK_FIELD(struct uci_context, internal, 312, 1);
CHECK_FIELD(struct uci_context, nested, 313, 1);
CHECK_FIELD(struct uci_context, buf, 320, 8);
CHECK_FIELD(struct uci_context, bufsz, 328, 4);

/* §3.5 uci_package */
CHECK_FIELD(struct uci_package, e, 0, 32);
CHECK_FIELD(struct uci_package, sections, 32, 16);
CHECK_FIELD(struct uci_package, ctx, 48, 8);
CHECK_FIELD(struct uci_package, has_delta, 56, 1);
CHECK_FIELD(struct uci_package, uses_conf2, 57, 1);
CHECK_FIELD(struct uci_package, path, 64, 8);
CHECK_FIELD(struct uci_package, backend, 72, 8);
CHECK_FIELD(struct uci_package, priv, 80, 8);
CHECK_FIELD(struct uci_package, n_section, 88, 4);
CHECK_FIELD(struct uci_package, delta, 96, 16);
CHECK_FIELD(struct uci_package, saved_delta, 112, 16);

/* §3.6 uci_section */
CHECK_FIELD(struct uci_section, e, 0, 32);
CHECK_FIELD(struct uci_section, options, 32, 16);
CHECK_FIELD(struct uci_section, package, 48, 8);
CHECK_FIELD(struct uci_section, anonymous, 56, 1);
CHECK_FIELD(struct uci_section, type, 64, 8);

/* §3.7 uci_option */
CHECK_FIELD(struct uci_option, e, 0, 32);
CHECK_FIELD(struct uci_option, section, 32, 8);
CHECK_FIELD(struct uci_option, type, 40, 4);
CHECK_FIELD(struct uci_option, v, 48, 16);
CHECK_FIELD(struct uci_option, v.list, 48, 16);
CHECK_FIELD(struct uci_option, v.string, 48, 8);

/* §3.8 uci_delta */
CHECK_FIELD(struct uci_delta, e, 0, 32);
CHECK_FIELD(struct uci_delta, cmd, 32, 4);
CHECK_FIELD(struct uci_delta, section, 40, 8);
CHECK_FIELD(struct uci_delta, value, 48, 8);

/* §3.9 uci_ptr */
CHECK_FIELD(struct uci_ptr, target, 0, 4);
CHECK_FIELD(struct uci_ptr, flags, 4, 4);
CHECK_FIELD(struct uci_ptr, p, 8, 8);
CHECK_FIELD(struct uci_ptr, s, 16, 8);
CHECK_FIELD(struct uci_ptr, o, 24, 8);
CHECK_FIELD(struct uci_ptr, last, 32, 8);
CHECK_FIELD(struct uci_ptr, package, 40, 8);
CHECK_FIELD(struct uci_ptr, section, 48, 8);
CHECK_FIELD(struct uci_ptr, option, 56, 8);
CHECK_FIELD(struct uci_ptr, value, 64, 8);

/* §3.10 uci_parse_option */
CHECK_FIELD(struct uci_parse_option, name, 0, 8);
CHECK_FIELD(struct uci_parse_option, type, 8, 4);

/* §2.2 error codes */
CHECK_VAL(UCI_OK, 0);
CHECK_VAL(UCI_ERR_MEM, 1);
CHECK_VAL(UCI_ERR_INVAL, 2);
CHECK_VAL(UCI_ERR_NOTFOUND, 3);
CHECK_VAL(UCI_ERR_IO, 4);
CHECK_VAL(UCI_ERR_PARSE, 5);
CHECK_VAL(UCI_ERR_DUPLICATE, 6);
CHECK_VAL(UCI_ERR_UNKNOWN, 7);
CHECK_VAL(UCI_ERR_LAST, 8);

/* §2.3 enum uci_type and the lower-case aliases */
CHECK_VAL(UCI_TYPE_UNSPEC, 0);
CHECK_VAL(UCI_TYPE_DELTA, 1);
CHECK_VAL(UCI_TYPE_PACKAGE, 2);
CHECK_VAL(UCI_TYPE_SECTION, 3);
CHECK_VAL(UCI_TYPE_OPTION, 4);
CHECK_VAL(UCI_TYPE_PATH, 5);
CHECK_VAL(UCI_TYPE_BACKEND, 6);
CHECK_VAL(UCI_TYPE_ITEM, 7);
CHECK_VAL(UCI_TYPE_HOOK, 8);
CHECK_VAL(uci_type_backend, 6);
CHECK_VAL(uci_type_delta, 1);
CHECK_VAL(uci_type_package, 2);
CHECK_VAL(uci_type_section, 3);
CHECK_VAL(uci_type_option, 4);

/* §2.4 enum uci_option_type */
CHECK_VAL(UCI_TYPE_STRING, 0);
CHECK_VAL(UCI_TYPE_LIST, 1);

/* §2.5 enum uci_flags */
CHECK_VAL(UCI_FLAG_STRICT, 1);
CHECK_VAL(UCI_FLAG_PERROR, 2);
CHECK_VAL(UCI_FLAG_EXPORT_NAME, 4);
CHECK_VAL(UCI_FLAG_SAVED_DELTA, 8);

/* §2.6 enum uci_command */
CHECK_VAL(UCI_CMD_ADD, 0);
CHECK_VAL(UCI_CMD_REMOVE, 1);
CHECK_VAL(UCI_CMD_CHANGE, 2);
CHECK_VAL(UCI_CMD_RENAME, 3);
CHECK_VAL(UCI_CMD_REORDER, 4);
CHECK_VAL(UCI_CMD_LIST_ADD, 5);
CHECK_VAL(UCI_CMD_LIST_DEL, 6);
CHECK_VAL(__UCI_CMD_MAX, 7);
CHECK_VAL(__UCI_CMD_LAST, 6);

/* §2.7 uci_ptr lookup flags (file-scope enumerators) */
CHECK_VAL(UCI_LOOKUP_DONE, 1);
CHECK_VAL(UCI_LOOKUP_COMPLETE, 2);
CHECK_VAL(UCI_LOOKUP_EXTENDED, 4);

/* §2.1 #defines */
CHECK_VAL(UCI_DIRMODE, 0700);
CHECK_VAL(UCI_FILEMODE, 0600);
CHECK_VAL(BITS_PER_LONG, 8 * sizeof(unsigned long));
_Static_assert(sizeof(UCI_CONFDIR) == sizeof("/etc/config"), "UCI_CONFDIR length");
_Static_assert(sizeof(UCI_SAVEDIR) == sizeof("/tmp/.uci"), "UCI_SAVEDIR length");
_Static_assert(sizeof(UCI_CONF2DIR) == sizeof("/var/run/uci"), "UCI_CONF2DIR length");

/* §5 uci_dataptr is "just past the struct" */
_Static_assert(sizeof(*(struct uci_section *) 0) == 72, "uci_dataptr(section)");

#define PSIZE(t) printf("sizeof(%s) = %zu, align %zu\n", #t, sizeof(t), (size_t) __alignof__(t))
#define PFIELD(t, f) printf("%-24s %-13s offset %3zu size %3zu\n", #t, #f, offsetof(t, f), MSZ(t, f))
#define PVAL(x) printf("%-22s = %ld\n", #x, (long) (x))

static int fail;

static void check_str(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		printf("MISMATCH %s: \"%s\" != \"%s\"\n", name, got, want);
		fail = 1;
	}
	printf("%-12s = \"%s\"\n", name, got);
}

int main(void)
{
	struct uci_section sec;
	struct uci_list head;
	unsigned long bits[3] = { 0, 0, 0 };

	PSIZE(struct uci_list);
	PSIZE(struct uci_element);
	PSIZE(struct uci_backend);
	PSIZE(struct uci_context);
	PSIZE(struct uci_package);
	PSIZE(struct uci_section);
	PSIZE(struct uci_option);
	PSIZE(struct uci_delta);
	PSIZE(struct uci_ptr);
	PSIZE(struct uci_parse_option);
	PSIZE(jmp_buf);

	PFIELD(struct uci_list, next);
	PFIELD(struct uci_list, prev);
	PFIELD(struct uci_element, list);
	PFIELD(struct uci_element, type);
	PFIELD(struct uci_element, name);
	PFIELD(struct uci_backend, e);
	PFIELD(struct uci_backend, list_configs);
	PFIELD(struct uci_backend, load);
	PFIELD(struct uci_backend, commit);
	PFIELD(struct uci_backend, ptr);
	PFIELD(struct uci_backend, priv);
	PFIELD(struct uci_context, root);
	PFIELD(struct uci_context, pctx);
	PFIELD(struct uci_context, backend);
	PFIELD(struct uci_context, backends);
	PFIELD(struct uci_context, flags);
	PFIELD(struct uci_context, confdir);
	PFIELD(struct uci_context, savedir);
	PFIELD(struct uci_context, conf2dir);
	PFIELD(struct uci_context, delta_path);
	PFIELD(struct uci_context, err);
	PFIELD(struct uci_context, func);
	PFIELD(struct uci_context, trap);
	PFIELD(struct uci_context, internal);
	PFIELD(struct uci_context, nested);
	PFIELD(struct uci_context, buf);
	PFIELD(struct uci_context, bufsz);
	PFIELD(struct uci_package, e);
	PFIELD(struct uci_package, sections);
	PFIELD(struct uci_package, ctx);
	PFIELD(struct uci_package, has_delta);
	PFIELD(struct uci_package, uses_conf2);
	PFIELD(struct uci_package, path);
	PFIELD(struct uci_package, backend);
	PFIELD(struct uci_package, priv);
	PFIELD(struct uci_package, n_section);
	PFIELD(struct uci_package, delta);
	PFIELD(struct uci_package, saved_delta);
	PFIELD(struct uci_section, e);
	PFIELD(struct uci_section, options);
	PFIELD(struct uci_section, package);
	PFIELD(struct uci_section, anonymous);
	PFIELD(struct uci_section, type);
	PFIELD(struct uci_option, e);
	PFIELD(struct uci_option, section);
	PFIELD(struct uci_option, type);
	PFIELD(struct uci_option, v);
	PFIELD(struct uci_option, v.list);
	PFIELD(struct uci_option, v.string);
	PFIELD(struct uci_delta, e);
	PFIELD(struct uci_delta, cmd);
	PFIELD(struct uci_delta, section);
	PFIELD(struct uci_delta, value);
	PFIELD(struct uci_ptr, target);
	PFIELD(struct uci_ptr, flags);
	PFIELD(struct uci_ptr, p);
	PFIELD(struct uci_ptr, s);
	PFIELD(struct uci_ptr, o);
	PFIELD(struct uci_ptr, last);
	PFIELD(struct uci_ptr, package);
	PFIELD(struct uci_ptr, section);
	PFIELD(struct uci_ptr, option);
	PFIELD(struct uci_ptr, value);
	PFIELD(struct uci_parse_option, name);
	PFIELD(struct uci_parse_option, type);

	PVAL(UCI_OK);
	PVAL(UCI_ERR_MEM);
	PVAL(UCI_ERR_INVAL);
	PVAL(UCI_ERR_NOTFOUND);
	PVAL(UCI_ERR_IO);
	PVAL(UCI_ERR_PARSE);
	PVAL(UCI_ERR_DUPLICATE);
	PVAL(UCI_ERR_UNKNOWN);
	PVAL(UCI_ERR_LAST);
	PVAL(UCI_TYPE_UNSPEC);
	PVAL(UCI_TYPE_DELTA);
	PVAL(UCI_TYPE_PACKAGE);
	PVAL(UCI_TYPE_SECTION);
	PVAL(UCI_TYPE_OPTION);
	PVAL(UCI_TYPE_PATH);
	PVAL(UCI_TYPE_BACKEND);
	PVAL(UCI_TYPE_ITEM);
	PVAL(UCI_TYPE_HOOK);
	PVAL(uci_type_backend);
	PVAL(uci_type_delta);
	PVAL(uci_type_package);
	PVAL(uci_type_section);
	PVAL(uci_type_option);
	PVAL(UCI_TYPE_STRING);
	PVAL(UCI_TYPE_LIST);
	PVAL(UCI_FLAG_STRICT);
	PVAL(UCI_FLAG_PERROR);
	PVAL(UCI_FLAG_EXPORT_NAME);
	PVAL(UCI_FLAG_SAVED_DELTA);
	PVAL(UCI_CMD_ADD);
	PVAL(UCI_CMD_REMOVE);
	PVAL(UCI_CMD_CHANGE);
	PVAL(UCI_CMD_RENAME);
	PVAL(UCI_CMD_REORDER);
	PVAL(UCI_CMD_LIST_ADD);
	PVAL(UCI_CMD_LIST_DEL);
	PVAL(__UCI_CMD_MAX);
	PVAL(__UCI_CMD_LAST);
	PVAL(UCI_LOOKUP_DONE);
	PVAL(UCI_LOOKUP_COMPLETE);
	PVAL(UCI_LOOKUP_EXTENDED);
	PVAL(UCI_DIRMODE);
	PVAL(UCI_FILEMODE);
	PVAL(BITS_PER_LONG);
	check_str("UCI_CONFDIR", UCI_CONFDIR, "/etc/config");
	check_str("UCI_SAVEDIR", UCI_SAVEDIR, "/tmp/.uci");
	check_str("UCI_CONF2DIR", UCI_CONF2DIR, "/var/run/uci");

	/* run-time checks of the header-only helpers */
	head.next = head.prev = &head;
	if (!uci_list_empty(&head)) {
		printf("MISMATCH uci_list_empty\n");
		fail = 1;
	}
	memset(&sec, 0, sizeof(sec));
	sec.e.type = UCI_TYPE_SECTION;
	if (uci_dataptr(&sec) - (char *) &sec != 72 || uci_to_section(&sec.e) != &sec) {
		printf("MISMATCH uci_dataptr/uci_to_section\n");
		fail = 1;
	}
	uci_bitfield_set(bits, 1);
	uci_bitfield_set(bits, 65);
	uci_bitfield_set(bits, 191);
	if (bits[0] != 2UL || bits[1] != 2UL || bits[2] != (1UL << 63)) {
		printf("MISMATCH uci_bitfield_set\n");
		fail = 1;
	}
	printf("%s\n", fail ? "FAILED" : "all layout checks passed");
	return fail;
}
