/*
 * blob_netifd.c - config loading in the style of netifd/procd/odhcpd:
 * each section goes through uci_to_blob with the policy tables of its type
 * (interface -> proto-static and device tables -> bridge table, nested
 * next[] lists, ARRAY entries with element types), and through a table
 * built from the section's own option names with every policy type.
 *
 * Every result of libuci.so (count, blob bytes, uci_blob_check_equal
 * against the previous section of the same type, uci_blob_diff with bits
 * and with NULL) is compared with a second implementation of
 * libuci-abi.md §6.28 written here, which reads the C tree (s->options)
 * instead of the library's core model; both build the blobs with libubox.
 * Prints each section's blobs as blobmsg JSON and a summary line; exit 0
 * when nothing differs.
 *
 * Usage: blob_netifd SCRATCH_DIR CONFIG_FILE...   (files loaded by path)
 */
#include "check.h"

#include <libubox/blobmsg_json.h>
#include <uci_blob.h>

#define S(n) { n, BLOBMSG_TYPE_STRING }
#define A(n) { n, BLOBMSG_TYPE_ARRAY }
#define B(n) { n, BLOBMSG_TYPE_BOOL }
#define I(n) { n, BLOBMSG_TYPE_INT32 }
#define L(n) { n, BLOBMSG_TYPE_INT64 }
#define N(a) ((int) (sizeof(a) / sizeof((a)[0])))

/* ---- network ---- */
static const struct blobmsg_policy bridge_p[] = {
	A("ports"), B("stp"), I("forward_delay"), B("vlan_filtering"), B("igmp_snooping"), I("priority"),
};
static const struct uci_blob_param_info bridge_i[N(bridge_p)] = { [0] = { BLOBMSG_TYPE_STRING } };
static const struct uci_blob_param_list bridge_l = { .n_params = N(bridge_p), .params = bridge_p, .info = bridge_i };

static const struct blobmsg_policy device_p[] = {
	S("type"), S("name"), A("ifname"), I("mtu"), I("mtu6"), S("macaddr"), I("txqueuelen"),
	B("enabled"), A("ports"), I("vid"), B("ipv6"), S("ifname"),
};
static const struct uci_blob_param_list device_l = {
	.n_params = N(device_p), .params = device_p, .n_next = 1, .next = { &bridge_l },
};

static const struct blobmsg_policy static_p[] = {
	A("ipaddr"), S("netmask"), S("gateway"), S("broadcast"), A("ip6addr"), S("ip6gw"), A("ip6prefix"), S("ipaddr"),
};
static const struct uci_blob_param_list static_l = { .n_params = N(static_p), .params = static_p };

static const struct blobmsg_policy iface_p[] = {
	A("ifname"), S("proto"), B("auto"), B("defaultroute"), B("peerdns"), I("metric"), A("dns"),
	A("dns_search"), I("ip6assign"), S("ip6hint"), B("force_link"), S("ip4table"), S("device"),
	S("type"), B("delegate"), I("mtu"), B("ipv6"), L("metric"), S("auto"),
};
static const char * const iface_v[N(iface_p)] = { [1] = "string", [2] = "bool", [5] = "uinteger" };
static const struct uci_blob_param_list iface_l = {
	.n_params = N(iface_p), .params = iface_p, .validate = iface_v,
	.n_next = 2, .next = { &static_l, &device_l },
};

static const struct blobmsg_policy vlan_p[] = {
	S("device"), I("vlan"), A("ports"), I("vid"), S("name"), B("enable_vlan"), B("reset"), I("port"), I("pvid"),
};
static const struct uci_blob_param_list vlan_l = { .n_params = N(vlan_p), .params = vlan_p };

