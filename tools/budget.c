/*
 * budget.c: --fail-on expressions and --ignore files (budget.h).
 */
#define _GNU_SOURCE
#include "budget.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return false;
}

bool budget_parse(const char *text, budget *out, char *why, size_t why_len)
{
    static const struct {
        const char *name;
        budget_metric m;
    } metrics[] = {{"total", BUDGET_TOTAL},
                   {"objects", BUDGET_OBJECTS},
                   {"new-retained", BUDGET_NEW_RETAINED},
                   {"new", BUDGET_NEW},
                   {"leaks", BUDGET_LEAKS}};
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {/* as --min-size: binary, like the sizes memsnap prints */
                 {"B", 1},           {"K", 1024.0},      {"KB", 1024.0},
                 {"KiB", 1024.0},    {"M", 1048576.0},   {"MB", 1048576.0},
                 {"MiB", 1048576.0}, {"G", 1073741824.0}, {"GB", 1073741824.0},
                 {"GiB", 1073741824.0}};
    const char *op, *p;
    char *end;
    double v;
    bool sign = false;

    memset(out, 0, sizeof *out);
    out->text = text;
    /* The last '>': class names may hold one ("<div>"), limits never do. */
    op = strrchr(text, '>');
    if (!op)
        return fail(why, why_len, "no '>' (write e.g. total>+5%%, class:Foo>+100)");
    /* The metric. */
    if (strncmp(text, "class:", 6) == 0) {
        if (op == text + 6)
            return fail(why, why_len, "class: needs a class name");
        if ((size_t)(op - text - 6) >= sizeof out->cls)
            return fail(why, why_len, "class name longer than %zu bytes", sizeof out->cls - 1);
        out->metric = BUDGET_CLASS;
        memcpy(out->cls, text + 6, (size_t)(op - text - 6));
        out->cls[op - text - 6] = 0;
    } else {
        size_t i, len = (size_t)(op - text);
        for (i = 0; i < sizeof metrics / sizeof *metrics; i++)
            if (strlen(metrics[i].name) == len && strncmp(text, metrics[i].name, len) == 0)
                break;
        if (i == sizeof metrics / sizeof *metrics)
            return fail(why, why_len,
                        "unknown measure '%.*s' (total, objects, new, new-retained, leaks, "
                        "class:NAME)",
                        (int)len, text);
        out->metric = metrics[i].m;
    }
    p = op + 1;
    if (*p == '=') {
        out->or_equal = true;
        p++;
    }
    /* The limit. */
    if (*p == '+' || *p == '-')
        sign = true;
    if (!*p || isspace((unsigned char)*p))
        return fail(why, why_len, "no limit after '%s'", out->or_equal ? ">=" : ">");
    errno = 0;
    v = strtod(p, &end);
    if (errno || end == p || !isfinite(v) || (*p != '+' && *p != '-' && !isdigit((unsigned char)*p)))
        return fail(why, why_len, "'%s' is not a number", p);
    if (strcmp(end, "%") == 0) {
        if (!sign)
            return fail(why, why_len, "a percentage is a change: write %s+%s", "METRIC>", p);
        out->form = BUDGET_PERCENT;
    } else {
        out->form = sign ? BUDGET_CHANGE : BUDGET_ABSOLUTE;
        if (*end) {
            size_t i;
            for (i = 0; i < sizeof units / sizeof *units; i++)
                if (strcmp(end, units[i].suffix) == 0)
                    break;
            if (i == sizeof units / sizeof *units)
                return fail(why, why_len, "unknown unit '%s' (B, KB, MB, GB, or %%; 1 KB = 1024 B)",
                            end);
            v *= units[i].mult;
            out->bytes = true;
        }
    }
    if (out->form == BUDGET_ABSOLUTE && v < 0)
        return fail(why, why_len, "a negative absolute limit");
    out->limit = v;
    switch (out->metric) {
    case BUDGET_TOTAL:
        out->bytes = true; /* a plain number is bytes */
        break;
    case BUDGET_OBJECTS:
        if (out->bytes)
            return fail(why, why_len, "objects counts objects: no unit (use total for bytes)");
        break;
    case BUDGET_NEW:
    case BUDGET_LEAKS:
        if (out->form == BUDGET_PERCENT)
            return fail(why, why_len, "no percentage for %s (give a count or a size)",
                        out->metric == BUDGET_NEW ? "new" : "leaks");
        break;
    case BUDGET_NEW_RETAINED:
        out->bytes = true;
        break;
    case BUDGET_CLASS:
        break;
    }
    return true;
}

