/*
 * blob_edge.c - the uci_blob helpers on edge cases, each result written
 * down from libuci-abi.md §6.28 (blobmsg JSON from libubox's
 * blobmsg_format_json, attribute types, return values, equality, diff bits).
 *
 * Built against uci-compat/include, libuci.so and the libubox that libuci.so
 * links (-lubox -lblobmsg_json).  Usage: blob_edge SCRATCH_DIR
 */
#include "check.h"

#include <stddef.h>
#include <libubox/blobmsg_json.h>
#include <uci_blob.h>

/* libuci-abi.md §3.12 */
_Static_assert(sizeof(struct uci_blob_param_info) == 4, "uci_blob_param_info size");
_Static_assert(offsetof(struct uci_blob_param_info, type) == 0, "info.type");
_Static_assert(sizeof(struct uci_blob_param_list) == 40, "uci_blob_param_list size");
_Static_assert(offsetof(struct uci_blob_param_list, n_params) == 0, "n_params");
_Static_assert(offsetof(struct uci_blob_param_list, params) == 8, "params");
_Static_assert(offsetof(struct uci_blob_param_list, info) == 16, "info");
_Static_assert(offsetof(struct uci_blob_param_list, validate) == 24, "validate");
_Static_assert(offsetof(struct uci_blob_param_list, n_next) == 32, "n_next");
_Static_assert(offsetof(struct uci_blob_param_list, next) == 40, "next");
_Static_assert(sizeof(struct blobmsg_policy) == 16, "blobmsg_policy size");
_Static_assert(BLOBMSG_TYPE_ARRAY == 1 && BLOBMSG_TYPE_STRING == 3 && BLOBMSG_TYPE_INT64 == 4 &&
	       BLOBMSG_TYPE_INT32 == 5 && BLOBMSG_TYPE_BOOL == 7 && BLOBMSG_TYPE_LAST == 8,
	       "blobmsg types");

static const char edge_config[] =
	"config iface 'a'\n"
	"\toption proto 'static'\n"
	"\toption mtu '1500'\n"
	"\toption auto '1'\n"
	"\toption enabled 'false'\n"
	"\toption ipaddr '10.0.0.1 10.0.0.2\t 10.0.0.3 '\n"
	"\tlist dns '1.1.1.1'\n"
	"\tlist dns ''\n"
	"\tlist dns '8.8.8.8'\n"
	"\toption hex '0x10'\n"
	"\toption oct '010'\n"
	"\toption neg '-1'\n"
	"\toption big '4294967297'\n"
	"\toption huge '99999999999999999999'\n"
	"\toption empty ''\n"	/* ignored by the parser: no such option */
	"\toption spaced ' 5'\n"
	"\toption trail '5 '\n"
	"\toption yes 'yes'\n"
	"\toption upper 'TRUE'\n"
	"\toption i64 '-9223372036854775808'\n"
	"\toption ports '1 2 x 3'\n"
	"\tlist ifname 'eth0'\n"
	"\tlist ifname 'eth1'\n"
	"\toption blank ' \t '\n"
	"\toption nl 'a\nb c'\n"
	"\n"
	"config types 't'\n"
	"\toption v '7'\n"
	"\tlist l 'true'\n"
	"\tlist l 'no'\n"
	"\tlist l '0'\n"
	"\n"
	"config dev 'd'\n"
	"\toption name 'br-lan'\n"
	"\toption mtu '1500'\n"
	"\toption proto 'x'\n"
	"\n"
	"config dev 'd2'\n"
	"\toption name 'br-lan'\n"
	"\toption mtu '1492'\n"
	"\toption proto 'x'\n"
	"\n"
	"config dev 'd3'\n"
	"\toption name 'br-wan0'\n"
	"\toption proto 'x'\n"
	"\n"
	"config empty 'e'\n";

/* ---- policy 1: the conversions ---- */
enum {
	P1_PROTO, P1_MTU, P1_AUTO, P1_ENABLED, P1_IPADDR, P1_DNS, P1_DNS_STR,
	P1_HEX, P1_OCT, P1_NEG, P1_BIG, P1_HUGE, P1_EMPTY, P1_SPACED, P1_TRAIL,
	P1_YES, P1_UPPER, P1_I64, P1_PORTS, P1_IFNAME, P1_BLANK, P1_NL,
	P1_MISSING, __P1_MAX
};

