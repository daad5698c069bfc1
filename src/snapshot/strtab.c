/*
 * strtab.c: interned strings (see strtab.h for the layout).
 */
#include "strtab.h"

#include "../util/vec.h"

#include <string.h>

#define MS_STRTAB_MAX (UINT32_MAX - 1u)

uint64_t ms__hash_bytes(const void *p, size_t len)
{
    /* Multiply-xorshift over 8-byte words, finished with the MurmurHash3
     * fmix64 avalanche; strings here are short and hashed once each. */
    const unsigned char *s = p;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    if (len) {
        uint64_t w = 0;
        memcpy(&w, s, len);
        h = (h ^ w) * 0x94D049BB133111EBull;
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

int ms__strtab_init(ms__strtab *t, ms_error *err)
{
    memset(t, 0, sizeof *t);
    t->cap = 1024;
    t->bytes_cap = 16384;
    if (ms__alloc_array(&t->offsets, (uint64_t)t->cap + 1, sizeof *t->offsets, "string offsets", err) < 0 ||
        ms__alloc_array(&t->bytes, t->bytes_cap, 1, "string bytes", err) < 0 ||
        ms__alloc_array_zero(&t->slots, 2048, sizeof *t->slots, "string index", err) < 0) {
        ms__strtab_free(t);
        return err ? err->code : MS_ENOMEM;
    }
    t->slot_mask = 2047;
    t->offsets[0] = 0;
    return MS_OK;
}

void ms__strtab_free(ms__strtab *t)
{
    free(t->bytes);
    free(t->offsets);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static bool equals(const ms__strtab *t, uint32_t id, const char *s, size_t len)
{
    size_t l;
    const char *x = ms__strtab_get(t, id, &l);
    return l == len && memcmp(x, s, len) == 0;
}

/* The index is its own open addressing, not an ms__map64: the keys are
 * byte strings, compared in the table's bytes, so a slot needs only the
 * id (4 bytes), where a map from hashes would also keep an 8-byte key. */
static void insert_slot(uint32_t *slots, uint32_t mask, uint64_t h, uint32_t id)
{
    uint32_t i = (uint32_t)h & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = id + 1;
}

static int rehash(ms__strtab *t, uint32_t new_slots, ms_error *err)
{
    uint32_t *slots;
    if (ms__alloc_array_zero(&slots, new_slots, sizeof *slots, "string index", err) < 0)
        return MS_ENOMEM;
    for (uint32_t id = 0; id < t->count; id++) {
        size_t l;
        const char *s = ms__strtab_get(t, id, &l);
        insert_slot(slots, new_slots - 1, ms__hash_bytes(s, l), id);
    }
    free(t->slots);
    t->slots = slots;
    t->slot_mask = new_slots - 1;
    return MS_OK;
}

bool ms__strtab_find(const ms__strtab *t, const char *s, size_t len, uint32_t *id)
{
    uint32_t i;
    if (!t->slots)
        return false;
    i = (uint32_t)ms__hash_bytes(s, len) & t->slot_mask;
    while (t->slots[i]) {
        uint32_t cand = t->slots[i] - 1;
        if (equals(t, cand, s, len)) {
            *id = cand;
            return true;
        }
        i = (i + 1) & t->slot_mask;
    }
    return false;
}

int ms__strtab_intern(ms__strtab *t, const char *s, size_t len, uint32_t *id, bool *added,
                      ms_error *err)
{
    uint64_t h = ms__hash_bytes(s, len);
    uint32_t i;
    uint64_t need;

    if (!t->slots && ms__strtab_build_index(t, err) < 0)
        return MS_ENOMEM;
    i = (uint32_t)h & t->slot_mask;

    while (t->slots[i]) {
        uint32_t cand = t->slots[i] - 1;
        if (equals(t, cand, s, len)) {
            *id = cand;
            if (added)
                *added = false;
            return MS_OK;
        }
        i = (i + 1) & t->slot_mask;
    }
    if (t->count >= MS_STRTAB_MAX)
        return ms__fail(err, MS_ELIMIT, UINT64_MAX, "more than %u distinct strings", MS_STRTAB_MAX);
    if (ms__add_overflow(t->bytes_len, (uint64_t)len + 1, &need))
        return ms__oom(err, "string bytes");
    if (need > t->bytes_cap &&
        ms__grow(&t->bytes, &t->bytes_cap, need, 16384, 1, "string bytes", err) < 0)
        return MS_ENOMEM;
    /* offsets[] has cap + 1 entries (the end of the last string too) and
     * doubles cap, not its entry count as ms__grow32 would: the sizes
     * ms__strtab_memory reports (and `info` prints) follow this rule. */
    if (t->count + 1 >= t->cap) {
        uint32_t cap = t->cap > UINT32_MAX / 2 ? UINT32_MAX - 1 : t->cap * 2;
        if (ms__realloc_array(&t->offsets, (uint64_t)cap + 1, sizeof *t->offsets, "string offsets", err) < 0)
            return MS_ENOMEM;
        t->cap = cap;
    }
    memcpy(t->bytes + t->bytes_len, s, len);
    t->bytes[t->bytes_len + len] = '\0';
    t->bytes_len = need;
    *id = t->count++;
    t->offsets[t->count] = t->bytes_len;
    if (added)
        *added = true;

    if ((uint64_t)t->count * 2 > (uint64_t)t->slot_mask + 1) {
        /* the index's slot count is 32-bit: 2^31 slots hold 2^30 strings */
        if ((uint64_t)t->slot_mask + 1 >= (1ull << 31))
            return ms__fail(err, MS_ELIMIT, UINT64_MAX,
                            "more than 1073741824 distinct strings (the string index's limit)");
        if (rehash(t, (t->slot_mask + 1) * 2, err) < 0)
            return MS_ENOMEM;
    } else {
        insert_slot(t->slots, t->slot_mask, h, *id);
    }
    return MS_OK;
}

void ms__strtab_drop_index(ms__strtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->slot_mask = 0;
}

int ms__strtab_build_index(ms__strtab *t, ms_error *err)
{
    uint64_t n = 2048;
    if (t->slots)
        return MS_OK;
    while (n < (uint64_t)t->count * 2 + 2)
        n *= 2;
    if (n > (1ull << 31))
        return ms__fail(err, MS_ELIMIT, UINT64_MAX,
                        "more than 1073741824 distinct strings (the string index's limit)");
    return rehash(t, (uint32_t)n, err);
}

uint64_t ms__strtab_memory(const ms__strtab *t)
{
    return t->bytes_cap + ((uint64_t)t->cap + 1) * sizeof *t->offsets +
           (t->slots ? ((uint64_t)t->slot_mask + 1) * sizeof *t->slots : 0);
}
