/*
 * utf.c: UTF-16 views of UTF-8 strings (see utf.h).
 */
#include "utf.h"

uint32_t ms__utf8_decode(const unsigned char *s, size_t n, size_t *used)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *used = 1;
        return c;
    }
    if (c >= 0xC0 && c < 0xE0 && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *used = 2;
        return (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (c >= 0xE0 && c < 0xF0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *used = 3;
        return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    if (c >= 0xF0 && c < 0xF8 && n >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        (s[3] & 0xC0) == 0x80) {
        *used = 4;
        return (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
               (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    }
    *used = 1;
    return 0xDC00u + c;
}

size_t ms__utf16_length(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t units = 0, i = 0;
    while (i < len) {
        size_t used;
        if (p[i] < 0x80) {
            units++;
            i++;
            continue;
        }
        units += ms__utf8_decode(p + i, len - i, &used) >= 0x10000 ? 2 : 1;
        i += used;
    }
    return units;
}

/* The first UTF-16 unit of code point cp (a surrogate for cp >= 0x10000). */
static uint32_t first_unit(uint32_t cp)
{
    return cp >= 0x10000 ? 0xD800u + ((cp - 0x10000) >> 10) : cp;
}

int ms__utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    size_t i = 0, j = 0;
    while (i < alen && j < blen) {
        uint32_t ca, cb;
        size_t ua, ub;
        if (x[i] == y[j] && x[i] < 0x80) {
            i++;
            j++;
            continue;
        }
        ca = ms__utf8_decode(x + i, alen - i, &ua);
        cb = ms__utf8_decode(y + j, blen - j, &ub);
        if (ca != cb) {
            uint32_t fa = first_unit(ca), fb = first_unit(cb);
            if (fa != fb)
                return fa < fb ? -1 : 1;
            /* Same high surrogate: the low surrogates decide. */
            return ca < cb ? -1 : 1;
        }
        i += ua;
        j += ub;
    }
    if (i < alen)
        return 1;
    if (j < blen)
        return -1;
    return 0;
}
