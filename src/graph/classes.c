/*
 * classes.c: classes by the format's rules, by node name, or by allocation
 * site (see classes.h).
 */
#include "classes.h"

#include "../util/pool.h"

#include <string.h>

/* Every format's base rule: the node name is the class. */
static int by_name(const ms__graph *g, ms__pool *pool, ms__classes **out, ms_error *err)
{
    ms__classtab b;
    int rc = MS_OK;
    *out = NULL;
    MS_TRY(ms__classtab_init(&b, g, pool, err));
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint32_t base;
        MS_TRY(ms__classtab_string(&b, MS__ORIGIN_RAW, g->node_name[n], &base, err));
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
    return by_name(g, pool, out, err);
}

int ms__classes_by_site(const ms__graph *g, ms__pool *pool, ms__classes **out, ms_error *err)
{
    static const char unknown_text[] = "(unknown site)";
    ms__classtab b;
    uint32_t unknown = UINT32_MAX;
    int rc = MS_OK;
    *out = NULL;
    MS_TRY(ms__classtab_init(&b, g, pool, err));
    b.plain_keys = true;
    for (uint32_t n = 0; n < g->node_count; n++) {
        uint32_t site = g->node_site ? g->node_site[n] : MS_SITE_NONE, base;
        if (site != MS_SITE_NONE) {
            MS_TRY(ms__classtab_string(&b, MS__ORIGIN_RAW, site, &base, err));
        } else {
            if (unknown == UINT32_MAX)
                MS_TRY(ms__classtab_new_base(&b, MS__ORIGIN_RAW, unknown_text,
                                             sizeof unknown_text - 1, &unknown, err));
            base = unknown;
        }
        MS_TRY(ms__classtab_assign(&b, n, base, UINT32_MAX, err));
    }
    ms__classtab_finish(&b, NULL, NULL, out);
    return MS_OK;
done:
    ms__classtab_free(&b);
    return rc;
}