static const struct blobmsg_policy p1[__P1_MAX] = {
	[P1_PROTO] = { "proto", BLOBMSG_TYPE_STRING },
	[P1_MTU] = { "mtu", BLOBMSG_TYPE_INT32 },
	[P1_AUTO] = { "auto", BLOBMSG_TYPE_BOOL },
	[P1_ENABLED] = { "enabled", BLOBMSG_TYPE_BOOL },
	[P1_IPADDR] = { "ipaddr", BLOBMSG_TYPE_ARRAY },
	[P1_DNS] = { "dns", BLOBMSG_TYPE_ARRAY },
	[P1_DNS_STR] = { "dns", BLOBMSG_TYPE_STRING },
	[P1_HEX] = { "hex", BLOBMSG_TYPE_INT32 },
	[P1_OCT] = { "oct", BLOBMSG_TYPE_INT32 },
	[P1_NEG] = { "neg", BLOBMSG_TYPE_INT32 },
	[P1_BIG] = { "big", BLOBMSG_TYPE_INT32 },
	[P1_HUGE] = { "huge", BLOBMSG_TYPE_INT32 },
	[P1_EMPTY] = { "empty", BLOBMSG_TYPE_INT32 },
	[P1_SPACED] = { "spaced", BLOBMSG_TYPE_INT32 },
	[P1_TRAIL] = { "trail", BLOBMSG_TYPE_INT32 },
	[P1_YES] = { "yes", BLOBMSG_TYPE_BOOL },
	[P1_UPPER] = { "upper", BLOBMSG_TYPE_BOOL },
	[P1_I64] = { "i64", BLOBMSG_TYPE_INT64 },
	[P1_PORTS] = { "ports", BLOBMSG_TYPE_ARRAY },
	[P1_IFNAME] = { "ifname", BLOBMSG_TYPE_STRING },
	[P1_BLANK] = { "blank", BLOBMSG_TYPE_ARRAY },
	[P1_NL] = { "nl", BLOBMSG_TYPE_ARRAY },
	[P1_MISSING] = { "missing", BLOBMSG_TYPE_STRING },
};

static const struct uci_blob_param_info p1_info[__P1_MAX] = {
	[P1_PORTS] = { BLOBMSG_TYPE_INT32 },
};

static const char * const p1_validate[__P1_MAX] = {
	[P1_PROTO] = "or(\"dhcp\")",
	[P1_MTU] = "range(2000,3000)",
	[P1_AUTO] = "garbage((",
};

static const struct uci_blob_param_list list1 = {
	.n_params = __P1_MAX, .params = p1, .info = p1_info,
};

static const struct uci_blob_param_list list1_validate = {
	.n_params = __P1_MAX, .params = p1, .info = p1_info, .validate = p1_validate,
};

/* without info: the ports array holds strings */
static const struct uci_blob_param_list list1_noinfo = {
	.n_params = __P1_MAX, .params = p1,
};

/* ---- policy 2: every type on one option ---- */
static const struct blobmsg_policy p2[] = {
	{ "v", BLOBMSG_TYPE_UNSPEC },
	{ "v", BLOBMSG_TYPE_TABLE },
	{ "v", BLOBMSG_TYPE_INT16 },
	{ "v", BLOBMSG_TYPE_DOUBLE },
	{ "v", BLOBMSG_CAST_INT64 },
	{ "v", (enum blobmsg_type) 100 },
	{ "v", BLOBMSG_TYPE_STRING },
	{ "v", BLOBMSG_TYPE_STRING },
	{ "v", BLOBMSG_TYPE_INT64 },
	{ "v", BLOBMSG_TYPE_INT32 },
	{ "v", BLOBMSG_TYPE_BOOL },
	{ "v", BLOBMSG_TYPE_ARRAY },
	{ "v", BLOBMSG_TYPE_ARRAY },
	{ "l", BLOBMSG_TYPE_ARRAY },
	{ "l", BLOBMSG_TYPE_STRING },
	{ "l", BLOBMSG_TYPE_BOOL },
};

static const struct uci_blob_param_info p2_info[] = {
	[11] = { BLOBMSG_TYPE_INT64 },
	[12] = { BLOBMSG_TYPE_STRING },
	[13] = { BLOBMSG_TYPE_BOOL },
};

static const struct uci_blob_param_list list2 = {
	.n_params = sizeof(p2) / sizeof(p2[0]), .params = p2, .info = p2_info,
};

