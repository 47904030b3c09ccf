/* The pwpkg program. Everything else of cli/ is the library pw_cli, which
 * the CLI's unit tests (tests/cli/test_*.c) link. */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
