/* pwpkg report: one self-contained HTML page (docs/report.md). Everything
 * is drawn here as inline SVG, so the page shows without JavaScript; the
 * little script only switches the treemap between gzip and raw sizes. The
 * page loads nothing: its Content-Security-Policy forbids any fetch. */
#include "report_private.h"

#include "bundle.h"
#include "lockfile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TM_W 960.0
#define TM_H 540.0
/* Files beyond this many per package are drawn as one "more files" box:
 * a treemap of thousands of slivers tells nothing and bloats the page. */
#define TM_MAX_FILES 200

/* A label longer than `fit` bytes ends in "…", cut on a character
 * boundary, never inside a UTF-8 sequence. */
static void ellipsize(pw_buf *label, size_t fit)
{
    if (label->len <= fit)
        return;
    size_t cut = fit - 1;
    while (cut > 0 && ((unsigned char)label->data[cut] & 0xc0) == 0x80)
        cut--;
    label->len = cut;
    label->data[cut] = '\0';
    pw_buf_puts(label, "\xe2\x80\xa6");
}

/* A hue per package, spread by the golden angle so neighbours differ. */
static double hue(size_t i)
{
    return fmod((double)i * 137.508, 360.0);
}

/* ------------------------------------------------------------- treemap */

typedef struct tm_rect {
    double x, y, w, h;
} tm_rect;

static double worst(const double *a, size_t from, size_t to, double sum, double side)
{
    /* a[] is sorted descending: the extremes are the row's ends. */
    double s2 = sum * sum, w2 = side * side;
    double hi = w2 * a[from] / s2, lo = s2 / (w2 * a[to - 1]);
    return hi > lo ? hi : lo;
}

/* Squarified treemap (Bruls, Huizing, van Wijk 2000): weights sorted
 * descending, all > 0, laid out in r; out[i] is the box of weight i. */
static void squarify(const double *weights, size_t n, tm_rect r, tm_rect *out)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i];
    if (n == 0 || total <= 0 || r.w <= 0 || r.h <= 0)
        return;
    double *a = pw_xcalloc(n, sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = weights[i] / total * r.w * r.h;
    size_t i = 0;
    while (i < n) {
        double side = r.w < r.h ? r.w : r.h, sum = 0, best = INFINITY;
        size_t j = i;
        while (j < n) {
            double w = worst(a, i, j + 1, sum + a[j], side);
            if (j > i && w > best)
                break;
            best = w;
            sum += a[j++];
        }
        if (r.w >= r.h) {
            double cw = sum / r.h, y = r.y;
            for (size_t k = i; k < j; k++) {
                double h = a[k] / cw;
                out[k] = (tm_rect){r.x, y, cw, h};
                y += h;
            }
            r.x += cw;
            r.w -= cw;
        } else {
            double rh = sum / r.w, x = r.x;
            for (size_t k = i; k < j; k++) {
                double w = a[k] / rh;
                out[k] = (tm_rect){x, r.y, w, rh};
                x += w;
            }
            r.y += rh;
            r.h -= rh;
        }
        i = j;
    }
    free(a);
}

typedef struct tm_file {
    const report_file *f; /* NULL: the "more files" box */
    uint64_t raw, gz;
    size_t more;
} tm_file;

typedef struct tm_package {
    const report_package *p;
    size_t color;
    tm_file *files;
    size_t n_files;
} tm_package;

static bool gz_view; /* set by the caller around the sort: which weight */

static uint64_t weight_of(uint64_t raw, uint64_t gz)
{
    return gz_view ? gz : raw;
}

static int tm_file_cmp(const void *a, const void *b)
{
    const tm_file *x = a, *y = b;
    uint64_t wx = weight_of(x->raw, x->gz), wy = weight_of(y->raw, y->gz);
    if (wx != wy)
        return wx > wy ? -1 : 1;
    if (!x->f || !y->f)
        return x->f ? -1 : y->f ? 1 : 0;
    return strcmp(x->f->path, y->f->path);
}

static int tm_package_cmp(const void *a, const void *b)
{
    const tm_package *x = a, *y = b;
    uint64_t wx = weight_of(x->p->raw_bytes, x->p->gz_bytes);
    uint64_t wy = weight_of(y->p->raw_bytes, y->p->gz_bytes);
    if (wx != wy)
        return wx > wy ? -1 : 1;
    return strcmp(x->p->name, y->p->name);
}

