/* A wheel's own core metadata, read from the archive (libzip). */
#include "metadata.h"
#include "archive_libraries.h"

#include <string.h>
#include <zip.h>

/* The METADATA member of a wheel: "<name>-<version>.dist-info/METADATA";
 * names read as their bytes (ZIP_FL_ENC_RAW, as bundle/ reads them). */
int pw_wheel_read_metadata(const char *path, const char *origin, pw_buf *out, pw_error *err)
{
    int zerr = 0;
    int loaded = pw_archive_libraries_load(err);
    if (loaded != PW_OK)
        return loaded;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
        return pw_error_set(err, PW_EINVAL, "%s: not a readable zip archive", origin);
    int rc = PW_OK;
    zip_int64_t found = -1;
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        const char *slash = name ? strchr(name, '/') : NULL;
        if (slash && strcmp(slash, "/METADATA") == 0 &&
            pw_slice_ends_with(pw_slice_make(name, (size_t)(slash - name)), ".dist-info")) {
            if (found >= 0) {
                rc = pw_error_set(err, PW_EINVAL, "%s: more than one .dist-info/METADATA", origin);
                goto done;
            }
            found = i;
        }
    }
    if (found < 0) {
        rc = pw_error_set(err, PW_EINVAL, "%s: no .dist-info/METADATA in the wheel", origin);
        goto done;
    }
    zip_stat_t st;
    if (zip_stat_index(z, (zip_uint64_t)found, 0, &st) != 0 || st.size > PW_METADATA_MAX_SIZE) {
        rc = pw_error_set(err, PW_ELIMIT, "%s: METADATA is larger than %u bytes", origin,
                          PW_METADATA_MAX_SIZE);
        goto done;
    }
    zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)found, 0);
    if (!f) {
        rc = pw_error_set(err, PW_EINVAL, "%s: cannot read METADATA", origin);
        goto done;
    }
    char chunk[16384];
    zip_int64_t got;
    while ((got = zip_fread(f, chunk, sizeof(chunk))) > 0) {
        if (out->len + (size_t)got > PW_METADATA_MAX_SIZE) {
            rc = pw_error_set(err, PW_ELIMIT, "%s: METADATA is larger than %u bytes", origin,
                              PW_METADATA_MAX_SIZE);
            break;
        }
        pw_buf_append(out, chunk, (size_t)got);
    }
    if (got < 0 && rc == PW_OK)
        rc = pw_error_set(err, PW_EINVAL, "%s: METADATA is corrupt in the archive", origin);
    zip_fclose(f);
done:
    zip_close(z);
    return rc;
}
