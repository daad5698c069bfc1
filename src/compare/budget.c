/*
 * budget.c: CI budgets (--fail-on EXPR, docs/ci.md): parsing an expression
 * and checking it against a comparison or leaks.
 */
#include "compare.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(ms_error *err, const char *fmt, ...) MS_PRINTF(2, 3);
static int bad(ms_error *err, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return ms__fail(err, MS_EINVAL, UINT64_MAX, "%s", why);
}

/* A message into msg[] and false: the budget cannot be measured. */
static bool fail(char *msg, size_t n, const char *fmt, ...) MS_PRINTF(3, 4);
static bool fail(char *msg, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return false;
}

/* The measure: "class:NAME" or a name, before the operator at op. */
static int parse_measure(const char *text, const char *op, ms_budget *out, ms_error *err)
{
    static const struct {
        const char *name;
        ms_budget_measure m;
    } measures[] = {{"total", MS_BUDGET_TOTAL},
                    {"objects", MS_BUDGET_OBJECTS},
                    {"new-retained", MS_BUDGET_NEW_RETAINED},
                    {"new", MS_BUDGET_NEW},
                    {"leaks", MS_BUDGET_LEAKS}};
    size_t len = (size_t)(op - text);
    if (strncmp(text, "class:", 6) == 0) {
        if (len == 6)
            return bad(err, "class: needs a class name");
        if (len - 6 >= sizeof out->cls)
            return bad(err, "class name longer than %zu bytes", sizeof out->cls - 1);
        out->measure = MS_BUDGET_CLASS;
        memcpy(out->cls, text + 6, len - 6);
        out->cls[len - 6] = 0;
        return MS_OK;
    }
    for (size_t i = 0; i < sizeof measures / sizeof *measures; i++) {
        if (strlen(measures[i].name) == len && strncmp(text, measures[i].name, len) == 0) {
            out->measure = measures[i].m;
            return MS_OK;
        }
    }
    return bad(err, "unknown measure '%.*s' (total, objects, new, new-retained, leaks, class:NAME)",
               (int)len, text);
}

/* The limit after the operator: [+|-]NUMBER[%|unit]; a sign makes it a
 * change, "%" a relative one. */
static int parse_limit(const char *p, ms_budget *out, ms_error *err)
{
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {/* binary, like the sizes memsnap prints */
                 {"B", 1},           {"K", 1024.0},      {"KB", 1024.0},
                 {"KiB", 1024.0},    {"M", 1048576.0},   {"MB", 1048576.0},
                 {"MiB", 1048576.0}, {"G", 1073741824.0}, {"GB", 1073741824.0},
                 {"GiB", 1073741824.0}};
    bool sign = *p == '+' || *p == '-';
    char *end;
    double v;
    if (!*p || isspace((unsigned char)*p))
        return bad(err, "no limit after '%s'", out->or_equal ? ">=" : ">");
    errno = 0;
    v = strtod(p, &end);
    if (errno || end == p || !isfinite(v) || (!sign && !isdigit((unsigned char)*p)))
        return bad(err, "'%s' is not a number", p);
    if (strcmp(end, "%") == 0) {
        if (!sign)
            return bad(err, "a percentage is a change: write %s+%s", "METRIC>", p);
        out->form = MS_BUDGET_PERCENT;
    } else {
        out->form = sign ? MS_BUDGET_CHANGE : MS_BUDGET_ABSOLUTE;
        if (*end) {
            size_t i;
            for (i = 0; i < sizeof units / sizeof *units; i++)
                if (strcmp(end, units[i].suffix) == 0)
                    break;
            if (i == sizeof units / sizeof *units)
                return bad(err, "unknown unit '%s' (B, KB, MB, GB, or %%; 1 KB = 1024 B)", end);
            v *= units[i].mult;
            out->bytes = 1;
        }
    }
    out->limit = v;
    return MS_OK;
}

/* What each measure accepts: whether its limit is bytes, percentages. */
static int check_measure(ms_budget *out, ms_error *err)
{
    switch (out->measure) {
    case MS_BUDGET_TOTAL:
    case MS_BUDGET_NEW_RETAINED:
        out->bytes = 1; /* a plain number is bytes */
        break;
    case MS_BUDGET_OBJECTS:
        if (out->bytes)
            return bad(err, "objects counts objects: no unit (use total for bytes)");
        break;
    case MS_BUDGET_NEW:
    case MS_BUDGET_LEAKS:
        if (out->form == MS_BUDGET_PERCENT)
            return bad(err, "no percentage for %s (give a count or a size)",
                       out->measure == MS_BUDGET_NEW ? "new" : "leaks");
        break;
    case MS_BUDGET_CLASS:
        break;
    }
    return MS_OK;
}