/* ---- checking ----------------------------------------------------------- */

typedef struct measure {
    double before, after; /* for changes and percentages */
    bool has_before;
} measure;

static double pct(double before, double after)
{
    return before > 0 ? (after - before) * 100.0 / before : (after > before ? INFINITY : 0);
}

static void fmt_amount(char *buf, size_t n, double v, bool bytes)
{
    char a[32];
    if (bytes)
        snprintf(buf, n, "%s%s", v < 0 ? "-" : "", cli_size((uint64_t)fabs(v), a));
    else
        snprintf(buf, n, "%s%s", v < 0 ? "-" : "", cli_count((uint64_t)fabs(v), a));
}

/* Per-class amounts: rows whose name or key is cls. */
static void class_measure(const budget *b, const budget_facts *f, measure *m)
{
    m->before = m->after = 0;
    m->has_before = f->cmp != NULL;
    if (f->cmp) {
        for (size_t i = 0; i < ms_compare_row_count(f->cmp); i++) {
            const ms_compare_row *r = ms_compare_row_get(f->cmp, i);
            if (strcmp(r->name, b->cls) != 0 && strcmp(r->key, b->cls) != 0)
                continue;
            if (ms_compare_by_id(f->cmp)) {
                /* Change by id: DevTools' deltas; the absolute value is AFTER's. */
                m->after += b->bytes ? (double)r->after_size : (double)r->after_count;
                m->before += (b->bytes ? (double)r->after_size : (double)r->after_count) -
                             (b->bytes ? (double)r->size_delta : (double)r->count_delta);
            } else {
                m->before += b->bytes ? (double)r->before_size : (double)r->before_count;
                m->after += b->bytes ? (double)r->after_size : (double)r->after_count;
            }
        }
    } else if (f->leaks) {
        for (size_t i = 0; i < ms_leaks_class_count(f->leaks); i++) {
            const ms_class_row *r = ms_leaks_class(f->leaks, i);
            if (strcmp(r->name, b->cls) == 0 || strcmp(r->key, b->cls) == 0)
                m->after += b->bytes ? (double)r->retained_size : (double)r->count;
        }
    }
}

bool budget_check(const budget *b, const budget_facts *f, bool *exceeded, double *value,
                  char *msg, size_t msg_len)
{
    measure m = {0, 0, f->have_before};
    const char *what = "";
    char x[48], y[48], z[600];
    double v;

    *exceeded = false;
    *value = 0;
    switch (b->metric) {
    case BUDGET_TOTAL:
        m.before = (double)f->before_total;
        m.after = (double)f->after_total;
        what = "total size";
        break;
    case BUDGET_OBJECTS:
        m.before = (double)f->before_objects;
        m.after = (double)f->after_objects;
        what = "objects";
        break;
    case BUDGET_NEW:
        if (!f->have_new)
            return fail(msg, msg_len, "new objects are only known when objects are matched by id");
        m.has_before = false;
        m.after = b->bytes ? (double)f->new_size : (double)f->new_count;
        what = b->bytes ? "new objects' size" : "new objects";
        break;
    case BUDGET_NEW_RETAINED:
        if (!f->have_new || !f->have_retained)
            return fail(msg, msg_len, "new-retained needs objects matched by id and paths "
                                      "(not --no-paths)");
        m.has_before = false;
        m.after = (double)f->new_retained;
        what = "retained by new objects";
        if (b->form == BUDGET_PERCENT) {
            v = f->before_total ? m.after * 100.0 / (double)f->before_total : INFINITY;
            *value = v;
            *exceeded = b->or_equal ? v >= b->limit : v > b->limit;
            fmt_amount(x, sizeof x, m.after, true);
            fmt_amount(y, sizeof y, (double)f->before_total, true);
            snprintf(msg, msg_len, "new objects retain %s, %.1f%% of the %s before", x, v, y);
            return true;
        }
        break;
    case BUDGET_LEAKS:
        if (!f->have_leaks)
            return fail(msg, msg_len, "leaks is measured by `memsnap leaks`, not by compare");
        m.has_before = false;
        m.after = b->bytes ? (double)f->leak_retained : (double)f->leak_count;
        what = b->bytes ? "retained by leaked objects" : "leaked objects";
        break;
    case BUDGET_CLASS:
        class_measure(b, f, &m);
        what = b->cls;
        break;
    }
    if (b->form != BUDGET_ABSOLUTE && !m.has_before &&
        (b->metric == BUDGET_TOTAL || b->metric == BUDGET_OBJECTS || b->metric == BUDGET_CLASS))
        return fail(msg, msg_len, "a change needs a BEFORE snapshot (compare); write %s>VALUE",
                    b->metric == BUDGET_CLASS ? "class:NAME" : "METRIC");
    switch (b->form) {
    case BUDGET_ABSOLUTE:
        v = m.after;
        break;
    case BUDGET_CHANGE:
        v = m.has_before ? m.after - m.before : m.after;
        break;
    default:
        v = pct(m.before, m.after);
        break;
    }
    *value = v;
    *exceeded = b->or_equal ? v >= b->limit : v > b->limit;
    fmt_amount(x, sizeof x, m.before, b->bytes);
    fmt_amount(y, sizeof y, m.after, b->bytes);
    if (b->metric == BUDGET_CLASS)
        snprintf(z, sizeof z, "%s of class %s", b->bytes ? "size" : "objects", what);
    else
        snprintf(z, sizeof z, "%s", what);
    if (!m.has_before || b->form == BUDGET_ABSOLUTE)
        snprintf(msg, msg_len, "%s: %s", z, y);
    else if (b->form == BUDGET_CHANGE) {
        char d[48];
        fmt_amount(d, sizeof d, m.after - m.before, b->bytes);
        snprintf(msg, msg_len, "%s changed by %s%s (%s -> %s)", z, m.after >= m.before ? "+" : "",
                 d, x, y);
    } else {
        snprintf(msg, msg_len, "%s changed by %+.1f%% (%s -> %s)", z, v, x, y);
    }
    return true;
}

