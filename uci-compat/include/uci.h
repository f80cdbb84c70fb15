/*
 * uci.h - public C interface of libuci.so as provided by ucix.
 *
 * ucix is a Rust re-implementation of OpenWrt's UCI.  This header was
 * written from the ucix interface specification (libuci-abi.md) so that
 * programs written for OpenWrt's libuci compile unchanged against it and
 * run against the ucix libuci.so.
 *
 * Layout is API: the macros and static inline helpers at the end of this
 * file are compiled into the consumer and read the structures directly, so
 * member order and types below must not change.  Sizes on x86_64 (LP64):
 *   uci_list 16, uci_element 32, uci_backend 72, uci_context 336,
 *   uci_package 128, uci_section 72, uci_option 64, uci_delta 56,
 *   uci_ptr 72, uci_parse_option 16.
 * uci-compat/tests/c/layout.c and uci-compat/src/abi.rs check every offset.
 */
#ifndef __LIBUCI_H
#define __LIBUCI_H

#include "uci_config.h"

#include <stdbool.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Default locations and file modes
 * ---------------------------------------------------------------------- */

#define UCI_CONFDIR	"/etc/config"	/* configuration files */
#define UCI_SAVEDIR	"/tmp/.uci"	/* saved, uncommitted changes */
#define UCI_CONF2DIR	"/var/run/uci"	/* override directory */
#define UCI_DIRMODE	0700		/* mode for directories uci creates */
#define UCI_FILEMODE	0600		/* mode for files uci creates */

/* ------------------------------------------------------------------------
 * Error codes: returned by the API and stored in ctx->err
 * ---------------------------------------------------------------------- */

enum {
	UCI_OK = 0,
	UCI_ERR_MEM = 1,
	UCI_ERR_INVAL = 2,
	UCI_ERR_NOTFOUND = 3,
	UCI_ERR_IO = 4,
	UCI_ERR_PARSE = 5,
	UCI_ERR_DUPLICATE = 6,
	UCI_ERR_UNKNOWN = 7,
	UCI_ERR_LAST = 8	/* number of codes, not an error itself */
};

/* ------------------------------------------------------------------------
 * Forward declarations
 * ---------------------------------------------------------------------- */

struct uci_list;
struct uci_element;
struct uci_backend;
struct uci_context;
struct uci_package;
struct uci_section;
struct uci_option;
struct uci_delta;
struct uci_ptr;
struct uci_parse_option;
struct uci_parse_context;	/* opaque parser state */

/* ------------------------------------------------------------------------
 * Enumerations
 * ---------------------------------------------------------------------- */

/* type tag stored in every struct uci_element */
enum uci_type {
	UCI_TYPE_UNSPEC = 0,
	UCI_TYPE_DELTA = 1,	/* struct uci_delta */
	UCI_TYPE_PACKAGE = 2,	/* struct uci_package */
	UCI_TYPE_SECTION = 3,	/* struct uci_section */
	UCI_TYPE_OPTION = 4,	/* struct uci_option */
	UCI_TYPE_PATH = 5,	/* entry of ctx->delta_path */
	UCI_TYPE_BACKEND = 6,	/* struct uci_backend */
	UCI_TYPE_ITEM = 7,	/* value of a list option */
	UCI_TYPE_HOOK = 8	/* unused */
};

/* kind of value held by a struct uci_option */
enum uci_option_type {
	UCI_TYPE_STRING = 0,
	UCI_TYPE_LIST = 1
};

/* bits of ctx->flags */
enum uci_flags {
	UCI_FLAG_STRICT = (1 << 0),		/* abort on the first parse error */
	UCI_FLAG_PERROR = (1 << 1),		/* print parse errors to stderr */
	UCI_FLAG_EXPORT_NAME = (1 << 2),	/* export names of anonymous sections */
	UCI_FLAG_SAVED_DELTA = (1 << 3)		/* keep loaded deltas in p->saved_delta */
};

/* command of a struct uci_delta (one line of a delta file) */
enum uci_command {
	UCI_CMD_ADD = 0,
	UCI_CMD_REMOVE = 1,
	UCI_CMD_CHANGE = 2,
	UCI_CMD_RENAME = 3,
	UCI_CMD_REORDER = 4,
	UCI_CMD_LIST_ADD = 5,
	UCI_CMD_LIST_DEL = 6,
	__UCI_CMD_MAX = 7,
	__UCI_CMD_LAST = 6
};