/* array element types that convert nothing */
static const struct blobmsg_policy p2b[] = {
	{ "l", BLOBMSG_TYPE_ARRAY },
};
static const struct uci_blob_param_info p2b_table[] = { { BLOBMSG_TYPE_TABLE } };
static const struct uci_blob_param_info p2b_int16[] = { { BLOBMSG_TYPE_INT16 } };
static const struct uci_blob_param_info p2b_high[] = { { (enum blobmsg_type) 200 } };
static const struct uci_blob_param_list list2_table = { .n_params = 1, .params = p2b, .info = p2b_table };
static const struct uci_blob_param_list list2_int16 = { .n_params = 1, .params = p2b, .info = p2b_int16 };
static const struct uci_blob_param_list list2_high = { .n_params = 1, .params = p2b, .info = p2b_high };

/* ---- next[] chains ---- */
static const struct blobmsg_policy p5[] = { { "proto", BLOBMSG_TYPE_STRING } };
static const struct uci_blob_param_list list5 = { .n_params = 1, .params = p5 };

static const struct blobmsg_policy p4[] = {
	{ "mtu", BLOBMSG_TYPE_INT32 },
	{ "name", BLOBMSG_TYPE_STRING },
};
static const struct uci_blob_param_list list4 = {
	.n_params = 2, .params = p4, .n_next = 1, .next = { &list5 },
};

static const struct blobmsg_policy p3[] = { { "name", BLOBMSG_TYPE_STRING } };
static const struct uci_blob_param_list list3 = {
	.n_params = 1, .params = p3, .n_next = 1, .next = { &list4 },
};

/* two levels: check_equal follows only the first */
static const struct blobmsg_policy p8[] = { { "mtu", BLOBMSG_TYPE_INT32 } };
static const struct uci_blob_param_list list8 = { .n_params = 1, .params = p8 };
static const struct uci_blob_param_list list7 = {
	.n_params = 1, .params = p3, .n_next = 1, .next = { &list8 },
};
static const struct uci_blob_param_list list6 = {
	.n_params = 1, .params = p3, .n_next = 1, .next = { &list7 },
};
static const struct uci_blob_param_list list6b = {
	.n_params = 1, .params = p3, .n_next = 2, .next = { &list7, &list8 },
};

/* an empty table */
static const struct uci_blob_param_list list_none = { .n_params = 0, .params = p3 };

/* 70 entries, "mtu" at 65 and "name" at 3: diff bits in the second word */
static struct blobmsg_policy p70[70];
static struct uci_blob_param_list list70 = { .n_params = 70, .params = p70 };

static struct uci_context *ctx;
static struct uci_package *pkg;

static struct uci_section *sec(const char *name)
{
	struct uci_section *s = uci_lookup_section(ctx, pkg, name);

	if (!s) {
		printf("no section %s\n", name);
		exit(2);
	}
	return s;
}

/* uci_to_blob into a fresh buffer; *json = blobmsg_format_json (malloc'ed) */
static int to_blob(struct blob_buf *b, const char *s, const struct uci_blob_param_list *p, char **json)
{
	int n;

	blob_buf_init(b, 0);
	n = uci_to_blob(b, sec(s), p);
	*json = blobmsg_format_json(b->head, true);
	return n;
}

/* the blobmsg types of the top-level attributes, e.g. "3,5,1" */
static void types_of(struct blob_attr *head, char *out, size_t len)
{
	struct blob_attr *cur;
	size_t rem, used = 0;

	out[0] = 0;
	blobmsg_for_each_attr(cur, head, rem)
		used += snprintf(out + used, len - used, "%s%d", used ? "," : "", blobmsg_type(cur));
}

#define CHECK_BLOB(sname, list, want_n, want_json)			\
	do {								\
		struct blob_buf b_ = { 0 };				\
		char *j_ = NULL;					\
		int n_ = to_blob(&b_, sname, list, &j_);		\
		CHECK(n_ == (want_n));					\
		if (n_ != (want_n))					\
			printf("  count %d, want %d\n", n_, want_n);	\
		CHECK_STR(j_, want_json);				\
		free(j_);						\
		blob_buf_free(&b_);					\
	} while (0)

