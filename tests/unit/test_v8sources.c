/*
 * test_v8sources.c: where a V8 object's code is and whose it is
 * (src/v8/sources.c) on a snapshot shaped as Chromium writes it, through
 * the public API.
 *
 * Chromium's V8 names things otherwise than Node.js's: a Script node
 * "system / Script / URL" (its `name` edge holds the URL), a scope
 * "system / Context / scope @N", a NativeContext "system / NativeContext /
 * URL"; a page's classic scripts keep their top-level variables in a
 * script scope in the NativeContext's script_context_table, a variable may
 * sit in a "system / ContextCell", and Blink's objects are `native` nodes:
 * DOM nodes carry a detachedness, Blink's own C++ objects are named with
 * their namespace ("blink::FontCache").  The snapshot below is the
 * detached-DOM leak in small: a script scope's `detachedCards` holds an
 * array of CardView objects, each holding a detached <div>.
 */
#include "helpers.h"

#include <stdlib.h>

static const char *const strings[] = {
    "",                                                      /* 0 */
    "(GC roots)",                                            /* 1 */
    "(Global handles)",                                      /* 2 */
    "system / NativeContext / file:///page.html",            /* 3 */
    "system / ScriptContextTable",                           /* 4 */
    "system / Context / scope @99",                          /* 5 */
    "Array",                                                 /* 6 */
    "CardView",                                              /* 7 */
    "<div class=\\\"card\\\">",                              /* 8 */
    "blink::UniqueElementData",                              /* 9 */
    "open",                                                  /* 10 */
    "system / SharedFunctionInfo / open",                    /* 11 */
    "blink::FontCache",                                      /* 12 */
    "system / ContextCell",                                  /* 13 */
    "system / Script / file:///page.html",                   /* 14 */
    "file:///page.html",                                     /* 15 */
    "inject",                                                /* 16 */
    "system / SharedFunctionInfo / inject",                  /* 17 */
    "system / Script / chrome-extension://abcdef/content.js", /* 18 */
    "chrome-extension://abcdef/content.js",                  /* 19 */
    "script_context_table",                                  /* 20 */
    "detachedCards",                                         /* 21 */
    "previous",                                              /* 22 */
    "el",                                                    /* 23 */
    "context",                                               /* 24 */
    "shared",                                                /* 25 */
    "script",                                                /* 26 */
    "name",                                                  /* 27 */
    "value",                                                 /* 28 */
    "cache",                                                 /* 29 */
    "fonts",                                                 /* 30 */
    "h",                                                     /* 31 */
};

/* Node types (V8_META): object 3, code 4, closure 5, string 2, native 8,
 * synthetic 9; edge types: context 0, element 1, property 2, internal 3,
 * hidden 4.  Fields: type, name, id (2 i + 1 for node i), self_size,
 * edge_count, trace_node_id, detachedness; an edge's target is the node's
 * index times 7. */
static const char nodes[] =
    /* n0  */ "9,0,1,0,1,0,0,"
    /* n1  */ "9,1,3,0,1,0,0,"
    /* n2  */ "9,2,5,0,3,0,0,"
    /* n3  */ "8,3,7,100,2,0,0,"
    /* n4  */ "8,4,9,16,1,0,0,"
    /* n5  */ "3,5,11,40,3,0,0,"
    /* n6  */ "3,6,13,16,1,0,0,"
    /* n7  */ "3,7,15,20,1,0,0,"
    /* n8  */ "8,8,17,104,1,0,2,"
    /* n9  */ "8,9,19,112,0,0,0,"
    /* n10 */ "5,10,21,32,2,0,0,"
    /* n11 */ "4,11,23,48,1,0,0,"
    /* n12 */ "8,12,25,64,0,0,0,"
    /* n13 */ "8,13,27,24,1,0,0,"
    /* n14 */ "4,14,29,80,1,0,0,"
    /* n15 */ "2,15,31,40,0,0,0,"
    /* n16 */ "5,16,33,32,1,0,0,"
    /* n17 */ "4,17,35,48,1,0,0,"
    /* n18 */ "4,18,37,80,1,0,0,"
    /* n19 */ "2,19,39,60,0,0,0,"
    /* n20 */ "3,6,41,16,0,0,0";

#define S(x) #x
#define E(type, name, to) S(type) "," S(name) "," S(to) ","

