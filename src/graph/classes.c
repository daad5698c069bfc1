/*
 * classes.c: classes by the format's rules, by node name, or by allocation
 * site (see classes.h).
 */
#include "classes.h"

#include "../util/pool.h"

#include <string.h>

/* Every node in the class of the graph string sid[n] (node names, or
 * sites); nodes whose sid is MS_SITE_NONE, or all nodes when sid is NULL,
 * in one class named `none`.  plain_keys: the key is the name (no
 * DevTools class key). */
static int by_string(const ms__graph *g, const uint32_t *sid, bool plain_keys, const char *none,
                     ms__pool *pool, ms__classes **out, ms_error *err)
{
    ms__classtab b;
    uint32_t none_base = UINT32_MAX;
    int rc = MS_OK;
    *out = NULL;
    MS_TRY(ms__classtab_init(&b, g, pool, err));
    b.plain_keys = plain_keys;
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint32_t base;
        if (sid && sid[n] != MS_SITE_NONE) {
            MS_TRY(ms__classtab_string(&b, MS__ORIGIN_RAW, sid[n], &base, err));
        } else {
            if (none_base == UINT32_MAX)
                MS_TRY(ms__classtab_new_base(&b, MS__ORIGIN_RAW, none, strlen(none), &none_base,
                                             err));
            base = none_base;
        }
        MS_TRY(ms__classtab_assign(&b, n, base, UINT32_MAX, err));
    }
    ms__classtab_finish(&b, NULL, NULL, out);
    return MS_OK;
done:
    ms__classtab_free(&b);
    return rc;
}

int ms__classes_compute(const ms__graph *g, const ms__rules *r, const void *defs,
                        ms__pool *pool, ms__classes **out, ms_error *err)
{
    if (r->classes)
        return r->classes(r, g, defs, pool, out, err);
    /* Every format's base rule: the node name is the class.  Node names
     * are string ids, never MS_SITE_NONE. */
    return by_string(g, g->node_name, false, "", pool, out, err);
}

int ms__classes_by_site(const ms__graph *g, ms__pool *pool, ms__classes **out, ms_error *err)
{
    return by_string(g, g->node_site, true, "(unknown site)", pool, out, err);
}
