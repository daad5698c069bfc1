/*
 * test_budget.c: CI budgets (src/compare/budget.c), table-driven: each
 * expression against comparisons and leaks with known totals, and the
 * value, the verdict and the boundaries worked out by hand.  A change is
 * AFTER - BEFORE, a percentage is that change relative to BEFORE
 * (docs/ci.md): 100 -> 150 is +50 %, and "> +50%" is not exceeded there
 * while ">= +50%" is.
 */
#include "helpers.h"

#include "compare/compare.h"

#include <math.h>
#include <string.h>

/* A comparison with the given totals and one row, class Foo (by id when
 * by_id), on the stack: the budget code reads only these. */
typedef struct fake_compare {
    struct ms_compare c;
    ms_compare_row row;
} fake_compare;

static void make_compare(fake_compare *f, uint64_t before_size, uint64_t after_size,
                         uint32_t before_nodes, uint32_t after_nodes, int by_id)
{
    memset(f, 0, sizeof *f);
    f->c.by_id = by_id;
    f->c.totals.before_size = before_size;
    f->c.totals.after_size = after_size;
    f->c.totals.before_nodes = before_nodes;
    f->c.totals.after_nodes = after_nodes;
    f->row.key = ",Foo";
    f->row.name = "Foo";
    f->c.rows = &f->row;
    f->c.count = 1;
}

static ms_budget parse(const char *text)
{
    ms_budget b;
    ms_error err = MS_ERROR_INIT;
    if (ms_budget_parse(text, &b, &err) != MS_OK)
        fail_msg("'%s' does not parse: %s", text, err.message);
    return b;
}

typedef struct totals_case {
    const char *expr;
    uint64_t before, after; /* total sizes, bytes */
    double value;           /* the measured value */
    int exceeded;
} totals_case;

/* Totals: percentages relative to BEFORE, changes, absolute limits, the
 * exact > / >= boundaries, zero before, shrinking totals. */
static void test_budget__totals(void **state)
{
    static const totals_case cases[] = {
        {"total>+50%", 100, 150, 50.0, 0},        /* +50 % exactly: not above */
        {"total>=+50%", 100, 150, 50.0, 1},
        {"total>+49.9%", 100, 150, 50.0, 1},
        {"total>+25%", 1000, 1277, 27.7, 1},      /* relative to AFTER it would be 21.7 % */
        {"total>+30%", 1000, 1277, 27.7, 0},
        {"total>+5%", 0, 10, INFINITY, 1},        /* growth from nothing */
        {"total>+5%", 0, 0, 0.0, 0},
        {"total>+0%", 200, 150, -25.0, 0},        /* shrinking */
        {"total>-30%", 200, 150, -25.0, 1},       /* a limit on how much it may shrink */
        {"total>-25%", 200, 150, -25.0, 0},
        {"total>=-25%", 200, 150, -25.0, 1},
        {"total>+1KB", 1000, 2024, 1024.0, 0},    /* 1 KB = 1024 B */
        {"total>=+1KB", 1000, 2024, 1024.0, 1},
        {"total>+1023", 1000, 2024, 1024.0, 1},   /* a plain number is bytes */
        {"total>+0", 200, 150, -50.0, 0},
        {"total>-60", 200, 150, -50.0, 1},
        {"total>149", 100, 150, 150.0, 1},        /* absolute: AFTER's value */
        {"total>150", 100, 150, 150.0, 0},
        {"total>=150", 100, 150, 150.0, 1},
        {"total>1MB", 0, 1048577, 1048577.0, 1},
        {"total>1MiB", 0, 1048576, 1048576.0, 0},
        {"total>1G", 0, 1073741824, 1073741824.0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const totals_case *t = &cases[i];
        fake_compare f;
        ms_budget b = parse(t->expr);
        ms_budget_result r;
        make_compare(&f, t->before, t->after, 10, 10, 1);
        ms_budget_check_compare(&b, &f.c, &r);
        if (!r.measured || r.exceeded != t->exceeded ||
            (isinf(t->value) ? !isinf(r.value) : fabs(r.value - t->value) > 0.05))
            fail_msg("%s on %llu -> %llu: measured %d, value %g (want %g), exceeded %d (want %d): %s",
                     t->expr, (unsigned long long)t->before, (unsigned long long)t->after,
                     r.measured, r.value, t->value, r.exceeded, t->exceeded, r.message);
    }
}

/* The other measures of a comparison: objects, new objects, what they
 * retain (a percentage of BEFORE's total), one class by id and per class. */
static void test_budget__measures(void **state)
{
    fake_compare f;
    ms_budget_result r;
    ms_budget b;
    (void)state;

    make_compare(&f, 1000, 1100, 40, 40, 1);
    b = parse("objects>=+0");
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && r.exceeded && r.value == 0);
    b = parse("objects>+0");
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && !r.exceeded);

    f.c.totals.new_count = 11;
    f.c.totals.new_size = 300;
    b = parse("new>10");
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && r.exceeded && r.value == 11);
    b = parse("new>300B");                    /* with a unit: their bytes */
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && !r.exceeded && r.value == 300);
    f.c.by_id = 0;                            /* per class: no new objects known */
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(!r.measured && r.exceeded);
    assert_non_null(strstr(r.message, "matched by id"));
    f.c.by_id = 1;

    b = parse("new-retained>+1%");            /* relative to BEFORE's total */
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(!r.measured && r.exceeded); /* no groups: not measured */
    f.c.groups = (ms_path_groups *)1;         /* only its presence is read */
    f.c.totals.new_retained = 20;
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && r.exceeded && fabs(r.value - 2.0) < 1e-9);
    b = parse("new-retained>+2%");
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && !r.exceeded);
    b = parse("new-retained>19");
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && r.exceeded && r.value == 20);
    f.c.groups = NULL;

    /* One class by id: AFTER holds 10, 6 of them new (count_delta +6):
     * BEFORE's count is 10 - 6 = 4, a change of +6, +150 %. */
    f.row.after_count = 10;
    f.row.count_delta = 6;
    f.row.after_size = 400;
    f.row.size_delta = 100;
    b = parse("class:Foo>+5");
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && r.exceeded && r.value == 6);
    b = parse("class:,Foo>=+150%");           /* by key too */
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && r.exceeded && fabs(r.value - 150.0) < 1e-9);
    b = parse("class:Foo>+100B");             /* bytes: 300 -> 400 */
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && !r.exceeded && r.value == 100);
    b = parse("class:Bar>0");                 /* no such class: 0 */
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && !r.exceeded && r.value == 0);
    /* Per class (not by id): before and after counts. */
    f.c.by_id = 0;
    f.row.before_count = 8;
    b = parse("class:Foo>+1");
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(r.measured && r.exceeded && r.value == 2);
    b = parse("leaks>0");                     /* not a comparison's measure */
    ms_budget_check_compare(&b, &f.c, &r);
    assert_true(!r.measured && r.exceeded);
}