static char *snapshot_text(void)
{
    /* edges in node order */
    static const char edges[] =
        /* n0  */ E(1, 1, 7)
        /* n1  */ E(1, 1, 14)
        /* n2  */ E(3, 31, 21) E(1, 2, 70) E(1, 3, 112)
        /* n3  */ E(3, 20, 28) E(3, 30, 84)
        /* n4  */ E(4, 0, 35)
        /* n5  */ E(0, 21, 42) E(0, 29, 91) E(3, 22, 21)
        /* n6  */ E(1, 0, 49)
        /* n7  */ E(2, 23, 56)
        /* n8  */ E(1, 0, 63)
        /* n10 */ E(3, 24, 35) E(3, 25, 77)
        /* n11 */ E(3, 26, 98)
        /* n13 */ E(3, 28, 140)
        /* n14 */ E(3, 27, 105)
        /* n16 */ E(3, 25, 119)
        /* n17 */ E(3, 26, 126)
        /* n18 */ E(3, 27, 133);
    /* CardView's constructor (n7) and open (n10) in script 3, inject (n16)
     * in script 7 */
    static const char locations[] = "49,3,30,13,70,3,40,2,112,7,0,0";
    size_t cap = 8192, len;
    char *text = malloc(cap);
    assert_non_null(text);
    len = (size_t)snprintf(text, cap,
                           "{\"snapshot\":{" V8_META ",\"node_count\":21,\"edge_count\":22},"
                           "\"nodes\":[%s],\"edges\":[%.*s],\"locations\":[%s],\"strings\":[",
                           nodes, (int)(sizeof edges - 2), edges, locations);
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s\"%s\"", i ? "," : "", strings[i]);
    snprintf(text + len, cap - len, "]}");
    assert_true(len + 3 < cap);
    return text;
}

static ms_node node_at(ms_snapshot *snap, unsigned i)
{
    ms_node n = ms_snapshot_find_id(snap, 2 * (uint64_t)i + 1);
    assert_true(n != MS_NODE_NONE);
    return n;
}

static void test_v8sources__chromium_page(void **state)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    ms_location loc;
    char scope[64];
    char *text = snapshot_text();
    (void)state;
    if (open_text(text, &snap, &err) != MS_OK)
        print_error("open: %s\n", err.message);
    assert_non_null(snap);
    assert_int_equal(ms_snapshot_compute(snap, MS_ANALYSIS_SOURCES | MS_ANALYSIS_CLASSES, &err),
                     MS_OK);

    /* the URL alone, from the Script node's name edge */
    assert_int_equal(ms_node_location(snap, node_at(snap, 7), &loc), 1);
    assert_string_equal(loc.file, "file:///page.html");
    assert_int_equal(loc.line, 31);
    assert_int_equal(ms_node_origin(snap, node_at(snap, 7)), MS_ORIGIN_USER);
    assert_int_equal(ms_node_origin(snap, node_at(snap, 10)), MS_ORIGIN_USER);
    assert_int_equal(ms_class_origin(snap, ms_node_class_key(snap, node_at(snap, 7)),
                                     ms_node_class(snap, node_at(snap, 7))),
                     MS_ORIGIN_USER);

    /* "system / Context / scope @99" is a scope, the page's script scope,
     * of the page's script */
    assert_int_equal(ms_node_scope(snap, node_at(snap, 5), scope, sizeof scope), 12);
    assert_string_equal(scope, "script scope");
    assert_int_equal(ms_node_location(snap, node_at(snap, 5), &loc), 1);
    assert_string_equal(loc.file, "file:///page.html");
    assert_int_equal(ms_node_origin(snap, node_at(snap, 5)), MS_ORIGIN_USER);

    /* a detached DOM tree, its C++ parts too, is as its holder */
    assert_string_equal(ms_node_class(snap, node_at(snap, 8)), "Detached <div>");
    assert_int_equal(ms_node_origin(snap, node_at(snap, 8)), MS_ORIGIN_UNKNOWN);
    assert_string_equal(ms_node_class(snap, node_at(snap, 9)), "Detached blink::UniqueElementData");
    assert_int_equal(ms_node_origin(snap, node_at(snap, 9)), MS_ORIGIN_UNKNOWN);
    assert_int_equal(ms_class_origin(snap, ms_node_class_key(snap, node_at(snap, 9)),
                                     ms_node_class(snap, node_at(snap, 9))),
                     MS_ORIGIN_UNKNOWN);

    /* Blink's own objects are the runtime's */
    assert_int_equal(ms_node_origin(snap, node_at(snap, 12)), MS_ORIGIN_RUNTIME);
    assert_int_equal(ms_class_origin(snap, ms_node_class_key(snap, node_at(snap, 12)),
                                     ms_node_class(snap, node_at(snap, 12))),
                     MS_ORIGIN_RUNTIME);
    assert_int_equal(ms_node_origin(snap, node_at(snap, 3)), MS_ORIGIN_RUNTIME);

    /* a variable's cell passes on what holds it */
    assert_int_equal(ms_node_origin(snap, node_at(snap, 13)), MS_ORIGIN_UNKNOWN);

    /* an extension's script is the browser's */
    assert_int_equal(ms_node_location(snap, node_at(snap, 16), &loc), 1);
    assert_string_equal(loc.file, "chrome-extension://abcdef/content.js");
    assert_int_equal(ms_node_origin(snap, node_at(snap, 16)), MS_ORIGIN_RUNTIME);

    ms_snapshot_free(snap);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v8sources__chromium_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