ms_status ms_budget_parse(const char *text, ms_budget *out, ms_error *err)
{
    const char *op, *p;
    int rc = MS_OK;
    if (!text || !out)
        return ms__fail(err, MS_EINVAL, UINT64_MAX, "ms_budget_parse: bad arguments");
    memset(out, 0, sizeof *out);
    out->text = text;
    /* The last '>': class names may hold one ("<div>"), limits never do. */
    op = strrchr(text, '>');
    if (!op)
        return bad(err, "no '>' (write e.g. total>+5%%, class:Foo>+100)");
    MS_TRY(parse_measure(text, op, out, err));
    p = op + 1;
    if (*p == '=') {
        out->or_equal = 1;
        p++;
    }
    MS_TRY(parse_limit(p, out, err));
    MS_TRY(check_measure(out, err));
done:
    return rc;
}

/* What budgets are checked against. */
typedef struct facts {
    bool have_before;                    /* compare (false for leaks) */
    uint64_t before_total, after_total;  /* bytes */
    uint64_t before_objects, after_objects;
    uint64_t new_count, new_size, new_retained;
    bool have_new, have_retained;        /* matched by id; paths computed */
    uint64_t leak_count, leak_retained;
    bool have_leaks;
    const ms_compare *cmp;               /* class lookups (compare) */
    const ms_leaks *leaks;               /* class lookups (leaks) */
} facts;

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
        snprintf(buf, n, "%s%s", v < 0 ? "-" : "", ms_size_text((uint64_t)fabs(v), a));
    else
        snprintf(buf, n, "%s%s", v < 0 ? "-" : "", ms_count_text((uint64_t)fabs(v), a));
}

/* Per-class amounts: rows whose name or key is cls. */
static void class_measure(const ms_budget *b, const facts *f, measure *m)
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
            const ms_class_row *r = ms_leaks_class_get(f->leaks, i);
            if (strcmp(r->name, b->cls) == 0 || strcmp(r->key, b->cls) == 0)
                m->after += b->bytes ? (double)r->retained_size : (double)r->count;
        }
    }
}

/* What b measures in the facts: m's values and *what names it; false
 * with msg[] saying why when the facts cannot measure it. */
static bool gather(const ms_budget *b, const facts *f, measure *m, const char **what, char *msg,
                   size_t msg_len)
{
    if (f->have_leaks && b->measure != MS_BUDGET_LEAKS && b->measure != MS_BUDGET_CLASS)
        return fail(msg, msg_len, "leaks measures leaks and class:NAME");
    switch (b->measure) {
    case MS_BUDGET_TOTAL:
        *m = (measure){(double)f->before_total, (double)f->after_total, f->have_before};
        *what = "total size";
        break;
    case MS_BUDGET_OBJECTS:
        *m = (measure){(double)f->before_objects, (double)f->after_objects, f->have_before};
        *what = "objects";
        break;
    case MS_BUDGET_NEW:
        if (!f->have_new)
            return fail(msg, msg_len, "new objects are only known when objects are matched by id");
        *m = (measure){0, b->bytes ? (double)f->new_size : (double)f->new_count, false};
        *what = b->bytes ? "new objects' size" : "new objects";
        break;
    case MS_BUDGET_NEW_RETAINED:
        if (!f->have_new || !f->have_retained)
            return fail(msg, msg_len, "new-retained needs objects matched by id and paths "
                                      "(not --no-paths)");
        *m = (measure){0, (double)f->new_retained, false};
        *what = "retained by new objects";
        break;
    case MS_BUDGET_LEAKS:
        if (!f->have_leaks)
            return fail(msg, msg_len, "leaks is measured by `memsnap leaks`, not by compare");
        *m = (measure){0, b->bytes ? (double)f->leak_retained : (double)f->leak_count, false};
        *what = b->bytes ? "retained by leaked objects the program holds"
                         : "leaked objects the program holds";
        break;
    case MS_BUDGET_CLASS:
        class_measure(b, f, m);
        *what = b->cls;
        break;
    }
    if (b->form != MS_BUDGET_ABSOLUTE && !m->has_before &&
        (b->measure == MS_BUDGET_TOTAL || b->measure == MS_BUDGET_OBJECTS ||
         b->measure == MS_BUDGET_CLASS))
        return fail(msg, msg_len, "a change needs a BEFORE snapshot (compare); write %s>VALUE",
                    b->measure == MS_BUDGET_CLASS ? "class:NAME" : "METRIC");
    return true;
}