/* lower-case spellings of some element types */
#define uci_type_backend	UCI_TYPE_BACKEND
#define uci_type_delta		UCI_TYPE_DELTA
#define uci_type_package	UCI_TYPE_PACKAGE
#define uci_type_section	UCI_TYPE_SECTION
#define uci_type_option		UCI_TYPE_OPTION

/*
 * Delta-file prefix character of each enum uci_command value
 * ('+', '-', none, '@', '^', '|', '~'); __UCI_CMD_MAX entries.
 */
extern char const uci_command_char[];

/* ------------------------------------------------------------------------
 * Structures
 * ---------------------------------------------------------------------- */

/* intrusive circular doubly linked list; an empty head points to itself */
struct uci_list {
	struct uci_list *next;
	struct uci_list *prev;
};

/* common header at offset 0 of packages, sections, options, deltas, ... */
struct uci_element {
	struct uci_list list;	/* link in the parent's list */
	enum uci_type type;
	char *name;
};

/* configuration storage backend (only the built-in "file" backend exists) */
struct uci_backend {
	struct uci_element e;
	char **(*list_configs)(struct uci_context *ctx);
	struct uci_package *(*load)(struct uci_context *ctx, const char *name);
	void (*commit)(struct uci_context *ctx, struct uci_package **p, bool overwrite);

	/* private */
	const void *ptr;
	void *priv;
};

/* library state; create with uci_alloc_context() */
struct uci_context {
	struct uci_list root;			/* loaded packages */
	struct uci_parse_context *pctx;		/* parser state (opaque) */
	struct uci_backend *backend;		/* active backend */
	struct uci_list backends;		/* available backends */
	enum uci_flags flags;			/* UCI_FLAG_* bits */

	char *confdir;
	char *savedir;
	char *conf2dir;				/* NULL: override disabled */
	struct uci_list delta_path;		/* delta search path, savedir last */

	/* private */
	int err;				/* last error code */
	const char *func;
	jmp_buf trap;
	bool internal;
	bool nested;
	char *buf;
	int bufsz;
};

/* one loaded configuration file */
struct uci_package {
	struct uci_element e;			/* e.name: package name */
	struct uci_list sections;
	struct uci_context *ctx;
	bool has_delta;				/* changes go to delta files */
	bool uses_conf2;			/* file came from conf2dir */
	char *path;				/* backing file */

	/* private */
	struct uci_backend *backend;
	void *priv;
	int n_section;
	struct uci_list delta;			/* unsaved changes */
	struct uci_list saved_delta;		/* changes read from delta files */
};

/* one "config" block */
struct uci_section {
	struct uci_element e;			/* e.name: section name */
	struct uci_list options;
	struct uci_package *package;
	bool anonymous;
	char *type;
};

/* one option or list */
struct uci_option {
	struct uci_element e;			/* e.name: option name */
	struct uci_section *section;
	enum uci_option_type type;
	union {
		struct uci_list list;		/* UCI_TYPE_LIST: UCI_TYPE_ITEM elements */
		char *string;			/* UCI_TYPE_STRING */
	} v;
};

/* one recorded change; e.name is the option name or NULL */
struct uci_delta {
	struct uci_element e;
	enum uci_command cmd;
	char *section;
	char *value;
};

/* parsed "package.section.option=value" tuple and its lookup result */
struct uci_ptr {
	enum uci_type target;
	enum {
		UCI_LOOKUP_DONE = (1 << 0),
		UCI_LOOKUP_COMPLETE = (1 << 1),
		UCI_LOOKUP_EXTENDED = (1 << 2)
	} flags;

	struct uci_package *p;
	struct uci_section *s;
	struct uci_option *o;
	struct uci_element *last;

	const char *package;
	const char *section;
	const char *option;
	const char *value;
};

/* one entry of the option table given to uci_parse_section() */
struct uci_parse_option {
	const char *name;
	enum uci_option_type type;
};

/* ------------------------------------------------------------------------
 * Functions exported by libuci.so
 * ---------------------------------------------------------------------- */

/* context */
extern struct uci_context *uci_alloc_context(void);
extern void uci_free_context(struct uci_context *ctx);