static void svg_label(pw_buf *out, const tm_rect *r, const char *text, uint64_t bytes, bool bold)
{
    /* Only where it fits: about 6.5 px per character at 11 px. */
    if (r->h < 14 || r->w < 40)
        return;
    pw_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\"%s>", r->x + 3, r->y + 12,
                  bold ? " font-weight=\"bold\"" : "");
    size_t fit = (size_t)((r->w - 6) / 6.5);
    pw_buf label = PW_BUF_INIT;
    pw_buf_puts(&label, text);
    pw_buf_puts(&label, " ");
    pw_format_size(&label, bytes);
    if (fit > 1)
        ellipsize(&label, fit);
    pw_escape_html(out, pw_buf_cstr(&label));
    pw_buf_free(&label);
    pw_buf_puts(out, "</text>");
}

static void treemap(pw_buf *out, tm_package *pk, size_t n, bool gz, const char *id, bool hidden)
{
    gz_view = gz;
    qsort(pk, n, sizeof *pk, tm_package_cmp);
    pw_buf_printf(out,
                  "<svg id=\"%s\" class=\"treemap\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
                  "height=\"%.0f\" role=\"img\"%s>\n",
                  id, TM_W, TM_H, TM_W, TM_H, hidden ? " style=\"display:none\"" : "");
    double *w = pw_xcalloc(n + 1, sizeof *w);
    size_t shown = 0;
    for (size_t i = 0; i < n && weight_of(pk[i].p->raw_bytes, pk[i].p->gz_bytes) > 0; i++)
        w[shown++] = (double)weight_of(pk[i].p->raw_bytes, pk[i].p->gz_bytes);
    tm_rect *boxes = pw_xcalloc(shown + 1, sizeof *boxes);
    squarify(w, shown, (tm_rect){0, 0, TM_W, TM_H}, boxes);
    for (size_t i = 0; i < shown; i++) {
        tm_package *p = &pk[i];
        tm_rect b = boxes[i];
        uint64_t bytes = weight_of(p->p->raw_bytes, p->p->gz_bytes);
        pw_buf_puts(out, "<g class=\"tm-package\" data-package=\"");
        pw_escape_html(out, p->p->name);
        pw_buf_printf(out, "\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                           "fill=\"hsl(%.0f,45%%,45%%)\" stroke=\"#fff\"><title>",
                      b.x, b.y, b.w, b.h, hue(p->color));
        pw_escape_html(out, p->p->name);
        pw_buf_printf(out, " %s: ", gz ? "gzip" : "raw");
        pw_format_size(out, bytes);
        pw_buf_puts(out, "</title></rect>");
        /* Files inside, below a header line for the package's name. */
        tm_rect inner = {b.x + 2, b.y + (b.h > 40 ? 16 : 2), b.w - 4, b.h - (b.h > 40 ? 18 : 4)};
        qsort(p->files, p->n_files, sizeof *p->files, tm_file_cmp);
        double *fw = pw_xcalloc(p->n_files + 1, sizeof *fw);
        size_t nf = 0;
        for (size_t k = 0; k < p->n_files && weight_of(p->files[k].raw, p->files[k].gz) > 0; k++)
            fw[nf++] = (double)weight_of(p->files[k].raw, p->files[k].gz);
        tm_rect *fb = pw_xcalloc(nf + 1, sizeof *fb);
        if (inner.w > 2 && inner.h > 2)
            squarify(fw, nf, inner, fb);
        else
            nf = 0;
        for (size_t k = 0; k < nf; k++) {
            const tm_file *f = &p->files[k];
            pw_buf_printf(out, "<rect class=\"tm-file\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                               "height=\"%.1f\" fill=\"hsl(%.0f,55%%,%d%%)\" stroke=\"hsl(%.0f,45%%,45%%)\" "
                               "stroke-width=\"0.5\"><title>",
                          fb[k].x, fb[k].y, fb[k].w, fb[k].h, hue(p->color),
                          f->f ? 72 : 85, hue(p->color));
            if (f->f)
                pw_escape_html(out, f->f->path);
            else
                pw_buf_printf(out, "%zu more files of ", f->more);
            if (!f->f)
                pw_escape_html(out, p->p->name);
            pw_buf_puts(out, ": raw ");
            pw_format_size(out, f->raw);
            pw_buf_puts(out, f->f ? ", gzip " : ", gzip (each file alone) ");
            pw_format_size(out, f->gz);
            pw_buf_puts(out, "</title></rect>");
            const char *base = f->f ? strrchr(f->f->path, '/') : NULL;
            if (f->f)
                svg_label(out, &fb[k], base ? base + 1 : f->f->path, weight_of(f->raw, f->gz),
                          false);
        }
        if (b.h > 40) {
            tm_rect head = {b.x, b.y, b.w, 14};
            pw_buf_puts(out, "<g fill=\"#fff\">");
            svg_label(out, &head, p->p->name, bytes, true);
            pw_buf_puts(out, "</g>");
        }
        pw_buf_puts(out, "</g>\n");
        free(fw);
        free(fb);
    }
    pw_buf_puts(out, "</svg>\n");
    free(w);
    free(boxes);
}

