/*
 * pw_nofsync: an LD_PRELOAD shim that turns fsync/fdatasync into no-ops, for
 * the diagnostic rows of bench/downloads_vs_curl.sh and bench/bundle_vs_zip.sh:
 * it tells how much of pwpkg's time goes to making its writes durable (curl,
 * unzip and zip never sync). Never for real use: a crash could then leave a
 * truncated artifact under its final name.
 *
 *   cc -shared -fPIC -o pw_nofsync.so bench/pw_nofsync.c
 *   LD_PRELOAD=./pw_nofsync.so pwpkg fetch ...
 */
#include <unistd.h>

int fsync(int fd)
{
    (void)fd;
    return 0;
}

int fdatasync(int fd)
{
    (void)fd;
    return 0;
}