/* ---- wireless ---- */
static const struct blobmsg_policy wdev_p[] = {
	S("type"), S("channel"), I("channel"), S("htmode"), B("disabled"), S("country"), I("txpower"),
	S("band"), S("hwmode"), S("path"), B("legacy_rates"), I("cell_density"), A("ht_capab"),
	B("noscan"), I("beacon_int"),
};
static const struct uci_blob_param_list wdev_l = { .n_params = N(wdev_p), .params = wdev_p };

static const struct blobmsg_policy wif_p[] = {
	S("device"), A("network"), S("mode"), S("ssid"), S("encryption"), S("key"), B("disabled"),
	B("hidden"), B("isolate"), B("ieee80211r"), B("wmm"), A("maclist"), S("macfilter"), S("ifname"),
	I("max_inactivity"), B("wds"), I("key"),
};
static const struct uci_blob_param_list wif_l = { .n_params = N(wif_p), .params = wif_p };

/* ---- firewall ---- */
static const struct blobmsg_policy zone_p[] = {
	S("name"), A("network"), S("input"), S("output"), S("forward"), B("masq"), B("mtu_fix"),
	S("family"), A("subnet"), A("device"), B("conntrack"), A("masq_src"),
};
static const struct uci_blob_param_list zone_l = { .n_params = N(zone_p), .params = zone_p };

static const struct blobmsg_policy rule_p[] = {
	S("name"), S("src"), S("dest"), A("proto"), A("src_port"), A("dest_port"), I("src_dport"),
	S("dest_ip"), S("target"), S("family"), A("icmp_type"), B("enabled"), S("limit"), I("dest_port"),
	S("src_ip"), A("src_ip"), I("reflection"),
};
static const struct uci_blob_param_info rule_i[N(rule_p)] = {
	[4] = { BLOBMSG_TYPE_INT32 }, [5] = { BLOBMSG_TYPE_INT32 }, [10] = { BLOBMSG_TYPE_STRING },
	[15] = { BLOBMSG_TYPE_STRING },
};
static const struct uci_blob_param_list rule_l = { .n_params = N(rule_p), .params = rule_p, .info = rule_i };

static const struct blobmsg_policy fwd_p[] = { S("src"), S("dest"), B("enabled"), S("family") };
static const struct uci_blob_param_list fwd_l = { .n_params = N(fwd_p), .params = fwd_p };

static const struct blobmsg_policy fwdef_p[] = {
	B("syn_flood"), S("input"), S("output"), S("forward"), B("drop_invalid"), B("flow_offloading"),
	B("flow_offloading_hw"), B("disable_ipv6"), B("synflood_protect"),
};
static const struct uci_blob_param_list fwdef_l = { .n_params = N(fwdef_p), .params = fwdef_p };

static const struct blobmsg_policy include_p[] = { S("path"), S("type"), B("reload"), B("enabled"), S("family") };
static const struct uci_blob_param_list include_l = { .n_params = N(include_p), .params = include_p };

/* ---- dhcp ---- */
static const struct blobmsg_policy dhcp_p[] = {
	S("interface"), I("start"), I("limit"), S("leasetime"), B("ignore"), S("dhcpv6"), S("ra"),
	A("ra_flags"), A("dhcp_option"), B("force"), A("dns"), S("ndp"), B("ra_management"), L("start"),
	B("dynamicdhcp"), S("networkid"), S("tag"),
};
static const struct uci_blob_param_list dhcp_l = { .n_params = N(dhcp_p), .params = dhcp_p };

static const struct blobmsg_policy host_p[] = {
	S("name"), A("mac"), S("ip"), S("leasetime"), B("dns"), S("tag"), S("duid"), S("hostid"), A("ip"),
};
static const struct uci_blob_param_list host_l = { .n_params = N(host_p), .params = host_p };