/* Each file's own gzip size, and the packages' file lists for the treemap. */
static int treemap_data(const char *dir, const report_bundle *b, tm_package **out, pw_error *err)
{
    tm_package *pk = pw_xcalloc(b->n_packages + 1, sizeof *pk);
    int rc = PW_OK;
    for (size_t i = 0; i < b->n_packages; i++) {
        pk[i].p = &b->packages[i];
        pk[i].color = i;
        pk[i].files = pw_xcalloc(b->packages[i].files + 2, sizeof *pk[i].files);
    }
    for (size_t i = 0; i < b->n_files && rc == PW_OK; i++) {
        const report_file *f = &b->files[i];
        size_t p = 0;
        while (p < b->n_packages && strcmp(b->packages[p].name, f->package) != 0)
            p++;
        if (p == b->n_packages)
            continue;
        char *path = pw_path_join(dir, f->path);
        uint64_t gz = 0;
        const char *one[] = {path};
        rc = pw_bundle_gzip_size(one, 1, &gz, err);
        free(path);
        tm_package *t = &pk[p];
        if (t->n_files >= b->packages[p].files + 1) {
            /* More files than the manifest counted: grow. */
            t->files = pw_xrealloc(t->files, (t->n_files + 2) * sizeof *t->files);
        }
        t->files[t->n_files++] = (tm_file){f, f->size, gz, 0};
    }
    /* Keep the largest (by raw size) and fold the rest into one box. */
    gz_view = false;
    for (size_t i = 0; i < b->n_packages; i++) {
        tm_package *t = &pk[i];
        if (t->n_files <= TM_MAX_FILES)
            continue;
        qsort(t->files, t->n_files, sizeof *t->files, tm_file_cmp);
        tm_file more = {NULL, 0, 0, t->n_files - TM_MAX_FILES};
        for (size_t k = TM_MAX_FILES; k < t->n_files; k++) {
            more.raw += t->files[k].raw;
            more.gz += t->files[k].gz;
        }
        t->files[TM_MAX_FILES] = more;
        t->n_files = TM_MAX_FILES + 1;
    }
    *out = pk;
    return rc;
}

/* ------------------------------------------------------- size vs limits */

static void limits_bar(pw_buf *out, const report_bundle *b)
{
    const double W = 960, X0 = 10, BW = 940;
    double max = (double)PW_WORKERS_LIMIT_PAID * 1.1;
    if ((double)b->gz_total * 1.05 > max)
        max = (double)b->gz_total * 1.05;
    pw_buf_printf(out, "<svg id=\"limits\" viewBox=\"0 0 %.0f 84\" width=\"%.0f\" height=\"84\" "
                       "role=\"img\">\n<rect x=\"%.0f\" y=\"20\" width=\"%.0f\" height=\"28\" "
                       "fill=\"#eee\"/>\n",
                  W, W, X0, BW);
    double x = X0;
    for (size_t i = 0; i < b->n_packages; i++) {
        double w = (double)b->packages[i].gz_bytes / max * BW;
        pw_buf_printf(out, "<rect x=\"%.2f\" y=\"20\" width=\"%.2f\" height=\"28\" "
                           "fill=\"hsl(%.0f,45%%,45%%)\"><title>",
                      x, w, hue(i));
        pw_escape_html(out, b->packages[i].name);
        pw_buf_puts(out, ": gzip ");
        pw_format_size(out, b->packages[i].gz_bytes);
        pw_buf_puts(out, "</title></rect>\n");
        x += w;
    }
    const struct {
        uint64_t at;
        const char *label;
    } lines[] = {{PW_WORKERS_LIMIT_FREE, "3 MB: Workers free plan"},
                 {PW_WORKERS_LIMIT_PAID, "10 MB: Workers paid plan"}};
    for (size_t i = 0; i < 2; i++) {
        double lx = X0 + (double)lines[i].at / max * BW;
        pw_buf_printf(out, "<line class=\"limit\" x1=\"%.1f\" x2=\"%.1f\" y1=\"12\" y2=\"56\" "
                           "stroke=\"#c00\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"10\" "
                           "font-size=\"11\" fill=\"#c00\" text-anchor=\"middle\">%s</text>\n",
                      lx, lx, lx, lines[i].label);
    }
    pw_buf_printf(out, "<text x=\"%.0f\" y=\"72\" font-size=\"12\">gzip total ", X0);
    pw_format_size(out, b->gz_total);
    pw_buf_puts(out, b->gz_total <= PW_WORKERS_LIMIT_FREE   ? ": within the free plan's limit"
                     : b->gz_total <= PW_WORKERS_LIMIT_PAID ? ": over the free plan's limit, "
                                                              "within the paid plan's"
                                                            : ": over both limits");
    pw_buf_puts(out, "</text>\n</svg>\n");
}

