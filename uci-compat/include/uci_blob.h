/*
 * uci_blob.h - conversion between uci sections and libubox blobmsg
 * attributes (ucix libuci shim).
 *
 * Written from the ucix interface specification (libuci-abi.md §3.12 and
 * §6.28).  Needs libubox headers; consumers of these helpers also link
 * -lubox.
 */
#ifndef __UCI_BLOB_H
#define __UCI_BLOB_H

#include <libubox/blobmsg.h>
#include "uci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* extra information about one policy entry */
struct uci_blob_param_info {
	enum blobmsg_type type;		/* element type of an ARRAY parameter */
};

/* a blobmsg policy table, plus further tables to process after it */
struct uci_blob_param_list {
	int n_params;
	const struct blobmsg_policy *params;
	const struct uci_blob_param_info *info;	/* optional, n_params entries */
	const char * const *validate;		/* optional, n_params entries */

	int n_next;
	const struct uci_blob_param_list *next[];
};

/* add the options of `s` that match the policy to `b`; returns the count */
extern int uci_to_blob(struct blob_buf *b, struct uci_section *s,
		       const struct uci_blob_param_list *p);

/* true if the attribute sets `c1` and `c2` are equal under `config` */
extern bool uci_blob_check_equal(struct blob_attr *c1, struct blob_attr *c2,
				 const struct uci_blob_param_list *config);

/*
 * Compare two parsed attribute tables entry by entry.  With diff_bits NULL,
 * return true at the first difference; otherwise set bit i (see
 * uci_bitfield_set) for every differing entry i and return whether any
 * differed.
 */
extern bool uci_blob_diff(struct blob_attr **tb1, struct blob_attr **tb2,
			  const struct uci_blob_param_list *config,
			  unsigned long *diff_bits);

#ifdef __cplusplus
}
#endif

#endif /* __UCI_BLOB_H */
