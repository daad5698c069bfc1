/*
 * graph_dump.c: prints a snapshot's graph as tab-separated lines, for tests
 * that check the graph with their own code (paths, strongly connected
 * components) rather than with the analyses under test:
 *
 *   N  index  id  type  self_size  name  site
 *   E  from  to  type  name (or #index for element and hidden edges)
 *
 * Names are printed raw (tabs and newlines replaced by spaces).  Uses only
 * the public API.  Exit status 3 when the input does not open.
 */
#include "memsnap.h"

#include <inttypes.h>
#include <stdio.h>

static void put(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        putchar(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
}

int main(int argc, char **argv)
{
    ms_snapshot *s = NULL;
    ms_error err = MS_ERROR_INIT;
    if (argc != 2) {
        fprintf(stderr, "usage: graph_dump SNAPSHOT\n");
        return 2;
    }
    if (ms_snapshot_open(&s, argv[1], NULL, &err) < 0) {
        fprintf(stderr, "graph_dump: %s\n", err.message);
        return 3;
    }
    for (ms_node n = 0; n < ms_snapshot_node_count(s); n++) {
        size_t len;
        const char *name = ms_node_name(s, n, &len), *site;
        printf("N\t%u\t%" PRIu64 "\t%s\t%" PRIu64 "\t", n, ms_node_id(s, n), ms_node_type(s, n),
               ms_node_self_size(s, n));
        put(name, len);
        putchar('\t');
        if ((site = ms_node_site(s, n, &len)))
            put(site, len);
        putchar('\n');
    }
    for (ms_node n = 0; n < ms_snapshot_node_count(s); n++) {
        uint64_t first, count = ms_node_edges(s, n, &first);
        for (uint64_t e = first; e < first + count; e++) {
            ms_edge_info in;
            ms_edge_get(s, e, &in);
            printf("E\t%u\t%u\t%s\t", n, in.to, in.type);
            if (in.name) {
                size_t len = 0;
                while (in.name[len])
                    len++;
                put(in.name, len);
            } else {
                printf("#%u", in.index);
            }
            putchar('\n');
        }
    }
    ms_snapshot_free(s);
    return 0;
}
