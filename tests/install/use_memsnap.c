/*
 * use_memsnap.c: a program that uses an installed libmemsnap the way any
 * other program would, through <memsnap.h> alone (tests/install/run.sh
 * builds it with pkg-config and with CMake's find_package).
 *
 *   use_memsnap SNAPSHOT BEFORE AFTER LEAKED FREED
 *
 * SNAPSHOT is any V8 snapshot; BEFORE and AFTER are growth.js's pair
 * (tests/fixtures/diff/growth.js --leak LEAKED --temps FREED).  Checks what
 * the library can check against itself, and prints, one "name value" per
 * line, what run.sh compares with the CLI's JSON on the same files:
 *
 *   version 0.1.0
 *   object_count N      summary: objects counted over all classes
 *   shallow_size N      summary: their shallow sizes
 *   class_count N       summary rows
 *   total_size N        the root's retained size
 *   top ID RETAINED     the 5 largest objects, largest first (5 lines)
 *   leaky_added N       compare: the Leaky row's new objects
 *   temp_removed N      compare: the Temp row's deleted objects
 *
 * Exits 1 on any mismatch (a message on stderr says which), 2 on bad usage.
 */
#include <memsnap.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void fail(const char *what, const ms_error *err)
{
    fprintf(stderr, "use_memsnap: %s", what);
    if (err && err->code != MS_OK)
        fprintf(stderr, ": %s (%s)", err->message, ms_status_name(err->code));
    fputc('\n', stderr);
    failures++;
}

static void expect_u64(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        fprintf(stderr, "use_memsnap: %s: got %" PRIu64 ", expected %" PRIu64 "\n", what, got,
                want);
        failures++;
    }
}

/* Summary and top of one snapshot; the summary's totals are checked against
 * the nodes themselves (the summary counts the nodes whose shallow size is
 * not 0). */
static void check_snapshot(const char *path)
{
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    ms_summary *sum = NULL;
    ms_node top[5];
    size_t ntop = 0;

    if (ms_snapshot_open(&snap, path, NULL, &err) != MS_OK) {
        fail("ms_snapshot_open", &err);
        return;
    }
    if (ms_snapshot_format(snap) != MS_FORMAT_HEAPSNAPSHOT)
        fail("ms_snapshot_format: not a heapsnapshot", NULL);
    if (ms_snapshot_node_count(snap) < 1000)
        fail("ms_snapshot_node_count: fewer than 1000 nodes in a Node.js heap", NULL);

    if (ms_summary_compute(snap, NULL, &sum, &err) != MS_OK) {
        fail("ms_summary_compute", &err);
        goto done;
    }
    uint64_t rows_count = 0, rows_shallow = 0;
    for (size_t i = 0; i < ms_summary_row_count(sum); i++) {
        const ms_class_row *row = ms_summary_row_get(sum, i);
        rows_count += row->count;
        rows_shallow += row->shallow_size;
        if (i > 0 && row->retained_size > ms_summary_row_get(sum, i - 1)->retained_size)
            fail("summary rows not sorted by retained size", NULL);
    }
    uint64_t nodes_count = 0, nodes_shallow = 0;
    for (ms_node n = 0; n < ms_snapshot_node_count(snap); n++) {
        uint64_t s = ms_node_shallow_size(snap, n);
        nodes_count += s != 0;
        nodes_shallow += s;
    }
    expect_u64("summary object count vs nodes with a shallow size", rows_count, nodes_count);
    expect_u64("summary shallow size vs the nodes' shallow sizes", rows_shallow, nodes_shallow);
    printf("object_count %" PRIu64 "\n", rows_count);
    printf("shallow_size %" PRIu64 "\n", rows_shallow);
    printf("class_count %zu\n", ms_summary_row_count(sum));

    uint64_t total = ms_node_retained_size(snap, ms_snapshot_root(snap));
    expect_u64("the root's retained size vs all shallow sizes", total, nodes_shallow);
    printf("total_size %" PRIu64 "\n", total);
    if (ms_top(snap, 5, 0, top, &ntop, &err) != MS_OK) {
        fail("ms_top", &err);
        goto done;
    }
    expect_u64("ms_top count", ntop, 5);
    for (size_t i = 0; i < ntop; i++) {
        uint64_t retained = ms_node_retained_size(snap, top[i]);
        if (i > 0 && retained > ms_node_retained_size(snap, top[i - 1]))
            fail("ms_top not sorted by retained size", NULL);
        if (retained < ms_node_shallow_size(snap, top[i]) || retained > total)
            fail("ms_top: a retained size out of [shallow, total]", NULL);
        if (ms_node_is_synthetic(snap, top[i]))
            fail("ms_top: a synthetic node without include_synthetic", NULL);
        printf("top %" PRIu64 " %" PRIu64 "\n", ms_node_id(snap, top[i]), retained);
    }
done:
    ms_summary_free(sum);
    ms_snapshot_free(snap);
}

