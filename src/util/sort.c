/*
 * sort.c: a stable merge sort with a payload and LSD radix sorts (see sort.h).
 */
#include "sort.h"

#include <string.h>

int ms__sort_u32(uint32_t *a, uint64_t n, ms__cmp_u32 cmp, const void *ctx, ms_error *err)
{
    uint32_t *tmp, *src = a, *dst;
    if (n < 2)
        return MS_OK;
    if (ms__alloc_array(&tmp, n, 4, "sort", err) < 0)
        return MS_ENOMEM;
    dst = tmp;
    /* Runs of 16 by insertion sort, then merge passes. */
    for (uint64_t lo = 0; lo < n; lo += 16) {
        uint64_t hi = lo + 16 < n ? lo + 16 : n;
        for (uint64_t i = lo + 1; i < hi; i++) {
            uint32_t x = a[i];
            uint64_t j = i;
            while (j > lo && cmp(a[j - 1], x, ctx) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
    }
    for (uint64_t w = 16; w < n; w *= 2) {
        for (uint64_t lo = 0; lo < n; lo += 2 * w) {
            uint64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = cmp(src[j], src[i], ctx) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * 4);
    free(tmp);
    return MS_OK;
}

int ms__sort(void *base, uint64_t n, size_t size, ms__cmp cmp, const void *ctx, ms_error *err)
{
    unsigned char *a = base, *tmp, *src = a, *dst;
    if (n < 2)
        return MS_OK;
    if (ms__alloc_array(&tmp, n, size, "sort", err) < 0)
        return MS_ENOMEM;
    dst = tmp;
    /* Runs of 8 by insertion sort (in place, one item in tmp), then merge
     * passes between the two buffers. */
    for (uint64_t lo = 0; lo < n; lo += 8) {
        uint64_t hi = lo + 8 < n ? lo + 8 : n;
        for (uint64_t i = lo + 1; i < hi; i++) {
            uint64_t j = i;
            while (j > lo && cmp(a + (j - 1) * size, a + i * size, ctx) > 0)
                j--;
            if (j < i) {
                memcpy(tmp, a + i * size, size);
                memmove(a + (j + 1) * size, a + j * size, (i - j) * size);
                memcpy(a + j * size, tmp, size);
            }
        }
    }
    for (uint64_t w = 8; w < n; w *= 2) {
        for (uint64_t lo = 0; lo < n; lo += 2 * w) {
            uint64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                bool right = cmp(src + j * size, src + i * size, ctx) < 0;
                memcpy(dst + k++ * size, src + (right ? j++ : i++) * size, size);
            }
            memcpy(dst + k * size, src + i * size, (mid - i) * size);
            k += mid - i;
            memcpy(dst + k * size, src + j * size, (hi - j) * size);
        }
        unsigned char *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * size);
    free(tmp);
    return MS_OK;
}

/* Histograms of all eight byte positions in one read of the data. */
static void histograms(const uint64_t *a, uint64_t n, uint64_t (*count)[256])
{
    memset(count, 0, 8 * 256 * sizeof count[0][0]);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = a[i];
        for (unsigned b = 0; b < 8; b++)
            count[b][(v >> (8 * b)) & 255]++;
    }
}

/* Turns a histogram into start offsets; false when one bucket holds all
 * (the pass would not move anything). */
static bool offsets(uint64_t *count, uint64_t n)
{
    uint64_t sum = 0;
    for (unsigned d = 0; d < 256; d++) {
        uint64_t c = count[d];
        if (c == n)
            return false;
        count[d] = sum;
        sum += c;
    }
    return true;
}

int ms__radix_sort_u64(uint64_t *a, uint64_t n, unsigned skip_bytes, ms_error *err)
{
    uint64_t (*count)[256], *tmp, *src = a, *dst;
    if (n < 2)
        return MS_OK;
    if (ms__alloc_array(&count, 8, sizeof *count, "sort", err) < 0)
        return MS_ENOMEM;
    if (ms__alloc_array(&tmp, n, 8, "sort", err) < 0) {
        free(count);
        return MS_ENOMEM;
    }
    dst = tmp;
    histograms(a, n, count);
    for (unsigned b = skip_bytes; b < 8; b++) {
        unsigned shift = 8 * b;
        if (!offsets(count[b], n))
            continue;
        for (uint64_t i = 0; i < n; i++)
            dst[count[b][(src[i] >> shift) & 255]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * 8);
    free(tmp);
    free(count);
    return MS_OK;
}

int ms__radix_sort_kv(uint64_t *keys, uint32_t *vals, uint64_t n, ms_error *err)
{
    uint64_t (*count)[256], *tk = NULL, *sk = keys, *dk;
    uint32_t *tv = NULL, *sv = vals, *dv;
    if (n < 2)
        return MS_OK;
    if (ms__alloc_array(&count, 8, sizeof *count, "sort", err) < 0)
        return MS_ENOMEM;
    if (ms__alloc_array(&tk, n, 8, "sort", err) < 0 || ms__alloc_array(&tv, n, 4, "sort", err) < 0) {
        free(count);
        free(tk);
        return MS_ENOMEM;
    }
    dk = tk;
    dv = tv;
    histograms(keys, n, count);
    for (unsigned b = 0; b < 8; b++) {
        unsigned shift = 8 * b;
        if (!offsets(count[b], n))
            continue;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t at = count[b][(sk[i] >> shift) & 255]++;
            dk[at] = sk[i];
            dv[at] = sv[i];
        }
        uint64_t *t = sk;
        sk = dk;
        dk = t;
        uint32_t *u = sv;
        sv = dv;
        dv = u;
    }
    if (sk != keys) {
        memcpy(keys, sk, n * 8);
        memcpy(vals, sv, n * 4);
    }
    free(tk);
    free(tv);
    free(count);
    return MS_OK;
}