static const struct blobmsg_policy dnsmasq_p[] = {
	B("domainneeded"), B("boguspriv"), B("localise_queries"), B("rebind_protection"),
	B("rebind_localhost"), S("local"), S("domain"), B("expandhosts"), B("authoritative"),
	B("readethers"), S("leasefile"), S("resolvfile"), A("server"), I("cachesize"), I("port"),
	B("nonwildcard"), B("localservice"), I("ednspacket_max"), B("filter_aaaa"), A("interface"),
	A("rebind_domain"), A("address"), B("noresolv"), I("dnsforwardmax"), A("notinterface"),
};
static const struct uci_blob_param_list dnsmasq_l = { .n_params = N(dnsmasq_p), .params = dnsmasq_p };

static const struct blobmsg_policy odhcpd_p[] = { B("maindhcp"), S("leasefile"), S("leasetrigger"), I("loglevel") };
static const struct uci_blob_param_list odhcpd_l = { .n_params = N(odhcpd_p), .params = odhcpd_p };

/* ---- system ---- */
static const struct blobmsg_policy system_p[] = {
	S("hostname"), S("timezone"), S("zonename"), I("log_size"), B("ttylogin"), I("urandom_seed"),
	I("conloglevel"), L("cronloglevel"), S("log_proto"), S("log_ip"), I("log_port"), S("notes"),
	B("compat_version"),
};
static const struct uci_blob_param_list system_l = { .n_params = N(system_p), .params = system_p };

static const struct blobmsg_policy ntp_p[] = { B("enabled"), B("enable_server"), A("server"), S("interface") };
static const struct uci_blob_param_list ntp_l = { .n_params = N(ntp_p), .params = ntp_p };

static const struct blobmsg_policy led_p[] = {
	S("name"), S("sysfs"), S("trigger"), B("default"), S("dev"), A("mode"), I("delayon"), I("delayoff"),
};
static const struct uci_blob_param_list led_l = { .n_params = N(led_p), .params = led_p };

static const struct {
	const char *type;
	const struct uci_blob_param_list *list;
} typed[] = {
	{ "interface", &iface_l }, { "device", &device_l }, { "bridge-vlan", &vlan_l },
	{ "switch", &vlan_l }, { "switch_vlan", &vlan_l }, { "switch_port", &vlan_l },
	{ "wifi-device", &wdev_l }, { "wifi-iface", &wif_l },
	{ "zone", &zone_l }, { "rule", &rule_l }, { "redirect", &rule_l }, { "forwarding", &fwd_l },
	{ "defaults", &fwdef_l }, { "include", &include_l },
	{ "dhcp", &dhcp_l }, { "host", &host_l }, { "domain", &host_l }, { "dnsmasq", &dnsmasq_l },
	{ "odhcpd", &odhcpd_l }, { "system", &system_l }, { "timeserver", &ntp_l }, { "led", &led_l },
};

/* =================================================================
 * The second implementation (from libuci-abi.md §6.28), on the C tree.
 * ================================================================= */

static int ref_value(struct blob_buf *b, const char *name, const char *v, unsigned int type)
{
	char *end;
	long l;
	long long ll;

	if (type == BLOBMSG_TYPE_STRING) {
		blobmsg_add_string(b, name, v);
		return 1;
	}
	if (type == BLOBMSG_TYPE_BOOL) {
		if (!strcmp(v, "true") || !strcmp(v, "1"))
			blobmsg_add_u8(b, name, 1);
		else if (!strcmp(v, "false") || !strcmp(v, "0"))
			blobmsg_add_u8(b, name, 0);
		else
			return 0;
		return 1;
	}
	if (type == BLOBMSG_TYPE_INT32) {
		l = strtol(v, &end, 0);
		if (*end)
			return 0;
		blobmsg_add_u32(b, name, (uint32_t) (int) l);
		return 1;
	}
	if (type == BLOBMSG_TYPE_INT64) {
		ll = strtoll(v, &end, 0);
		if (*end)
			return 0;
		blobmsg_add_u64(b, name, (uint64_t) ll);
		return 1;
	}
	return 0;
}

