/*
 * glue.c - libubox's static inline blob/blobmsg helpers as real functions,
 * for the Rust blob module of libuci.so (uci-compat/src/blob.rs).
 *
 * Compiled by build.rs against the headers of the libubox that libuci.so
 * links with, so the blob format stays libubox's own: these wrappers only
 * forward to the header's inline functions, which call libubox.so's
 * blobmsg_add_field, blobmsg_open_nested and blob_nest_end.  They are
 * hidden: libuci.so exports only the symbols of libuci.map.
 */
#include <libubox/blobmsg.h>

#define GLUE __attribute__((visibility("hidden")))

GLUE void *ucix_ubox_open_array(struct blob_buf *b, const char *name)
{
	return blobmsg_open_array(b, name);
}

GLUE void ucix_ubox_close_array(struct blob_buf *b, void *cookie)
{
	blobmsg_close_array(b, cookie);
}

GLUE int ucix_ubox_add_string(struct blob_buf *b, const char *name, const char *value)
{
	return blobmsg_add_string(b, name, value);
}

GLUE int ucix_ubox_add_u8(struct blob_buf *b, const char *name, uint8_t value)
{
	return blobmsg_add_u8(b, name, value);
}

GLUE int ucix_ubox_add_u32(struct blob_buf *b, const char *name, uint32_t value)
{
	return blobmsg_add_u32(b, name, value);
}

GLUE int ucix_ubox_add_u64(struct blob_buf *b, const char *name, uint64_t value)
{
	return blobmsg_add_u64(b, name, value);
}

GLUE void *ucix_ubox_data(const struct blob_attr *attr)
{
	return blob_data(attr);
}

GLUE size_t ucix_ubox_len(const struct blob_attr *attr)
{
	return blob_len(attr);
}

GLUE size_t ucix_ubox_raw_len(const struct blob_attr *attr)
{
	return blob_raw_len(attr);
}