/* ---- --ignore files ------------------------------------------------------ */

static int push(char ***list, size_t *n, const char *s, size_t len)
{
    char **nl = realloc(*list, (*n + 1) * sizeof *nl);
    if (!nl)
        return -1;
    *list = nl;
    nl[*n] = strndup(s, len);
    if (!nl[*n])
        return -1;
    (*n)++;
    return 0;
}

int ignore_load(const char *path, ignore_list *list)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned lineno = 0;
    int rc = CLI_OK;
    if (!f) {
        fprintf(stderr, "memsnap: %s: %s\n", path, strerror(errno));
        return CLI_USAGE;
    }
    while ((got = getline(&line, &cap, f)) >= 0) {
        char *s = line, *e = line + got;
        lineno++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        while (s < e && isspace((unsigned char)*s))
            s++;
        if (s == e || *s == '#')
            continue;
        if ((size_t)(e - s) > 5 && strncmp(s, "path", 4) == 0 && isspace((unsigned char)s[4])) {
            s += 5;
            while (s < e && isspace((unsigned char)*s))
                s++;
            if (push(&list->paths, &list->npaths, s, (size_t)(e - s)) < 0)
                goto oom;
        } else if ((size_t)(e - s) > 6 && strncmp(s, "class", 5) == 0 &&
                   isspace((unsigned char)s[5])) {
            s += 6;
            while (s < e && isspace((unsigned char)*s))
                s++;
            if (push(&list->classes, &list->nclasses, s, (size_t)(e - s)) < 0)
                goto oom;
        } else if (strncmp(s, "path", 4) == 0 && (size_t)(e - s) == 4) {
            fprintf(stderr, "memsnap: %s: line %u: 'path' needs a pattern\n", path, lineno);
            rc = CLI_USAGE;
            break;
        } else {
            if (push(&list->classes, &list->nclasses, s, (size_t)(e - s)) < 0)
                goto oom;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "memsnap: %s: %s\n", path, strerror(errno));
        rc = CLI_USAGE;
    }
    free(line);
    fclose(f);
    return rc;
oom:
    free(line);
    fclose(f);
    fprintf(stderr, "memsnap: %s: out of memory\n", path);
    return CLI_FAILED;
}

void ignore_apply(const ignore_list *list, ms_compare_options *o)
{
    o->ignore_classes = (const char *const *)list->classes;
    o->ignore_class_count = list->nclasses;
    o->ignore_paths = (const char *const *)list->paths;
    o->ignore_path_count = list->npaths;
}

void ignore_free(ignore_list *list)
{
    for (size_t i = 0; i < list->nclasses; i++)
        free(list->classes[i]);
    for (size_t i = 0; i < list->npaths; i++)
        free(list->paths[i]);
    free(list->classes);
    free(list->paths);
    memset(list, 0, sizeof *list);
}