static int ref_option(struct blob_buf *b, struct uci_option *o, const struct uci_blob_param_list *p)
{
	unsigned int seen = 0, type, etype;
	struct uci_element *e;
	int i, n = 0;

	for (i = 0; i < p->n_params; i++) {
		type = p->params[i].type;
		if (strcmp(p->params[i].name, o->e.name) || type > BLOBMSG_TYPE_LAST || (seen & (1u << type)))
			continue;
		seen |= 1u << type;
		if (type == BLOBMSG_TYPE_ARRAY) {
			void *c;

			etype = p->info ? (unsigned int) p->info[i].type : 0;
			if (!etype)
				etype = BLOBMSG_TYPE_STRING;
			c = blobmsg_open_array(b, p->params[i].name);
			if (o->type == UCI_TYPE_LIST) {
				uci_foreach_element(&o->v.list, e)
					ref_value(b, NULL, e->name, etype);
			} else {
				char *copy = strdup(o->v.string), *rest = copy, *w;

				while ((w = strsep(&rest, " \t")))
					if (*w)
						ref_value(b, NULL, w, etype);
				free(copy);
			}
			blobmsg_close_array(b, c);
			n++;
		} else if (o->type == UCI_TYPE_STRING) {
			n += ref_value(b, p->params[i].name, o->v.string, type);
		}
	}
	return n;
}

static int ref_to_blob(struct blob_buf *b, struct uci_section *s, const struct uci_blob_param_list *p)
{
	struct uci_element *e;
	int i, n = 0;

	uci_foreach_element(&s->options, e)
		n += ref_option(b, uci_to_option(e), p);
	for (i = 0; i < p->n_next; i++)
		n += ref_to_blob(b, s, p->next[i]);
	return n;
}

