/*
 * distance.c: where DevTools' distances start and which V8 edges they
 * follow (HeapSnapshot.ts calculateDistances with JSHeapSnapshot's
 * filter and isUserRoot):
 *   - the BFS starts from the root's children that are user roots (the
 *     global objects, "(Document DOM trees)") at distance 1, then reaches
 *     what only system roots hold from the root;
 *   - a NativeContext's "sloppy_function_map" edge is never followed, nor
 *     the descriptor links of "(map descriptors)" arrays (index % 3 == 1
 *     beyond 1, crbug.com/413608);
 *   - of the two edges that hold a WeakMap value (the rules' pair table,
 *     edges.c), the first one met is skipped (crbug.com/1290800).
 * The BFS itself is src/graph/distances.c.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

bool ms__v8_is_user_root(const ms__graph *g, uint32_t n)
{
    size_t len;
    const char *name;
    if (g->node_type[n] != MS_NT_SYNTHETIC)
        return true;
    name = ms__node_name(g, n, &len);
    return len == 20 && memcmp(name, "(Document DOM trees)", 20) == 0;
}

bool ms__v8_user_root(const ms__rules *r, const ms__graph *g, uint32_t n)
{
    (void)r;
    return ms__v8_is_user_root(g, n);
}

/* JavaScript's parseInt(s, 10) as a double; NaN when there is no digit. */
static double js_parse_int(const char *s, size_t len)
{
    size_t i = 0, start;
    bool neg = false;
    char buf[400];
    double v;
    /* Leading white space (ASCII and the Unicode spaces JS trims). */
    for (;;) {
        unsigned char c = (unsigned char)s[i];
        if (i < len && (c == ' ' || (c >= 9 && c <= 13))) {
            i++;
        } else if (i + 1 < len && c == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
            i += 2;
        } else if (i + 2 < len && c == 0xEF && (unsigned char)s[i + 1] == 0xBB &&
                   (unsigned char)s[i + 2] == 0xBF) {
            i += 3;
        } else if (i + 2 < len && c == 0xE1 && (unsigned char)s[i + 1] == 0x9A &&
                   (unsigned char)s[i + 2] == 0x80) {
            i += 3;
        } else if (i + 2 < len && c == 0xE2 &&
                   (((unsigned char)s[i + 1] == 0x80 &&
                     (((unsigned char)s[i + 2] >= 0x80 && (unsigned char)s[i + 2] <= 0x8A) ||
                      (unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9 ||
                      (unsigned char)s[i + 2] == 0xAF)) ||
                    ((unsigned char)s[i + 1] == 0x81 && (unsigned char)s[i + 2] == 0x9F))) {
            i += 3;
        } else if (i + 2 < len && c == 0xE3 && (unsigned char)s[i + 1] == 0x80 &&
                   (unsigned char)s[i + 2] == 0x80) {
            i += 3;
        } else {
            break;
        }
    }
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == start)
        return NAN;
    if (i - start >= sizeof buf)
        return neg ? -INFINITY : INFINITY; /* beyond any double's range anyway */
    memcpy(buf, s + start, i - start);
    buf[i - start] = 0;
    v = strtod(buf, NULL); /* correctly rounded, as JS is */
    return neg ? -v : v;
}

int ms__v8_follow(const ms__rules *r, const ms__graph *g, uint32_t n, uint64_t e)
{
    const ms__v8_names *names = &((const ms__v8 *)r->impl)->names;
    unsigned t = ms__edge_type(g, e);
    uint32_t name = g->edge_name[e];
    if (g->node_type[n] == MS_NT_HIDDEN && !ms__edge_type_is_indexed(t) &&
        name == names->sloppy_function_map && g->node_name[n] == names->native_context)
        return 0;
    if (g->node_type[n] == MS_NT_ARRAY && g->node_name[n] == names->map_descriptors) {
        double index;
        if (ms__edge_type_is_indexed(t)) {
            index = (double)name;
        } else {
            size_t len;
            const char *s = ms__strtab_get(&g->strings, name, &len);
            index = js_parse_int(s, len);
        }
        return index < 2 || fmod(index, 3.0) != 1.0 ? 2 : 0;
    }
    return 1;
}
