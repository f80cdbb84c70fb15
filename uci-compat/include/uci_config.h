/*
 * uci_config.h - build-time configuration of the ucix libuci shim.
 *
 * Installed next to uci.h, which includes it.  Like the original library's
 * file it defines nothing by default; the two switches below are listed for
 * documentation only.  A consumer that wants the checked element casts
 * defines UCI_DEBUG_TYPECAST itself before including <uci.h>.
 */
#ifndef __UCIX_UCI_CONFIG_H
#define __UCIX_UCI_CONFIG_H

/* #undef UCI_DEBUG */
/* #undef UCI_DEBUG_TYPECAST */

#endif /* __UCIX_UCI_CONFIG_H */
