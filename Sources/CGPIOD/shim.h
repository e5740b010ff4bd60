#include <gpiod.h>

/* Genlock's GPIO backend is written against the libgpiod 1.x API (gpiod_chip_get_line,
 * gpiod_line_request_output), which Debian 12 and Raspberry Pi OS Bookworm ship as 1.6.
 * libgpiod 2.x (Debian 13 / Raspberry Pi OS Trixie) replaced it with line requests built
 * from gpiod_line_settings and gpiod_request_config; it has no line bulk, so this macro is
 * the cheapest reliable test for the major version. Fail the build with the reason rather
 * than with a page of missing symbols. See hil/README.md, "libgpiod versions". */
#ifndef GPIOD_LINE_BULK_MAX_LINES
#error "genlock's GenlockGPIO needs the libgpiod 1.x API (Debian 12 / Raspberry Pi OS Bookworm ship 1.6); this gpiod.h is libgpiod 2.x, which is not supported yet: see hil/README.md"
#endif
