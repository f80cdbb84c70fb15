/*
 * no_lua.c - libuci.so carries the Lua module, but a C program without any
 * Lua links with -luci alone, and the module's entry, called here by hand,
 * reports that the process has no Lua 5.1 C API instead of crashing.
 * Exits 0 when it behaves (check.h prints the totals).
 */
#include "check.h"

#include <uci.h>

int luaopen_uci(void *L);

int main(void)
{
	struct uci_context *ctx = uci_alloc_context();

	CHECK(ctx != NULL);
	CHECK(luaopen_uci(NULL) == 0);
	uci_free_context(ctx);
	return check_done("no_lua");
}