/* error reporting */
extern void uci_perror(struct uci_context *ctx, const char *str);
extern void uci_get_errorstr(struct uci_context *ctx, char **dest, const char *str);

/* reading and writing config text */
extern int uci_import(struct uci_context *ctx, FILE *stream, const char *name,
		      struct uci_package **package, bool single);
extern int uci_export(struct uci_context *ctx, FILE *stream,
		      struct uci_package *package, bool header);

/* packages */
extern int uci_load(struct uci_context *ctx, const char *name,
		    struct uci_package **package);
extern int uci_unload(struct uci_context *ctx, struct uci_package *p);

/* tuples and lookups */
extern int uci_parse_ptr(struct uci_context *ctx, struct uci_ptr *ptr, char *str);
extern int uci_lookup_ptr(struct uci_context *ctx, struct uci_ptr *ptr, char *str,
			  bool extended);
extern int uci_lookup_next(struct uci_context *ctx, struct uci_element **e,
			   struct uci_list *list, const char *name);

/* changes */
extern int uci_set(struct uci_context *ctx, struct uci_ptr *ptr);
extern int uci_add_section(struct uci_context *ctx, struct uci_package *p,
			   const char *type, struct uci_section **res);
extern int uci_delete(struct uci_context *ctx, struct uci_ptr *ptr);
extern int uci_add_list(struct uci_context *ctx, struct uci_ptr *ptr);
extern int uci_del_list(struct uci_context *ctx, struct uci_ptr *ptr);
extern int uci_rename(struct uci_context *ctx, struct uci_ptr *ptr);
extern int uci_reorder_section(struct uci_context *ctx, struct uci_section *s, int pos);

/* persistence */
extern int uci_save(struct uci_context *ctx, struct uci_package *p);
extern int uci_commit(struct uci_context *ctx, struct uci_package **p, bool overwrite);
extern int uci_revert(struct uci_context *ctx, struct uci_ptr *ptr);
extern int uci_list_configs(struct uci_context *ctx, char ***list);

/* directories and backend */
extern int uci_set_savedir(struct uci_context *ctx, const char *dir);
extern int uci_set_confdir(struct uci_context *ctx, const char *dir);
extern int uci_set_conf2dir(struct uci_context *ctx, const char *dir);
extern int uci_add_delta_path(struct uci_context *ctx, const char *dir);
extern int uci_set_backend(struct uci_context *ctx, const char *name);

/* helpers */
extern int uci_parse_argument(struct uci_context *ctx, FILE *stream,
			      char **str, char **result);
extern bool uci_validate_text(const char *str);
extern void uci_parse_section(struct uci_section *s,
			      const struct uci_parse_option *opts,
			      int n_opts, struct uci_option **tb);
extern uint32_t uci_hash_options(struct uci_option **tb, int n_opts);

/* ------------------------------------------------------------------------
 * Macros and inline helpers (compiled into the consumer)
 * ---------------------------------------------------------------------- */

#ifndef BITS_PER_LONG
#define BITS_PER_LONG (8 * sizeof(unsigned long))
#endif

/* set bit number `bit` in an array of unsigned long words */
static inline void uci_bitfield_set(unsigned long *bits, int bit)
{
	bits[bit / BITS_PER_LONG] |= (1UL << (bit % BITS_PER_LONG));
}

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *) (((char *) (ptr)) - offsetof(type, member)))
#endif

/* element whose `list` member is the given struct uci_list pointer */
#define list_to_element(ptr) \
	container_of(ptr, struct uci_element, list)

/* true if the list head has no members */
#define uci_list_empty(list) ((list)->next == (list))

/*
 * for (each struct uci_element *_ptr in the list headed by _list)
 * The body must not unlink or free _ptr.
 */
#define uci_foreach_element(_list, _ptr)				\
	for (_ptr = list_to_element((_list)->next);			\
	     &_ptr->list != (_list);					\
	     _ptr = list_to_element(_ptr->list.next))

/*
 * Same, but the successor is fetched into _tmp before the body runs, so the
 * body may unlink or free _ptr.
 */
#define uci_foreach_element_safe(_list, _tmp, _ptr)			\
	for (_ptr = list_to_element((_list)->next),			\
	     _tmp = list_to_element(_ptr->list.next);			\
	     &_ptr->list != (_list);					\
	     _ptr = _tmp, _tmp = list_to_element(_ptr->list.next))

