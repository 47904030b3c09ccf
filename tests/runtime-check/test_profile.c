/* check --profile in real Pyodide (0.27.7 and 314.0.6 under Node.js): the harness's
 * timed imports nest as -X importtime's do, a lib/ library's load is timed,
 * the heap growth of an allocating import is seen, and report/ groups it
 * all by the package the manifest names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "bundle.h"
#include "report.h"
#include "runtime_check.h"
#include "support_runtime.h"

#include <stdlib.h>
#include <string.h>

/* The smallest Emscripten side module (as in test_check.c). */
static const unsigned char side_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x08, 'd', 'y', 'l',
    'i',  'n',  'k',  '.',  '0',  0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
};

static long find_import(const pw_check_profile *p, const char *module)
{
    for (size_t i = 0; i < p->n_imports; i++)
        if (strcmp(p->imports[i].module, module) == 0)
            return (long)i;
    fail_msg("%s was not timed", module);
    return -1;
}

static void profile_one_release(const char *version)
{
    char *runtime = rt_runtime(version);
    rt_use_source_harness();
    unsetenv("PWPKG_NODE");
    char *dir = pw_test_tempdir("profile");
    char *bundle = pw_path_join(dir, "python_modules");
    rt_write(bundle, "pkg/__init__.py", "import colorsys\nfrom pkg import sub\n");
    rt_write(bundle, "pkg/sub.py", "import fractions\nX = bytearray(2000000)\n");
    pw_error err = {0};
    char *lib = pw_path_join(bundle, "lib");
    PW_ASSERT_OK(pw_mkdirs(lib, &err), &err);
    char *so = pw_path_join(lib, "libpwprof.so");
    PW_ASSERT_OK(pw_write_file_atomic(so, side_module, sizeof side_module, &err), &err);
    /* The manifest, as pwpkg bundle writes it (the fields report/ reads). */
    const char *manifest =
        "{\"files\": [{\"path\": \"lib/libpwprof.so\", \"package\": \"libpwprof\", \"size\": 25},"
        "{\"path\": \"pkg/__init__.py\", \"package\": \"pkg\", \"size\": 36},"
        "{\"path\": \"pkg/sub.py\", \"package\": \"pkg\", \"size\": 40}],"
        "\"packages\": [{\"name\": \"libpwprof\", \"version\": \"1\", \"files\": 1, \"raw_bytes\": 25,"
        " \"gz_bytes\": 45, \"package_type\": \"shared_library\"},"
        "{\"name\": \"pkg\", \"version\": \"1\", \"files\": 2, \"raw_bytes\": 76, \"gz_bytes\": 80}],"
        "\"totals\": {\"raw_bytes\": 97, \"gz_bytes\": 125}}";
    char *mpath = pw_bundle_manifest_path(bundle);
    PW_ASSERT_OK(pw_write_file_atomic(mpath, manifest, strlen(manifest), &err), &err);

    pw_strlist mods = PW_STRLIST_INIT;
    pw_strlist_push(&mods, "pkg");
    pw_check_options o = {.runtime_dir = runtime, .bundle_dir = bundle, .modules = &mods,
                          .profile = true};
    pw_check_report rep;
    int rc = pw_check_run(&o, &rep, &err);
    if (rc != 0)
        fail_msg("%s: %s\n%s", version, pw_error_message(&err),
                 rep.stderr_text ? rep.stderr_text : "");
    const pw_check_profile *p = &rep.profile;
    assert_true(p->made);
    /* the library, loaded before any import, with its time */
    assert_int_equal(p->n_dynlibs, 1);
    assert_string_equal(p->dynlibs[0].path, "lib/libpwprof.so");
    assert_true(p->dynlibs[0].ms > 0);
    /* nesting: pkg at the top, colorsys and pkg.sub inside it, fractions inside pkg.sub */
    long top = find_import(p, "pkg"), cs = find_import(p, "colorsys"), sub = find_import(p, "pkg.sub");
    long frac = find_import(p, "fractions");
    assert_int_equal(p->imports[top].parent, -1);
    assert_int_equal(p->imports[cs].parent, top);
    assert_int_equal(p->imports[sub].parent, top);
    assert_int_equal(p->imports[frac].parent, sub);
    for (size_t i = 0; i < p->n_imports; i++) {
        long up = p->imports[i].parent;
        if (up >= 0)
            assert_true(p->imports[up].cumulative_ms >= p->imports[i].cumulative_ms);
    }
    assert_non_null(strstr(p->imports[sub].origin, "/session/metadata/python_modules/pkg/sub.py"));
    /* bytearray(2000000) grows the heap by about that much */
    assert_true(p->imports[sub].memory_bytes >= 1500000);
    assert_true(p->heap_end >= p->heap_start + 1500000);

    pw_profile prof;
    PW_ASSERT_OK(pw_profile_build(p, bundle, &prof, &err), &err);
    const pw_profile_package *pk = NULL, *lp = NULL;
    for (size_t i = 0; i < prof.n_packages; i++) {
        if (strcmp(prof.packages[i].name, "pkg") == 0)
            pk = &prof.packages[i];
        if (strcmp(prof.packages[i].name, "libpwprof") == 0)
            lp = &prof.packages[i];
    }
    assert_non_null(pk);
    assert_non_null(lp);
    /* colorsys and fractions count for pkg, which imported them */
    assert_true(pk->modules >= 4);
    assert_true(pk->cumulative_us >= pk->self_us);
    assert_int_equal(pk->cumulative_us, prof.imports_us);
    assert_int_equal(pk->raw_bytes, 76);
    assert_true(pk->memory_bytes >= 1500000);
    assert_int_equal(lp->n_libs, 1);
    assert_int_equal(lp->libs[0].bytes, 25);
    assert_true(lp->dynlib_us > 0);
    pw_profile_free(&prof);

    pw_check_report_free(&rep);
    pw_strlist_free(&mods);
    free(mpath);
    free(so);
    free(lib);
    free(bundle);
    rt_cleanup(dir);
    free(runtime);
}

/* 0.27: Python 3.12, loadDynlib(path, global, dirs); 314: Python 3.14,
 * Emscripten 5, dlopen. */
static void test_profile_in_pyodide(void **state)
{
    (void)state;
    profile_one_release("0.27.7");
    profile_one_release("314.0.6");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_in_pyodide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