static void conversions(void)
{
	const char *want =
		"{\"proto\":\"static\",\"mtu\":1500,\"auto\":true,\"enabled\":false,"
		"\"ipaddr\":[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\"],"
		"\"dns\":[\"1.1.1.1\",\"\",\"8.8.8.8\"],"
		"\"hex\":16,\"oct\":8,\"neg\":-1,\"big\":1,\"huge\":-1,"
		"\"spaced\":5,\"i64\":-9223372036854775808,\"ports\":[1,2,3],"
		"\"blank\":[],\"nl\":[\"a\\nb\",\"c\"]}";

	CHECK_BLOB("a", &list1, 16, want);
	/* validate strings are not read */
	CHECK_BLOB("a", &list1_validate, 16, want);
	/* without info the array elements are strings */
	{
		struct blob_buf b = { 0 };
		char *j = NULL;

		CHECK(to_blob(&b, "a", &list1_noinfo, &j) == 16);
		CHECK(strstr(j, "\"ports\":[\"1\",\"2\",\"x\",\"3\"]") != NULL);
		free(j);
		blob_buf_free(&b);
	}
	/* nothing matches in other sections; a section without options */
	CHECK_BLOB("d", &list1, 2, "{\"mtu\":1500,\"proto\":\"x\"}");
	CHECK_BLOB("e", &list1, 0, "{}");
	CHECK_BLOB("a", &list_none, 0, "{}");
}

static void types(void)
{
	struct blob_buf b = { 0 };
	char *j = NULL, t[64];

	/* STRING once (the second STRING entry is skipped), INT64, INT32, BOOL
	 * "7" does not convert, the first ARRAY only; UNSPEC, TABLE, INT16,
	 * DOUBLE add nothing, CAST_INT64 and 100 are above LAST; list l: the
	 * ARRAY with BOOL elements ("no" does not convert), STRING and BOOL
	 * entries skip a list */
	CHECK(to_blob(&b, "t", &list2, &j) == 5);
	CHECK_STR(j, "{\"v\":\"7\",\"v\":7,\"v\":7,\"v\":[7],\"l\":[true,false]}");
	types_of(b.head, t, sizeof(t));
	CHECK_STR(t, "3,4,5,1,1");
	free(j);
	blob_buf_free(&b);

	CHECK_BLOB("t", &list2_table, 1, "{\"l\":[]}");
	CHECK_BLOB("t", &list2_int16, 1, "{\"l\":[]}");
	CHECK_BLOB("t", &list2_high, 1, "{\"l\":[]}");
}

static void chains(void)
{
	/* list3 -> list4 -> list5: each table over all options in option order */
	CHECK_BLOB("d", &list3, 4, "{\"name\":\"br-lan\",\"name\":\"br-lan\",\"mtu\":1500,\"proto\":\"x\"}");
	CHECK_BLOB("d", &list4, 3, "{\"name\":\"br-lan\",\"mtu\":1500,\"proto\":\"x\"}");
	CHECK_BLOB("d", &list6, 3, "{\"name\":\"br-lan\",\"name\":\"br-lan\",\"mtu\":1500}");
	CHECK_BLOB("d3", &list6b, 2, "{\"name\":\"br-wan0\",\"name\":\"br-wan0\"}");
}