static void package_table(pw_buf *out, const report_bundle *b)
{
    pw_buf_puts(out, "<table id=\"packages\"><thead><tr><th>package</th><th>version</th>"
                     "<th>type</th><th>files</th><th>raw</th><th>gzip</th><th>share of gzip"
                     "</th></tr></thead><tbody>\n");
    size_t *order = pw_xcalloc(b->n_packages + 1, sizeof *order);
    for (size_t i = 0; i < b->n_packages; i++)
        order[i] = i;
    /* Largest gzip first, as `pwpkg bundle` prints its table. */
    for (size_t i = 1; i < b->n_packages; i++)
        for (size_t j = i; j > 0; j--) {
            const report_package *x = &b->packages[order[j - 1]], *y = &b->packages[order[j]];
            if (x->gz_bytes > y->gz_bytes ||
                (x->gz_bytes == y->gz_bytes && strcmp(x->name, y->name) <= 0))
                break;
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t k = 0; k < b->n_packages; k++) {
        const report_package *p = &b->packages[order[k]];
        pw_buf_puts(out, "<tr data-package=\"");
        pw_escape_html(out, p->name);
        pw_buf_printf(out, "\" data-raw-bytes=\"%llu\" data-gz-bytes=\"%llu\"><td>",
                      (unsigned long long)p->raw_bytes, (unsigned long long)p->gz_bytes);
        pw_escape_html(out, p->name);
        pw_buf_puts(out, "</td><td>");
        pw_escape_html(out, p->version);
        pw_buf_puts(out, "</td><td>");
        pw_escape_html(out, p->package_type);
        pw_buf_printf(out, "</td><td class=\"n\">%zu</td><td class=\"n\">", p->files);
        pw_format_size(out, p->raw_bytes);
        pw_buf_puts(out, "</td><td class=\"n\">");
        pw_format_size(out, p->gz_bytes);
        pw_buf_printf(out, "</td><td class=\"n\">%.1f%%</td></tr>\n",
                      b->gz_total ? 100.0 * (double)p->gz_bytes / (double)b->gz_total : 0.0);
    }
    pw_buf_printf(out, "</tbody><tfoot><tr><td>total</td><td></td><td></td><td class=\"n\">%zu"
                       "</td><td class=\"n\">",
                  b->n_files);
    pw_format_size(out, b->raw_total);
    pw_buf_puts(out, "</td><td class=\"n\" id=\"gz-total\">");
    pw_format_size(out, b->gz_total);
    pw_buf_puts(out, "</td><td></td></tr></tfoot></table>\n");
    free(order);
}

/* ------------------------------------------------------------- profile */