static bool ref_diff(struct blob_attr **t1, struct blob_attr **t2, const struct uci_blob_param_list *p, unsigned long *bits)
{
	bool any = false;
	int i;

	for (i = 0; i < p->n_params; i++) {
		bool d;

		if (!t1[i] && !t2[i])
			continue;
		d = !t1[i] || !t2[i] || blob_len(t1[i]) != blob_len(t2[i]) ||
		    memcmp(t1[i], t2[i], blob_raw_len(t1[i]));
		if (!d)
			continue;
		any = true;
		if (!bits)
			return true;
		bits[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
	}
	return any;
}

static bool ref_equal_one(struct blob_attr *c1, struct blob_attr *c2, const struct uci_blob_param_list *p)
{
	struct blob_attr **t1, **t2;
	bool eq;

	if (!c1 || !c2)
		return !c1 && !c2;
	t1 = calloc(p->n_params + 1, sizeof(*t1));
	t2 = calloc(p->n_params + 1, sizeof(*t2));
	blobmsg_parse(p->params, p->n_params, t1, blob_data(c1), blob_len(c1));
	blobmsg_parse(p->params, p->n_params, t2, blob_data(c2), blob_len(c2));
	eq = !ref_diff(t1, t2, p, NULL);
	free(t1);
	free(t2);
	return eq;
}

static bool ref_check_equal(struct blob_attr *c1, struct blob_attr *c2, const struct uci_blob_param_list *p)
{
	int i;

	if (!ref_equal_one(c1, c2, p))
		return false;
	for (i = 0; i < p->n_next; i++)
		if (!ref_equal_one(c1, c2, p->next[i]))
			return false;
	return true;
}

/* ================================================================= */

static int files, sections, attributes, compared, mismatches;

/* a table with every policy type for each option name of s; next[] holds
 * an ARRAY table over the same names (whose next[] is `typed`), and
 * `typed` again */
static const unsigned int all_types[] = {
	BLOBMSG_TYPE_UNSPEC, BLOBMSG_TYPE_TABLE, BLOBMSG_TYPE_INT16, BLOBMSG_TYPE_DOUBLE,
	BLOBMSG_CAST_INT64, 77, BLOBMSG_TYPE_STRING, BLOBMSG_TYPE_STRING, BLOBMSG_TYPE_INT64,
	BLOBMSG_TYPE_INT32, BLOBMSG_TYPE_BOOL, BLOBMSG_TYPE_ARRAY, BLOBMSG_TYPE_ARRAY,
};
static const unsigned int elem_types[] = {
	0, BLOBMSG_TYPE_STRING, BLOBMSG_TYPE_INT32, BLOBMSG_TYPE_BOOL, BLOBMSG_TYPE_INT64,
	BLOBMSG_TYPE_TABLE, 200,
};

struct generic {
	struct uci_blob_param_list *all, *arr;
	struct blobmsg_policy *pa, *pb;
	struct uci_blob_param_info *ia, *ib;
};

static void generic_build(struct generic *g, struct uci_section *s, const struct uci_blob_param_list *t)
{
	struct uci_element *e;
	int names = 0, k, j, n = 0;
	const int per = N(all_types);

	uci_foreach_element(&s->options, e)
		names++;
	g->pa = calloc(names * per + 1, sizeof(*g->pa));
	g->ia = calloc(names * per + 1, sizeof(*g->ia));
	g->pb = calloc(names + 1, sizeof(*g->pb));
	g->ib = calloc(names + 1, sizeof(*g->ib));
	k = 0;
	uci_foreach_element(&s->options, e) {
		for (j = 0; j < per; j++) {
			g->pa[n].name = e->name;
			g->pa[n].type = all_types[j];
			if (all_types[j] == BLOBMSG_TYPE_ARRAY)
				g->ia[n].type = elem_types[(k + j) % N(elem_types)];
			n++;
		}
		g->pb[k].name = e->name;
		g->pb[k].type = BLOBMSG_TYPE_ARRAY;
		g->ib[k].type = elem_types[(k + 2) % N(elem_types)];
		k++;
	}
	g->arr = calloc(1, sizeof(*g->arr) + sizeof(g->arr->next[0]));
	g->arr->n_params = names;
	g->arr->params = g->pb;
	g->arr->info = g->ib;
	if (t) {
		g->arr->n_next = 1;
		g->arr->next[0] = t;
	}
	g->all = calloc(1, sizeof(*g->all) + 2 * sizeof(g->all->next[0]));
	g->all->n_params = n;
	g->all->params = g->pa;
	g->all->info = g->ia;
	g->all->n_next = t ? 2 : 1;
	g->all->next[0] = g->arr;
	g->all->next[1] = t;
}

static void generic_free(struct generic *g)
{
	free(g->all);
	free(g->arr);
	free(g->pa);
	free(g->pb);
	free(g->ia);
	free(g->ib);
}

static void mismatch(const char *what, struct uci_section *s)
{
	mismatches++;
	printf("MISMATCH %s in section %s\n", what, s->e.name);
}

/* one table on one section: blob, count and JSON against the reference */
static void one_table(const char *label, struct uci_section *s, struct uci_section *prev,
		      const struct uci_blob_param_list *t)
{
	struct blob_buf lib = { 0 }, ref = { 0 }, other = { 0 };
	struct blob_attr **t1, **t2;
	unsigned long *bits, *rbits;
	int n, nr, words, i;
	char *json;

	blob_buf_init(&lib, 0);
	blob_buf_init(&ref, 0);
	n = uci_to_blob(&lib, s, t);
	nr = ref_to_blob(&ref, s, t);
	compared++;
	if (n != nr)
		mismatch("count", s);
	if (blob_raw_len(lib.head) != blob_raw_len(ref.head) || memcmp(lib.head, ref.head, blob_raw_len(lib.head)))
		mismatch("blob", s);
	attributes += n;
	json = blobmsg_format_json(lib.head, true);
	printf("  %s %d %s\n", label, n, json ? json : "(null)");
	free(json);

	/* equality with itself and NULL */
	compared += 3;
	if (!uci_blob_check_equal(lib.head, lib.head, t) || !uci_blob_check_equal(lib.head, ref.head, t))
		mismatch("check_equal(self)", s);
	if (uci_blob_check_equal(lib.head, NULL, t) || uci_blob_check_equal(NULL, lib.head, t) ||
	    !uci_blob_check_equal(NULL, NULL, t))
		mismatch("check_equal(NULL)", s);

	if (prev) {
		bool eq, req, d, rd, dn, rdn;

		blob_buf_init(&other, 0);
		uci_to_blob(&other, prev, t);
		eq = uci_blob_check_equal(lib.head, other.head, t);
		req = ref_check_equal(lib.head, other.head, t);
		words = t->n_params / BITS_PER_LONG + 1;
		t1 = calloc(t->n_params + 1, sizeof(*t1));
		t2 = calloc(t->n_params + 1, sizeof(*t2));
		bits = calloc(words, sizeof(*bits));
		rbits = calloc(words, sizeof(*rbits));
		blobmsg_parse(t->params, t->n_params, t1, blob_data(lib.head), blob_len(lib.head));
		blobmsg_parse(t->params, t->n_params, t2, blob_data(other.head), blob_len(other.head));
		d = uci_blob_diff(t1, t2, t, bits);
		rd = ref_diff(t1, t2, t, rbits);
		dn = uci_blob_diff(t1, t2, t, NULL);
		rdn = ref_diff(t1, t2, t, NULL);
		compared += 3;
		if (eq != req)
			mismatch("check_equal(prev)", s);
		if (d != rd || memcmp(bits, rbits, words * sizeof(*bits)))
			mismatch("diff bits", s);
		if (dn != rdn)
			mismatch("diff NULL", s);
		printf("  %s vs %s: equal %d diff %d bits", label, prev->e.name, eq, d);
		for (i = words - 1; i >= 0; i--)
			printf(" %lx", bits[i]);
		printf("\n");
		free(t1);
		free(t2);
		free(bits);
		free(rbits);
		blob_buf_free(&other);
	}
	blob_buf_free(&lib);
	blob_buf_free(&ref);
}

static const struct uci_blob_param_list *table_of(const char *type)
{
	int i;

	for (i = 0; i < N(typed); i++)
		if (!strcmp(typed[i].type, type))
			return typed[i].list;
	return NULL;
}

static void load_file(struct uci_context *ctx, const char *path)
{
	struct uci_package *p = NULL;
	struct uci_element *e, *f;

	if (uci_load(ctx, path, &p) != UCI_OK || !p) {
		printf("load failed: %s (error %d)\n", path, ctx->err);
		return;
	}
	files++;
	printf("file %s\n", path);
	uci_foreach_element(&p->sections, e) {
		struct uci_section *s = uci_to_section(e), *prev = NULL;
		const struct uci_blob_param_list *t = table_of(s->type);
		struct generic g;

		/* the previous section of the same type, else the previous one */
		uci_foreach_element(&p->sections, f) {
			if (f == e)
				break;
			if (!strcmp(uci_to_section(f)->type, s->type) || !prev ||
			    strcmp(prev->type, s->type))
				prev = uci_to_section(f);
		}
		sections++;
		printf(" section %s %s\n", s->e.name, s->type);
		if (t)
			one_table("typed", s, prev, t);
		generic_build(&g, s, t);
		one_table("all", s, prev, g.all);
		one_table("arrays", s, prev, g.arr);
		generic_free(&g);
	}
	uci_unload(ctx, p);
}

int main(int argc, char **argv)
{
	struct uci_context *ctx;
	int i;

	enter_scratch(argc, argv);
	ctx = uci_alloc_context();
	uci_set_savedir(ctx, "save");
	for (i = 2; i < argc; i++)
		load_file(ctx, argv[i]);
	uci_free_context(ctx);
	printf("summary: files=%d sections=%d attributes=%d compared=%d mismatches=%d\n",
	       files, sections, attributes, compared, mismatches);
	return mismatches ? 1 : 0;
}