static void equality(void)
{
	struct blob_buf a = { 0 }, b = { 0 }, c = { 0 };
	struct blob_attr *tb1[2], *tb2[2], *tb3[2];
	struct blob_attr *t1[70], *t2[70];
	unsigned long bits[2];
	char *j;

	to_blob(&a, "d", &list3, &j);
	free(j);
	to_blob(&b, "d2", &list3, &j);
	free(j);
	to_blob(&c, "d3", &list3, &j);
	free(j);

	CHECK(uci_blob_check_equal(NULL, NULL, &list3));
	CHECK(!uci_blob_check_equal(a.head, NULL, &list3));
	CHECK(!uci_blob_check_equal(NULL, b.head, &list3));
	CHECK(uci_blob_check_equal(a.head, a.head, &list3));
	/* name equal under list3, mtu differs under next[0] = list4 */
	CHECK(!uci_blob_check_equal(a.head, b.head, &list3));
	CHECK(uci_blob_check_equal(a.head, b.head, &list5));
	/* list6 -> list7 -> list8 (mtu): only one level of next[] */
	CHECK(uci_blob_check_equal(a.head, b.head, &list6));
	CHECK(!uci_blob_check_equal(a.head, b.head, &list6b));
	CHECK(uci_blob_check_equal(a.head, b.head, &list_none));
	/* d3 lacks mtu and has another name */
	CHECK(uci_blob_check_equal(a.head, c.head, &list5));
	CHECK(!uci_blob_check_equal(a.head, c.head, &list3));

	blobmsg_parse(p4, 2, tb1, blob_data(a.head), blob_len(a.head));
	blobmsg_parse(p4, 2, tb2, blob_data(b.head), blob_len(b.head));
	blobmsg_parse(p4, 2, tb3, blob_data(c.head), blob_len(c.head));

	CHECK(!uci_blob_diff(tb1, tb1, &list4, NULL));
	bits[0] = bits[1] = 0;
	CHECK(!uci_blob_diff(tb1, tb1, &list4, bits));
	CHECK(bits[0] == 0);
	/* same length, other bytes (1500 vs 1492): bit 0 */
	CHECK(uci_blob_diff(tb1, tb2, &list4, NULL));
	CHECK(uci_blob_diff(tb1, tb2, &list4, bits));
	CHECK(bits[0] == 1);
	/* missing mtu (bit 0) and longer name (bit 1); bits are only set */
	bits[0] = 0x100;
	CHECK(uci_blob_diff(tb1, tb3, &list4, bits));
	CHECK(bits[0] == 0x103);
	bits[0] = 0;
	CHECK(uci_blob_diff(tb3, tb1, &list4, bits));
	CHECK(bits[0] == 3);
	/* both missing: equal */
	tb1[0] = NULL;
	bits[0] = 0;
	CHECK(!uci_blob_diff(tb1, tb3, &list8, bits));
	CHECK(bits[0] == 0);

	/* second word */
	blobmsg_parse(p70, 70, t1, blob_data(a.head), blob_len(a.head));
	blobmsg_parse(p70, 70, t2, blob_data(b.head), blob_len(b.head));
	bits[0] = bits[1] = 0;
	CHECK(uci_blob_diff(t1, t2, &list70, bits));
	CHECK(bits[0] == 0 && bits[1] == (1UL << 1));
	blobmsg_parse(p70, 70, t2, blob_data(c.head), blob_len(c.head));
	bits[0] = bits[1] = 0;
	CHECK(uci_blob_diff(t1, t2, &list70, bits));
	CHECK(bits[0] == (1UL << 3) && bits[1] == (1UL << 1));
	CHECK(uci_blob_check_equal(a.head, b.head, &list70) == false);
	CHECK(uci_blob_diff(t1, t2, &list_none, NULL) == false);

	blob_buf_free(&a);
	blob_buf_free(&b);
	blob_buf_free(&c);
}

/* the helpers follow edits made through the API */
static void after_edits(void)
{
	struct uci_ptr ptr;
	char buf[64];

	strcpy(buf, "edge.d.mtu=9000");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK);
	CHECK(uci_set(ctx, &ptr) == UCI_OK);
	strcpy(buf, "edge.d.name=eth0 eth1");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK);
	CHECK(uci_set(ctx, &ptr) == UCI_OK);
	strcpy(buf, "edge.d.proto");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK);
	CHECK(uci_delete(ctx, &ptr) == UCI_OK);
	strcpy(buf, "edge.d.proto=p1");
	CHECK(uci_lookup_ptr(ctx, &ptr, buf, true) == UCI_OK);
	CHECK(uci_add_list(ctx, &ptr) == UCI_OK);
	/* proto is now a list at the end: list5's STRING entry skips it */
	CHECK_BLOB("d", &list3, 3, "{\"name\":\"eth0 eth1\",\"name\":\"eth0 eth1\",\"mtu\":9000}");
	{
		static const struct blobmsg_policy pa[] = {
			{ "name", BLOBMSG_TYPE_ARRAY }, { "proto", BLOBMSG_TYPE_ARRAY },
		};
		static const struct uci_blob_param_list la = { .n_params = 2, .params = pa };

		CHECK_BLOB("d", &la, 2, "{\"name\":[\"eth0\",\"eth1\"],\"proto\":[\"p1\"]}");
	}
}

int main(int argc, char **argv)
{
	int i;

	enter_scratch(argc, argv);
	mkdir("config", 0700);
	write_file("config/edge", edge_config);
	for (i = 0; i < 70; i++) {
		p70[i].name = "zz";
		p70[i].type = BLOBMSG_TYPE_STRING;
	}
	p70[3].name = "name";
	p70[65].name = "mtu";
	p70[65].type = BLOBMSG_TYPE_INT32;

	ctx = uci_alloc_context();
	uci_set_confdir(ctx, "config");
	uci_set_savedir(ctx, "save");
	CHECK(uci_load(ctx, "edge", &pkg) == UCI_OK);
	if (!pkg)
		return check_done("blob_edge");

	conversions();
	types();
	chains();
	equality();
	after_edits();

	uci_free_context(ctx);
	return check_done("blob_edge");
}