static void profile_section(pw_buf *out, const pw_profile *p)
{
    uint64_t max = 1;
    for (size_t i = 0; i < p->n_packages; i++)
        if (p->packages[i].cumulative_us + p->packages[i].dynlib_us > max)
            max = p->packages[i].cumulative_us + p->packages[i].dynlib_us;
    const double LABEL = 220, BW = 460, ROW = 22;
    double h = ROW * (double)p->n_packages + 24;
    pw_buf_printf(out, "<p>Imports took %.1f ms in all; the heap grew from %.1f MB to %.1f MB. "
                       "Dark: the package's own modules (self); light: with everything they "
                       "imported (cumulative); grey: loading its shared libraries.</p>\n",
                  (double)p->imports_us / 1000.0, (double)p->heap_start / 1e6,
                  (double)p->heap_end / 1e6);
    pw_buf_printf(out, "<svg id=\"profile-bars\" viewBox=\"0 0 960 %.0f\" width=\"960\" "
                       "height=\"%.0f\" role=\"img\">\n",
                  h, h);
    for (size_t i = 0; i < p->n_packages; i++) {
        const pw_profile_package *pk = &p->packages[i];
        double y = 4 + ROW * (double)i;
        double wc = (double)pk->cumulative_us / (double)max * BW;
        double ws = (double)pk->self_us / (double)max * BW;
        double wd = (double)pk->dynlib_us / (double)max * BW;
        pw_buf_puts(out, "<g class=\"profile-row\" data-package=\"");
        pw_escape_html(out, pk->name);
        pw_buf_printf(out, "\" data-self-us=\"%llu\" data-cumulative-us=\"%llu\"><text x=\"%.0f\" "
                           "y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">",
                      (unsigned long long)pk->self_us, (unsigned long long)pk->cumulative_us,
                      LABEL - 6, y + 14);
        pw_escape_html(out, pk->name);
        pw_buf_printf(out, "</text><rect x=\"%.0f\" y=\"%.1f\" width=\"%.2f\" height=\"16\" "
                           "fill=\"#9ec5e8\"/><rect x=\"%.0f\" y=\"%.1f\" width=\"%.2f\" "
                           "height=\"16\" fill=\"#2c6ea3\"/><rect x=\"%.2f\" y=\"%.1f\" "
                           "width=\"%.2f\" height=\"16\" fill=\"#aaa\"/>",
                      LABEL, y, wc, LABEL, y, ws, LABEL + wc, y, wd);
        pw_buf_printf(out, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"11\">self %.1f ms, "
                           "cumulative %.1f ms",
                      LABEL + wc + wd + 6, y + 13, (double)pk->self_us / 1000.0,
                      (double)pk->cumulative_us / 1000.0);
        if (pk->dynlib_us)
            pw_buf_printf(out, ", libraries %.1f ms", (double)pk->dynlib_us / 1000.0);
        pw_buf_puts(out, "</text></g>\n");
    }
    pw_buf_puts(out, "</svg>\n<table id=\"profile\"><thead><tr><th>package</th><th>self</th>"
                     "<th>cumulative</th><th>modules</th><th>heap</th><th>share of heap</th>"
                     "<th>shared libraries</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < p->n_packages; i++) {
        const pw_profile_package *pk = &p->packages[i];
        pw_buf_puts(out, "<tr><td>");
        pw_escape_html(out, pk->name);
        pw_buf_printf(out, "</td><td class=\"n\">%.1f ms</td><td class=\"n\">%.1f ms</td>"
                           "<td class=\"n\">%zu</td><td class=\"n\">",
                      (double)pk->self_us / 1000.0, (double)pk->cumulative_us / 1000.0,
                      pk->modules);
        pw_format_size(out, pk->memory_bytes > 0 ? (uint64_t)pk->memory_bytes : 0);
        pw_buf_printf(out, "</td><td class=\"n\">%.1f%%</td><td>", (double)pk->memory_ppm / 1e4);
        for (size_t j = 0; j < pk->n_libs; j++) {
            if (j)
                pw_buf_puts(out, ", ");
            pw_escape_html(out, pk->libs[j].path);
            pw_buf_puts(out, " (");
            pw_format_size(out, pk->libs[j].bytes);
            pw_buf_printf(out, ", %.1f ms)", (double)pk->libs[j].load_us / 1000.0);
        }
        pw_buf_puts(out, "</td></tr>\n");
    }
    pw_buf_puts(out, "</tbody></table>\n");
}

/* ------------------------------------------------------ dependency graph */