/* The one-line account of a measured budget: value v of `what`. */
static void describe(const ms_budget *b, const measure *m, const char *what, double v, char *msg,
                     size_t msg_len)
{
    char x[48], y[48], z[600];
    fmt_amount(x, sizeof x, m->before, b->bytes);
    fmt_amount(y, sizeof y, m->after, b->bytes);
    if (b->measure == MS_BUDGET_CLASS)
        snprintf(z, sizeof z, "%s of class %s", b->bytes ? "size" : "objects", what);
    else
        snprintf(z, sizeof z, "%s", what);
    if (!m->has_before || b->form == MS_BUDGET_ABSOLUTE) {
        snprintf(msg, msg_len, "%s: %s", z, y);
    } else if (b->form == MS_BUDGET_CHANGE) {
        char d[48];
        fmt_amount(d, sizeof d, m->after - m->before, b->bytes);
        snprintf(msg, msg_len, "%s changed by %s%s (%s -> %s)", z, m->after >= m->before ? "+" : "",
                 d, x, y);
    } else {
        snprintf(msg, msg_len, "%s changed by %+.1f%% (%s -> %s)", z, v, x, y);
    }
}

/* Checks b against the facts: *exceeded, *value and a one-line account in
 * msg[]; false with msg[] saying why when the budget cannot be measured
 * here. */
static bool check(const ms_budget *b, const facts *f, bool *exceeded, double *value, char *msg,
                  size_t msg_len)
{
    measure m = {0, 0, false};
    const char *what = "";
    double v;
    *exceeded = false;
    *value = 0;
    if (!gather(b, f, &m, &what, msg, msg_len))
        return false;
    if (b->measure == MS_BUDGET_NEW_RETAINED && b->form == MS_BUDGET_PERCENT) {
        /* A share of BEFORE's total, not a change. */
        char x[48], y[48];
        v = f->before_total ? m.after * 100.0 / (double)f->before_total : INFINITY;
        *value = v;
        *exceeded = b->or_equal ? v >= b->limit : v > b->limit;
        fmt_amount(x, sizeof x, m.after, true);
        fmt_amount(y, sizeof y, (double)f->before_total, true);
        snprintf(msg, msg_len, "new objects retain %s, %.1f%% of the %s before", x, v, y);
        return true;
    }
    v = b->form == MS_BUDGET_ABSOLUTE ? m.after
        : b->form == MS_BUDGET_CHANGE ? (m.has_before ? m.after - m.before : m.after)
                                      : pct(m.before, m.after);
    *value = v;
    *exceeded = b->or_equal ? v >= b->limit : v > b->limit;
    describe(b, &m, what, v, msg, msg_len);
    return true;
}


static void result(const ms_budget *b, const facts *f, ms_budget_result *out)
{
    bool exceeded = false;
    memset(out, 0, sizeof *out);
    out->measured = check(b, f, &exceeded, &out->value, out->message, sizeof out->message);
    /* A budget that cannot be measured counts as exceeded: CI must not
     * pass blind. */
    out->exceeded = !out->measured || exceeded;
}

void ms_budget_check_compare(const ms_budget *b, const ms_compare *c, ms_budget_result *out)
{
    const ms_compare_totals *t = &c->totals;
    facts f = {0};
    f.have_before = true;
    f.before_total = t->before_size;
    f.after_total = t->after_size;
    if (c->trace) { /* live bytes at the end of each trace */
        f.before_total = c->trace_final[0] > 0 ? (uint64_t)c->trace_final[0] : 0;
        f.after_total = c->trace_final[1] > 0 ? (uint64_t)c->trace_final[1] : 0;
    }
    f.before_objects = t->before_nodes;
    f.after_objects = t->after_nodes;
    f.have_new = c->by_id;
    f.have_retained = c->groups != NULL;
    f.new_count = t->new_count;
    f.new_size = t->new_size;
    f.new_retained = t->new_retained;
    f.cmp = c;
    result(b, &f, out);
}

void ms_budget_check_leaks(const ms_budget *b, const ms_leaks *l, ms_budget_result *out)
{
    facts f = {0};
    f.have_leaks = true;
    /* the leaked objects the program holds (ms_leaks_totals) */
    f.leak_count = l->totals.program_count;
    f.leak_retained = l->totals.program_retained_size;
    f.leaks = l;
    result(b, &f, out);
}