/* address of the first byte after the object (inline payload) */
#define uci_dataptr(ptr) (((char *) (ptr)) + sizeof(*(ptr)))

#ifdef UCI_DEBUG_TYPECAST

/* names of enum uci_type values, in value order */
static const char *uci_typestr[]
#if defined(__GNUC__)
	__attribute__((__unused__))
#endif
	= {
	"unspec",	/* UCI_TYPE_UNSPEC */
	"delta",	/* UCI_TYPE_DELTA */
	"package",	/* UCI_TYPE_PACKAGE */
	"section",	/* UCI_TYPE_SECTION */
	"option",	/* UCI_TYPE_OPTION */
	"path",		/* UCI_TYPE_PATH */
	"backend",	/* UCI_TYPE_BACKEND */
	"item",		/* UCI_TYPE_ITEM */
	"hook",		/* UCI_TYPE_HOOK */
};

#if defined(__GNUC__)
__attribute__((__unused__))
#endif
static void uci_typecast_error(int from, int to)
{
	const int n = (int) (sizeof(uci_typestr) / sizeof(uci_typestr[0]));
	const char *f = (from >= 0 && from < n) ? uci_typestr[from] : "unknown";
	const char *t = (to >= 0 && to < n) ? uci_typestr[to] : "unknown";

	fprintf(stderr, "Invalid typecast from '%s' to '%s'\n", f, t);
}

/* checked casts: report a type mismatch on stderr, then cast anyway */
#define __UCI_CHECKED_CAST(_name, _tag)					\
static inline struct uci_ ## _name *uci_to_ ## _name(struct uci_element *e) \
{									\
	if (e && (int) e->type != (int) (_tag))				\
		uci_typecast_error((int) e->type, (int) (_tag));	\
	return (struct uci_ ## _name *) e;				\
}

__UCI_CHECKED_CAST(backend, UCI_TYPE_BACKEND)
__UCI_CHECKED_CAST(delta, UCI_TYPE_DELTA)
__UCI_CHECKED_CAST(package, UCI_TYPE_PACKAGE)
__UCI_CHECKED_CAST(section, UCI_TYPE_SECTION)
__UCI_CHECKED_CAST(option, UCI_TYPE_OPTION)

#undef __UCI_CHECKED_CAST

#else /* !UCI_DEBUG_TYPECAST */

#define uci_to_backend(ptr)	container_of(ptr, struct uci_backend, e)
#define uci_to_delta(ptr)	container_of(ptr, struct uci_delta, e)
#define uci_to_package(ptr)	container_of(ptr, struct uci_package, e)
#define uci_to_section(ptr)	container_of(ptr, struct uci_section, e)
#define uci_to_option(ptr)	container_of(ptr, struct uci_option, e)

#endif /* UCI_DEBUG_TYPECAST */

/*
 * Lookups in already loaded data (nothing is loaded from disk).  They go
 * through uci_lookup_next(), so ctx->err becomes 0 or UCI_ERR_NOTFOUND.
 */
static inline struct uci_package *
uci_lookup_package(struct uci_context *ctx, const char *name)
{
	struct uci_element *e = NULL;

	if (uci_lookup_next(ctx, &e, &ctx->root, name) == 0)
		return uci_to_package(e);
	return NULL;
}

static inline struct uci_section *
uci_lookup_section(struct uci_context *ctx, struct uci_package *p, const char *name)
{
	struct uci_element *e = NULL;

	if (uci_lookup_next(ctx, &e, &p->sections, name) == 0)
		return uci_to_section(e);
	return NULL;
}

static inline struct uci_option *
uci_lookup_option(struct uci_context *ctx, struct uci_section *s, const char *name)
{
	struct uci_element *e = NULL;

	if (uci_lookup_next(ctx, &e, &s->options, name) == 0)
		return uci_to_option(e);
	return NULL;
}

/* value of a string option, or NULL if missing or a list */
static inline const char *
uci_lookup_option_string(struct uci_context *ctx, struct uci_section *s, const char *name)
{
	struct uci_option *o;

	o = uci_lookup_option(ctx, s, name);
	if (!o || o->type != UCI_TYPE_STRING)
		return NULL;
	return o->v.string;
}

#ifdef __cplusplus
}
#endif

#endif /* __LIBUCI_H */