static void dependency_graph(pw_buf *out, const pw_lock *lock)
{
    size_t n = lock->n_packages;
    if (n == 0) {
        pw_buf_puts(out, "<p>The lock has no packages.</p>\n");
        return;
    }
    /* Columns by the longest path from a package nothing depends on; a
     * cycle stops growing after n rounds. */
    int *level = pw_xcalloc(n, sizeof *level);
    for (size_t round = 0; round < n; round++) {
        bool changed = false;
        for (size_t i = 0; i < n; i++)
            for (size_t d = 0; d < lock->packages[i].dependencies.len; d++) {
                const pw_lock_package *dep =
                    pw_lock_find(lock, lock->packages[i].dependencies.items[d]);
                if (!dep)
                    continue;
                size_t j = (size_t)(dep - lock->packages);
                if (level[j] < level[i] + 1 && level[i] + 1 < (int)n) {
                    level[j] = level[i] + 1;
                    changed = true;
                }
            }
        if (!changed)
            break;
    }
    int cols = 0;
    for (size_t i = 0; i < n; i++)
        if (level[i] + 1 > cols)
            cols = level[i] + 1;
    int *row = pw_xcalloc(n, sizeof *row), *count = pw_xcalloc((size_t)cols, sizeof *count);
    /* Packages are sorted by name in the lock: rows follow that order. */
    for (size_t i = 0; i < n; i++)
        row[i] = count[level[i]]++;
    int rows = 0;
    for (int c = 0; c < cols; c++)
        if (count[c] > rows)
            rows = count[c];
    const double BOXW = 170, BOXH = 26, COLW = 240, ROWH = 40;
    double W = COLW * cols + 20, H = ROWH * rows + 20;
    pw_buf_printf(out, "<svg id=\"graph\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                       "role=\"img\">\n<g fill=\"none\" stroke=\"#888\">\n",
                  W, H, W, H);
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < lock->packages[i].dependencies.len; d++) {
            const pw_lock_package *dep =
                pw_lock_find(lock, lock->packages[i].dependencies.items[d]);
            if (!dep)
                continue;
            size_t j = (size_t)(dep - lock->packages);
            double x1 = 10 + COLW * level[i] + BOXW, y1 = 10 + ROWH * row[i] + BOXH / 2;
            double x2 = 10 + COLW * level[j], y2 = 10 + ROWH * row[j] + BOXH / 2;
            double mx = (x1 + x2) / 2;
            pw_buf_printf(out, "<path class=\"edge\" d=\"M%.1f %.1fC%.1f %.1f %.1f %.1f %.1f %.1f\"/>\n",
                          x1, y1, mx, y1, mx, y2, x2, y2);
        }
    pw_buf_puts(out, "</g>\n");
    for (size_t i = 0; i < n; i++) {
        const pw_lock_package *p = &lock->packages[i];
        double x = 10 + COLW * level[i], y = 10 + ROWH * row[i];
        pw_buf_puts(out, "<g class=\"node\" data-package=\"");
        pw_escape_html(out, p->name);
        pw_buf_printf(out, "\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" rx=\"4\" "
                           "fill=\"%s\" stroke=\"#555\"/><title>",
                      x, y, BOXW, BOXH, p->requested.len ? "#dbe9f6" : "#f4f4f4");
        pw_escape_html(out, p->name);
        pw_buf_puts(out, " ");
        pw_escape_html(out, p->version);
        if (p->dependencies.len) {
            pw_buf_puts(out, " depends on ");
            for (size_t d = 0; d < p->dependencies.len; d++) {
                pw_buf_puts(out, d ? ", " : "");
                pw_escape_html(out, p->dependencies.items[d]);
            }
        }
        pw_buf_printf(out, "</title><text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">", x + 6, y + 17);
        pw_buf label = PW_BUF_INIT;
        pw_buf_printf(&label, "%s %s", p->name, p->version);
        ellipsize(&label, 26);
        pw_escape_html(out, pw_buf_cstr(&label));
        pw_buf_free(&label);
        pw_buf_puts(out, "</text></g>\n");
    }
    pw_buf_puts(out, "</svg>\n");
    free(level);
    free(row);
    free(count);
}

/* ------------------------------------------------------------- slimming */

