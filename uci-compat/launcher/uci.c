/*
 * uci - the command-line tool, as installed: all of it is in libuci.so
 * (ucix_uci_main, uci-compat/src/entries.rs), which also holds the libuci
 * API and the Lua module, so the core exists once on the device.
 */
int ucix_uci_main(int argc, char **argv);

int main(int argc, char **argv)
{
	return ucix_uci_main(argc, argv);
}
