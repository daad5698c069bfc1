/*
 * ignore.c: the user's allow-lists (compare and leaks --ignore): new or
 * leaked objects of ignored classes, and those held along ignored paths,
 * are left out of the groups and of the retained totals.
 */
#include "compare.h"

#include "../paths/paths.h"
#include "../util/bitset.h"

#include <fnmatch.h>
#include <string.h>

bool ms__class_ignored(const ms__classes *cl, uint32_t c, const ms_compare_options *o)
{
    for (size_t i = 0; i < o->ignore_class_count; i++)
        if (strcmp(ms__class_name(cl, c), o->ignore_classes[i]) == 0 ||
            strcmp(ms__class_key(cl, c), o->ignore_classes[i]) == 0)
            return true;
    return false;
}

int ms__drop_ignored_classes(const ms__heap *h, uint64_t *member, uint64_t *instances,
                             const ms_compare_options *o, ms_error *err)
{
    const ms__classes *cl = h->classes;
    bool *drop = NULL;
    if (ms__alloc_array(&drop, cl->count + 1, 1, "compare", err) < 0)
        return MS_ENOMEM;
    for (uint32_t c = 0; c < cl->count; c++)
        drop[c] = ms__class_ignored(cl, c, o);
    for (uint32_t n = 0; n < h->g->node_count; n++) {
        if (ms__bit(member, n) && drop[cl->of[n]]) {
            ms__bit_clear(member, n);
            (*instances)--;
        }
    }
    free(drop);
    return MS_OK;
}

int ms__drop_ignored_paths(const ms__heap *h, const ms_path_groups *w, const uint32_t *group_of,
                           uint64_t *member, uint64_t *instances, const ms_compare_options *o,
                           bool *dropped, ms_error *err)
{
    size_t groups = ms_path_groups_count(w), cap = 4096;
    bool *drop = NULL;
    char *buf = NULL;
    int rc = MS_OK;

    *dropped = false;
    MS_TRY(ms__alloc_array_zero(&drop, groups + 1, 1, "compare", err));
    MS_TRY(ms__alloc_array(&buf, cap, 1, "compare", err));
    for (size_t i = 0; i < groups; i++) {
        const ms_path_group *grp = ms_path_groups_get(w, i);
        size_t len = ms__path_signature(h, &grp->path, buf, cap);
        if (len >= cap) {
            free(buf);
            buf = NULL;
            cap = len + 1;
            MS_TRY(ms__alloc_array(&buf, cap, 1, "compare", err));
            ms__path_signature(h, &grp->path, buf, cap);
        }
        for (size_t p = 0; p < o->ignore_path_count && !drop[i]; p++)
            drop[i] = fnmatch(o->ignore_paths[p], buf, 0) == 0;
        *dropped |= drop[i];
    }
    if (*dropped) {
        for (uint32_t n = 0; n < h->g->node_count; n++) {
            if (ms__bit(member, n) && drop[group_of[n]]) {
                ms__bit_clear(member, n);
                (*instances)--;
            }
        }
    }
done:
    free(drop);
    free(buf);
    return rc;
}