/* Leaks: the count and the retained bytes of what the program holds (not
 * every leaked object), a class; no BEFORE to change from. */
static void test_budget__leaks(void **state)
{
    struct ms_leaks l;
    ms_class_row row = {",Foo", "Foo", 3, 96, 4096, 1, 0};
    ms_budget_result r;
    ms_budget b;
    (void)state;
    memset(&l, 0, sizeof l);
    l.totals.count = 5;                       /* 2 are the engine's own */
    l.totals.shallow_size = 160;
    l.totals.retained_size = 8192;
    l.totals.program_count = 3;
    l.totals.program_retained_size = 4096;
    l.rows = &row;
    l.nrows = 1;
    b = parse("leaks>0");
    ms_budget_check_leaks(&b, &l, &r);
    assert_true(r.measured && r.exceeded && r.value == 3);
    b = parse("leaks>3");
    ms_budget_check_leaks(&b, &l, &r);
    assert_true(r.measured && !r.exceeded);
    b = parse("leaks>=3");
    ms_budget_check_leaks(&b, &l, &r);
    assert_true(r.measured && r.exceeded);
    b = parse("leaks>4KB");                   /* with a unit: bytes retained */
    ms_budget_check_leaks(&b, &l, &r);
    assert_true(r.measured && !r.exceeded && r.value == 4096);
    b = parse("class:Foo>2");
    ms_budget_check_leaks(&b, &l, &r);
    assert_true(r.measured && r.exceeded && r.value == 3);
    b = parse("class:Foo>+2");                /* a change: leaks has no BEFORE */
    ms_budget_check_leaks(&b, &l, &r);
    assert_true(!r.measured && r.exceeded);
    b = parse("total>0");
    ms_budget_check_leaks(&b, &l, &r);
    assert_true(!r.measured && r.exceeded);
}

/* Expressions that are not budgets, and why. */
static void test_budget__parse_errors(void **state)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"total+5%", "no '>'"},
        {"size>5", "unknown measure 'size'"},
        {"class:>5", "class: needs a class name"},
        {"total>", "no limit after '>'"},
        {"total>=", "no limit after '>='"},
        {"total>five", "'five' is not a number"},
        {"total>5%", "a percentage is a change"},
        {"total>+5parsecs", "unknown unit 'parsecs'"},
        {"objects>5MB", "objects counts objects: no unit"},
        {"new>+5%", "no percentage for new"},
        {"leaks>+5%", "no percentage for leaks"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ms_budget b;
        ms_error err = MS_ERROR_INIT;
        assert_int_equal(ms_budget_parse(bad[i].text, &b, &err), MS_EINVAL);
        if (!strstr(err.message, bad[i].why))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err.message, bad[i].why);
    }
    {
        ms_budget b = parse("class:<div>>=+10%");   /* the last '>' splits */
        assert_string_equal(b.cls, "<div>");
        assert_int_equal(b.measure, MS_BUDGET_CLASS);
        assert_int_equal(b.form, MS_BUDGET_PERCENT);
        assert_true(b.or_equal);
        assert_true(b.limit == 10.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget__totals),
        cmocka_unit_test(test_budget__measures),
        cmocka_unit_test(test_budget__leaks),
        cmocka_unit_test(test_budget__parse_errors),
    };
    return cmocka_run_group_tests_name("compare/budget", tests, NULL, NULL);
}