/* The whole comparison job on growth.js's pair: exactly `leaked` new Leaky
 * objects, grouped under one path through the global leakyStore, and
 * exactly `freed` Temp objects deleted. */
static void check_compare(const char *before, const char *after, uint64_t leaked,
                          uint64_t freed)
{
    ms_error err = MS_ERROR_INIT;
    ms_compare *cmp = NULL;
    const ms_compare_row *leaky = NULL, *temp = NULL;

    if (ms_compare_files(before, after, NULL, NULL, &cmp, &err) != MS_OK) {
        fail("ms_compare_files", &err);
        return;
    }
    if (!ms_compare_by_id(cmp))
        fail("ms_compare_files did not match objects by id", NULL);
    for (size_t i = 0; i < ms_compare_row_count(cmp); i++) {
        const ms_compare_row *row = ms_compare_row_get(cmp, i);
        if (strcmp(row->name, "Leaky") == 0)
            leaky = row;
        else if (strcmp(row->name, "Temp") == 0)
            temp = row;
    }
    if (!leaky || !temp) {
        fail("ms_compare_files: no Leaky or no Temp row", NULL);
        goto done;
    }
    expect_u64("Leaky added_count", leaky->added_count, leaked);
    expect_u64("Leaky removed_count", leaky->removed_count, 0);
    expect_u64("Temp added_count", temp->added_count, 0);
    expect_u64("Temp removed_count", temp->removed_count, freed);
    if (leaky->added_retained < leaky->added_size)
        fail("Leaky: the new objects retain less than their own size", NULL);
    printf("leaky_added %" PRIu64 "\n", leaky->added_count);
    printf("temp_removed %" PRIu64 "\n", temp->removed_count);

    /* The new Leaky objects are one group, held through leakyStore. */
    const ms_path_groups *groups = ms_compare_groups(cmp);
    int found = 0;
    char sig[4096];
    for (size_t i = 0; groups && i < ms_path_groups_count(groups); i++) {
        const ms_path_group *g = ms_path_groups_get(groups, i);
        ms_path_signature(ms_compare_after(cmp), &g->path, sig, sizeof sig);
        size_t len = strlen(sig);
        if (len >= 5 && strcmp(sig + len - 5, "Leaky") == 0) {
            found++;
            expect_u64("the Leaky group's count", g->class_count, leaked);
            if (!strstr(sig, "--leakyStore-->"))
                fail("the Leaky group's path does not go through leakyStore", NULL);
        }
    }
    expect_u64("path groups of Leaky objects", (uint64_t)found, 1);
done:
    ms_compare_free(cmp);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fputs("usage: use_memsnap SNAPSHOT BEFORE AFTER LEAKED FREED\n", stderr);
        return 2;
    }
    /* The library this runs with is the one it was compiled for. */
    if (strcmp(ms_version(), MEMSNAP_VERSION) != 0)
        fail("ms_version() differs from MEMSNAP_VERSION", NULL);
    printf("version %s\n", ms_version());

    /* Errors come back as a status and a message naming the file. */
    ms_error err = MS_ERROR_INIT;
    ms_snapshot *snap = NULL;
    const char *missing = "/nonexistent/memsnap-install-test.heapsnapshot";
    if (ms_snapshot_open(&snap, missing, NULL, &err) != MS_EIO || snap != NULL ||
        !strstr(err.message, missing))
        fail("opening a missing file: MS_EIO naming the file expected", &err);

    check_snapshot(argv[1]);
    check_compare(argv[2], argv[3], strtoull(argv[4], NULL, 10), strtoull(argv[5], NULL, 10));
    return failures ? 1 : 0;
}
