/* pw_test_server: the fault-injecting HTTP test server as a program, for
 * the CLI tests and the benchmarks; the server itself and its options are
 * in tests/support/http_server.c. */
#include "test_server.h"

int main(int argc, char **argv)
{
    return pw_test_server_main(argc, argv);
}