/* The first traced path >= key (the list is sorted). */
static size_t trace_lower_bound(const pw_html_report_trace *t, const char *key)
{
    size_t lo = 0, hi = t->files.len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(t->files.items[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool kept_by_slim(const pw_html_report_trace *t, const char *path)
{
    /* `bundle --slim` keeps the trace's keep set (traced files, the .py
     * beside a traced __pycache__ .pyc) and every distribution's
     * .dist-info (docs/bundle.md); --keep is not known here. */
    const char *slash = strchr(path, '/');
    if (slash && slash - path > 10 && strncmp(slash - 10, ".dist-info", 10) == 0)
        return true;
    size_t i = trace_lower_bound(t, path);
    return i < t->files.len && strcmp(t->files.items[i], path) == 0;
}

static int slimming_section(pw_buf *out, const char *dir, const report_bundle *b,
                            const pw_html_report_trace *t, pw_error *err)
{
    pw_buf_puts(out, "<table id=\"slimming\"><thead><tr><th>package</th><th>files kept</th>"
                     "<th>files dropped</th><th>raw dropped</th><th>gzip before</th><th>gzip "
                     "after</th><th>gzip saved</th></tr></thead><tbody>\n");
    uint64_t before = 0, after = 0;
    int rc = PW_OK;
    char **paths = pw_xcalloc(b->n_files + 1, sizeof *paths);
    for (size_t p = 0; p < b->n_packages && rc == PW_OK; p++) {
        const report_package *pk = &b->packages[p];
        size_t kept = 0, dropped = 0;
        uint64_t raw_dropped = 0, gz_after = 0;
        for (size_t i = 0; i < b->n_files; i++) {
            const report_file *f = &b->files[i];
            if (strcmp(f->package, pk->name) != 0)
                continue;
            if (kept_by_slim(t, f->path)) {
                paths[kept++] = pw_path_join(dir, f->path);
            } else {
                dropped++;
                raw_dropped += f->size;
            }
        }
        /* The same one-stream gzip as the size table, over what is kept. */
        rc = pw_bundle_gzip_size((const char *const *)paths, kept, &gz_after, err);
        for (size_t i = 0; i < kept; i++)
            free(paths[i]);
        if (kept == 0)
            gz_after = 0;
        before += pk->gz_bytes;
        after += gz_after;
        pw_buf_puts(out, "<tr data-package=\"");
        pw_escape_html(out, pk->name);
        pw_buf_puts(out, "\"><td>");
        pw_escape_html(out, pk->name);
        pw_buf_printf(out, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">",
                      kept, dropped);
        pw_format_size(out, raw_dropped);
        pw_buf_puts(out, "</td><td class=\"n\">");
        pw_format_size(out, pk->gz_bytes);
        pw_buf_puts(out, "</td><td class=\"n\">");
        pw_format_size(out, gz_after);
        pw_buf_puts(out, "</td><td class=\"n\">");
        pw_format_size(out, pk->gz_bytes > gz_after ? pk->gz_bytes - gz_after : 0);
        pw_buf_puts(out, "</td></tr>\n");
    }
    free(paths);
    pw_buf_puts(out, "</tbody><tfoot><tr><td>total</td><td></td><td></td><td></td><td class=\"n\">");
    pw_format_size(out, before);
    pw_buf_puts(out, "</td><td class=\"n\" id=\"slim-after\">");
    pw_format_size(out, after);
    pw_buf_puts(out, "</td><td class=\"n\">");
    pw_format_size(out, before > after ? before - after : 0);
    pw_buf_puts(out, "</td></tr></tfoot></table>\n");
    return rc;
}

/* ----------------------------------------------------------------- page */

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    /* Nothing may be loaded: the page must open from disk, offline. */
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
    "<title>pwpkg report</title>\n<style>\n"
    "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\n"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}\n"
    "table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 10px;border-bottom:1px solid #ddd;"
    "text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "svg text{font-family:system-ui,sans-serif}.note{color:#666}\n"
    "button{margin-right:.4em}button[aria-pressed=true]{font-weight:bold}\n"
    "</style>\n</head>\n";

static const char page_script[] =
    "<script>\n"
    "(function () {\n"
    "  var views = {gzip: document.getElementById('treemap-gz'),\n"
    "               raw: document.getElementById('treemap-raw')};\n"
    "  function show(view) {\n"
    "    Object.keys(views).forEach(function (k) {\n"
    "      views[k].style.display = k === view ? '' : 'none';\n"
    "    });\n"
    "    document.querySelectorAll('button[data-view]').forEach(function (o) {\n"
    "      o.setAttribute('aria-pressed', String(o.dataset.view === view));\n"
    "    });\n"
    "  }\n"
    "  document.querySelectorAll('button[data-view]').forEach(function (b) {\n"
    "    b.addEventListener('click', function () { show(b.dataset.view); });\n"
    "  });\n"
    /* report.html#raw opens on the raw sizes (a link to share). */
    "  if (location.hash === '#raw') show('raw');\n"
    /* The highlight: hovering a row of the size table marks its package
     * in the treemap. */
    "  document.querySelectorAll('#packages tbody tr').forEach(function (tr) {\n"
    "    function mark(on) {\n"
    "      document.querySelectorAll('.tm-package').forEach(function (g) {\n"
    "        if (g.dataset.package === tr.dataset.package)\n"
    "          g.style.opacity = '1', g.style.outline = on ? '2px solid #000' : '';\n"
    "      });\n"
    "    }\n"
    "    tr.addEventListener('mouseenter', function () { mark(true); });\n"
    "    tr.addEventListener('mouseleave', function () { mark(false); });\n"
    "  });\n"
    /* A marker for tests (and people): the script ran to its end. */
    "  document.body.setAttribute('data-report-ready', 'yes');\n"
    "})();\n"
    "</script>\n";

int pw_html_report(const pw_html_report_input *in, pw_buf *out, pw_error *err)
{
    report_bundle b;
    int rc = report_bundle_read(in->bundle_dir, &b, err);
    if (rc != PW_OK)
        return rc;
    char digest[PW_BUNDLE_DIGEST_LEN];
    pw_bundle_lock_digest(in->lock, digest);
    if (b.lock_digest && strcmp(b.lock_digest, digest) != 0) {
        rc = pw_error_set(err, PW_EINVAL,
                          "%s was built from another lock (%s), not %s (%s); run `pwpkg bundle`",
                          in->bundle_dir, b.lock_digest, in->lock_path, digest);
        report_bundle_free(&b);
        return rc;
    }
    if (in->trace && in->trace->lock_digest && strcmp(in->trace->lock_digest, digest) != 0) {
        rc = pw_error_set(err, PW_EINVAL,
                          "the trace was made from another lock (%s), not %s (%s); run `pwpkg "
                          "check --trace` again",
                          in->trace->lock_digest, in->lock_path, digest);
        report_bundle_free(&b);
        return rc;
    }
    tm_package *tm = NULL;
    rc = treemap_data(in->bundle_dir, &b, &tm, err);

    pw_buf_puts(out, page_head);
    pw_buf_puts(out, "<body>\n<h1>pwpkg report: ");
    pw_escape_html(out, in->bundle_dir);
    pw_buf_puts(out, "</h1>\n<p>");
    pw_buf_printf(out, "%zu packages, %zu files: ", b.n_packages, b.n_files);
    pw_format_size(out, b.raw_total);
    pw_buf_puts(out, " on disk, ");
    pw_format_size(out, b.gz_total);
    pw_buf_puts(out, " gzipped. Lock ");
    pw_escape_html(out, in->lock_path);
    pw_buf_printf(out, " (%s), Pyodide ", digest);
    pw_escape_html(out, in->lock->release.pyodide ? in->lock->release.pyodide : "?");
    pw_buf_puts(out, ".</p>\n");

    pw_buf_puts(out, "<h2 id=\"size\">Size against the Workers limits (gzip)</h2>\n");
    limits_bar(out, &b);
    pw_buf_puts(out, "<p class=\"note\">Cloudflare counts the Worker's whole upload; the "
                     "Worker's own modules come on top of the bundle.</p>\n");

    pw_buf_puts(out, "<h2 id=\"treemap\">Treemap by package and file</h2>\n<p>"
                     "<button type=\"button\" data-view=\"gzip\" aria-pressed=\"true\">gzip"
                     "</button><button type=\"button\" data-view=\"raw\" aria-pressed=\"false\">"
                     "raw</button> <span class=\"note\">Hover a box for its file and sizes.</span>"
                     "</p>\n");
    if (rc == PW_OK) {
        treemap(out, tm, b.n_packages, true, "treemap-gz", false);
        treemap(out, tm, b.n_packages, false, "treemap-raw", true);
    }
    pw_buf_puts(out, "<h2 id=\"packages-title\">Packages</h2>\n");
    package_table(out, &b);

    pw_buf_puts(out, "<h2 id=\"import-time\">Import time</h2>\n");
    if (in->profile)
        profile_section(out, in->profile);
    else
        pw_buf_puts(out, "<p class=\"note\" id=\"no-profile\">No profile given: run "
                         "<code>pwpkg --json check --profile &gt; profile.json</code> and "
                         "<code>pwpkg report --profile profile.json</code>.</p>\n");

    pw_buf_puts(out, "<h2 id=\"dependencies\">Dependency graph (from the lock)</h2>\n");
    dependency_graph(out, in->lock);

    pw_buf_puts(out, "<h2 id=\"slim\">What slimming from a trace would save</h2>\n");
    if (in->trace && rc == PW_OK) {
        pw_buf_puts(out, "<p class=\"note\">Kept: the files the trace names, the .py beside "
                         "a traced .pyc, and every .dist-info; files you keep with "
                         "<code>--keep</code> are counted as dropped here.</p>\n");
        rc = slimming_section(out, in->bundle_dir, &b, in->trace, err);
    } else {
        pw_buf_puts(out, "<p class=\"note\" id=\"no-trace\">No trace given: run "
                         "<code>pwpkg check --trace trace.json</code> and "
                         "<code>pwpkg report --trace trace.json</code>.</p>\n");
    }
    pw_buf_puts(out, page_script);
    pw_buf_puts(out, "</body>\n</html>\n");

    for (size_t i = 0; tm && i < b.n_packages; i++)
        free(tm[i].files);
    free(tm);
    report_bundle_free(&b);
    return rc;
}

int pw_html_report_write(const pw_html_report_input *in, const char *out_path, pw_error *err)
{
    pw_buf page = PW_BUF_INIT;
    int rc = pw_html_report(in, &page, err);
    if (rc == PW_OK)
        rc = pw_write_file_atomic(out_path, page.data, page.len, err);
    pw_buf_free(&page);
    return rc;
}
