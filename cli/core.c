/* The core's entry point: libpwpkg_core.so is cli/ (the library pw_cli) and
 * the modules; the executable (launch.c) loads it and calls this. */
#include "cli.h"

int pwpkg_core_main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
