/*
 * json.c: streaming JSON pieces (see json.h).
 */
#include "json.h"

#include <stdio.h>
#include <string.h>

static inline bool is_ws(int c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Describes the byte at r->p for messages. */
static const char *describe(int c, char buf[16])
{
    if (c == MS_JSON_EOF)
        return "the end of the file";
    if (c >= 0x21 && c < 0x7f) {
        buf[0] = '\'';
        buf[1] = (char)c;
        buf[2] = '\'';
        buf[3] = 0;
    } else {
        static const char hex[] = "0123456789abcdef";
        memcpy(buf, "byte 0x", 7);
        buf[7] = hex[(c >> 4) & 15];
        buf[8] = hex[c & 15];
        buf[9] = 0;
    }
    return buf;
}

static int unexpected(ms__reader *r, int c, const char *expected, ms_error *err)
{
    char buf[16];
    return ms__fail(err, c == MS_JSON_EOF ? MS_ETRUNC : MS_EFORMAT, ms__reader_offset(r),
                    "%s: offset %llu: expected %s, found %s", r->name,
                    (unsigned long long)ms__reader_offset(r), expected, describe(c, buf));
}

int ms__json_peek(ms__reader *r, ms_error *err)
{
    for (;;) {
        while (r->p < r->end && is_ws(*r->p))
            r->p++;
        if (r->p < r->end)
            return *r->p;
        int64_t n = ms__reader_fill(r, 1, err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return MS_JSON_EOF;
    }
}

int ms__json_expect(ms__reader *r, int c, const char *where, ms_error *err)
{
    int got = ms__json_peek(r, err);
    char what[160];
    if (got < 0)
        return got;
    if (got == c) {
        r->p++;
        return MS_OK;
    }
    snprintf(what, sizeof what, "'%c' %s", c, where);
    return unexpected(r, got, what, err);
}

/* ---- strings ----------------------------------------------------------- */

static int put_bytes(ms__sbuf *out, const void *p, size_t n, size_t max, ms__reader *r,
                     uint64_t start, ms_error *err)
{
    if (!out)
        return MS_OK;
    if (out->len + n > max)
        return ms__fail(err, MS_ELIMIT, start, "%s: offset %llu: string longer than %zu bytes",
                        r->name, (unsigned long long)start, max);
    if (out->len + n + 1 > out->cap && ms__sbuf_reserve(out, out->len + n + 1, err) < 0)
        return MS_ENOMEM;
    memcpy(out->data + out->len, p, n);
    out->len += n;
    return MS_OK;
}

static size_t utf8_encode(uint32_t cp, uint8_t *o)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) { /* includes lone surrogates: WTF-8 */
        o[0] = (uint8_t)(0xE0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static int hex4(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* Length of a valid UTF-8 sequence at p (n bytes available), or 0. */
static size_t utf8_valid(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* A non-ASCII byte in a string: a valid UTF-8 sequence is copied, any
 * other byte is replaced by U+FFFD. */
static int string_utf8(ms__reader *r, ms__sbuf *out, size_t max, uint64_t start, ms_error *err)
{
    static const uint8_t replacement[3] = {0xEF, 0xBF, 0xBD};
    int64_t avail = ms__reader_fill(r, 4, err);
    size_t len;
    if (avail < 0)
        return (int)avail;
    len = utf8_valid(r->p, (size_t)avail);
    if (put_bytes(out, len ? r->p : replacement, len ? len : 3, max, r, start, err) < 0)
        return err ? err->code : MS_ELIMIT;
    r->p += len ? len : 1;
    return MS_OK;
}

/* An escape sequence in a string, decoded to UTF-8: surrogate pairs are
 * combined, lone surrogates kept (WTF-8). */
static int string_escape(ms__reader *r, ms__sbuf *out, size_t max, uint64_t start, ms_error *err)
{
    /* The longest form (\uXXXX\uXXXX) in view. */
    int64_t avail = ms__reader_fill(r, 12, err);
    uint8_t enc[4];
    uint32_t cp, lo;
    size_t used = 2, elen;
    if (avail < 0)
        return (int)avail;
    if (avail < 2)
        return ms__fail(err, MS_ETRUNC, ms__reader_offset(r),
                        "%s: offset %llu: the file ends inside an escape sequence", r->name,
                        (unsigned long long)ms__reader_offset(r));
    switch (r->p[1]) {
    case '"': cp = '"'; break;
    case '\\': cp = '\\'; break;
    case '/': cp = '/'; break;
    case 'b': cp = '\b'; break;
    case 'f': cp = '\f'; break;
    case 'n': cp = '\n'; break;
    case 'r': cp = '\r'; break;
    case 't': cp = '\t'; break;
    case 'u':
        if (avail < 6)
            return ms__fail(err, MS_ETRUNC, ms__reader_offset(r),
                            "%s: offset %llu: the file ends inside a \\u escape", r->name,
                            (unsigned long long)ms__reader_offset(r));
        if (hex4(r->p + 2, &cp) < 0)
            return ms__fail(err, MS_EFORMAT, ms__reader_offset(r),
                            "%s: offset %llu: \\u must be followed by 4 hex digits", r->name,
                            (unsigned long long)ms__reader_offset(r));
        used = 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && avail >= 12 && r->p[6] == '\\' && r->p[7] == 'u' &&
            hex4(r->p + 8, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            used = 12;
        }
        break;
    default:
        return ms__fail(err, MS_EFORMAT, ms__reader_offset(r),
                        "%s: offset %llu: invalid escape '\\%c' in a string", r->name,
                        (unsigned long long)ms__reader_offset(r),
                        r->p[1] >= 0x21 && r->p[1] < 0x7f ? r->p[1] : '?');
    }
    elen = utf8_encode(cp, enc);
    if (put_bytes(out, enc, elen, max, r, start, err) < 0)
        return err ? err->code : MS_ELIMIT;
    r->p += used;
    return MS_OK;
}

/* Reads a string at the reader (after optional whitespace); out may be NULL
 * to only validate and skip.  Runs of plain ASCII are copied at once; the
 * rest goes byte by byte through string_utf8 and string_escape. */
static int string_impl(ms__reader *r, ms__sbuf *out, size_t max, ms_error *err)
{
    int c = ms__json_peek(r, err), rc;
    uint64_t start;
    if (c < 0)
        return c;
    if (c != '"')
        return unexpected(r, c, "a string", err);
    start = ms__reader_offset(r);
    r->p++;
    if (out)
        out->len = 0;
    for (;;) {
        const uint8_t *q = r->p, *end = r->end;
        while (q < end && *q != '"' && *q != '\\' && *q >= 0x20 && *q < 0x80)
            q++;
        if (q > r->p) {
            if (put_bytes(out, r->p, (size_t)(q - r->p), max, r, start, err) < 0)
                return err ? err->code : MS_ELIMIT;
            r->p = q;
        }
        if (q == end) {
            int64_t n = ms__reader_fill(r, 1, err);
            if (n < 0)
                return (int)n;
            if (n == 0)
                return ms__fail(err, MS_ETRUNC, ms__reader_offset(r),
                                "%s: offset %llu: the file ends inside the string that starts at offset %llu",
                                r->name, (unsigned long long)ms__reader_offset(r),
                                (unsigned long long)start);
            continue;
        }
        c = *q;
        if (c == '"') {
            r->p++;
            if (out) {
                if (ms__sbuf_reserve(out, out->len + 1, err) < 0)
                    return MS_ENOMEM;
                out->data[out->len] = 0;
            }
            return MS_OK;
        }
        if (c < 0x20)
            return ms__fail(err, MS_EFORMAT, ms__reader_offset(r),
                            "%s: offset %llu: raw control character 0x%02x in a string (JSON needs an escape)",
                            r->name, (unsigned long long)ms__reader_offset(r), c);
        rc = c >= 0x80 ? string_utf8(r, out, max, start, err)
                       : string_escape(r, out, max, start, err);
        if (rc < 0)
            return rc;
    }
}

int ms__json_string(ms__reader *r, ms__sbuf *out, size_t max, ms_error *err)
{
    return string_impl(r, out, max, err);
}

/* ---- skipping ---------------------------------------------------------- */

static int skip_literal(ms__reader *r, const char *lit, ms_error *err)
{
    size_t n = strlen(lit);
    int64_t avail = ms__reader_fill(r, n, err);
    if (avail < 0)
        return (int)avail;
    if ((size_t)avail < n || memcmp(r->p, lit, n) != 0)
        return ms__fail(err, (size_t)avail < n ? MS_ETRUNC : MS_EFORMAT, ms__reader_offset(r),
                        "%s: offset %llu: invalid literal (expected '%s')", r->name,
                        (unsigned long long)ms__reader_offset(r), lit);
    r->p += n;
    return MS_OK;
}

/* The next byte without skipping whitespace: a byte, MS_JSON_EOF, or a
 * negative status. */
static int next_byte(ms__reader *r, ms_error *err)
{
    if (r->p == r->end) {
        int64_t n = ms__reader_fill(r, 1, err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return MS_JSON_EOF;
    }
    return *r->p;
}

static int skip_digits(ms__reader *r, ms_error *err, bool need_one)
{
    bool any = false;
    for (;;) {
        int c = next_byte(r, err);
        if (c < 0)
            return c;
        if (c >= '0' && c <= '9') {
            r->p++;
            any = true;
            continue;
        }
        if (need_one && !any)
            return unexpected(r, c, "a digit", err);
        return MS_OK;
    }
}

static int skip_number(ms__reader *r, ms_error *err)
{
    int c = next_byte(r, err);
    if (c < 0)
        return c;
    if (c == '-') {
        r->p++;
        c = next_byte(r, err);
        if (c < 0)
            return c;
    }
    if (c == '0') {
        r->p++;
    } else if (skip_digits(r, err, true) < 0) {
        return err ? err->code : MS_EFORMAT;
    }
    c = next_byte(r, err);
    if (c < 0)
        return c;
    if (c == '.') {
        r->p++;
        if (skip_digits(r, err, true) < 0)
            return err ? err->code : MS_EFORMAT;
        c = next_byte(r, err);
        if (c < 0)
            return c;
    }
    if (c == 'e' || c == 'E') {
        r->p++;
        c = next_byte(r, err);
        if (c < 0)
            return c;
        if (c == '+' || c == '-')
            r->p++;
        if (skip_digits(r, err, true) < 0)
            return err ? err->code : MS_EFORMAT;
    }
    return MS_OK;
}

/* Skips the scalar value that starts with byte c: a string, a literal or a
 * number. */
static int skip_scalar(ms__reader *r, int c, ms_error *err)
{
    switch (c) {
    case '"': return string_impl(r, NULL, SIZE_MAX, err);
    case 't': return skip_literal(r, "true", err);
    case 'f': return skip_literal(r, "false", err);
    case 'n': return skip_literal(r, "null", err);
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return skip_number(r, err);
        return unexpected(r, c, "a JSON value", err);
    }
}

/* Skips an object's key and its ':'. */
static int skip_key(ms__reader *r, ms_error *err)
{
    int rc = string_impl(r, NULL, SIZE_MAX, err);
    return rc < 0 ? rc : ms__json_expect(r, ':', "after an object key", err);
}

static inline int closer(char open)
{
    return open == '{' ? '}' : ']';
}

int ms__json_skip_value(ms__reader *r, ms_error *err)
{
    ms__sbuf stack = {0}; /* the open brackets, innermost last */
    bool want_value = true, opened = false;
    int rc = MS_OK;

    for (;;) {
        int c = ms__json_peek(r, err);
        char top = stack.len ? stack.data[stack.len - 1] : 0;
        if (c < 0) {
            rc = c;
            goto done;
        }
        if (opened) {
            /* Just inside '{' or '[': it closes at once, or a member follows. */
            opened = false;
            if (c == closer(top)) {
                r->p++;
                stack.len--;
                want_value = false;
            } else if (top == '{') {
                MS_TRY(skip_key(r, err));
            }
        } else if (want_value && (c == '{' || c == '[')) {
            MS_TRY(ms__sbuf_reserve(&stack, stack.len + 1, err));
            stack.data[stack.len++] = (char)c;
            r->p++;
            opened = true;
        } else if (want_value) {
            MS_TRY(skip_scalar(r, c, err));
            want_value = false;
        } else if (stack.len == 0) {
            break;
        } else if (c == ',') {
            r->p++;
            want_value = true;
            if (top == '{')
                MS_TRY(skip_key(r, err));
        } else if (c == closer(top)) {
            r->p++;
            stack.len--;
        } else {
            rc = unexpected(r, c, top == '{' ? "',' or '}'" : "',' or ']'", err);
            goto done;
        }
    }
done:
    ms__sbuf_free(&stack);
    return rc;
}

int ms__json_capture_value(ms__reader *r, ms__sbuf *out, size_t max, ms_error *err)
{
    uint64_t start, end;
    int c = ms__json_peek(r, err);
    if (c < 0)
        return c;
    start = ms__reader_offset(r);
    if (ms__json_skip_value(r, err) < 0)
        return err ? err->code : MS_EFORMAT;
    end = ms__reader_offset(r);
    if (end - start > max)
        return ms__fail(err, MS_ELIMIT, start, "%s: offset %llu: value of %llu bytes is larger than %zu",
                        r->name, (unsigned long long)start, (unsigned long long)(end - start), max);
    if (ms__sbuf_reserve(out, (size_t)(end - start) + 1, err) < 0)
        return MS_ENOMEM;
    if (ms__reader_seek(r, start, err) < 0)
        return err ? err->code : MS_EIO;
    out->len = 0;
    while (out->len < (size_t)(end - start)) {
        size_t want = (size_t)(end - start) - out->len;
        int64_t n = ms__reader_fill(r, 1, err);
        size_t take;
        if (n < 0)
            return (int)n;
        if (n == 0)
            return ms__fail(err, MS_EIO, ms__reader_offset(r), "%s: input changed while reading",
                            r->name);
        take = (size_t)n < want ? (size_t)n : want;
        memcpy(out->data + out->len, r->p, take);
        out->len += take;
        r->p += take;
    }
    out->data[out->len] = 0;
    return MS_OK;
}

/* ---- integer arrays ---------------------------------------------------- */

int ms__json_uints_begin(ms__reader *r, ms__json_uints *a, const char *what, ms_error *err)
{
    char where[96];
    memset(a, 0, sizeof *a);
    snprintf(where, sizeof where, "to open the %s array", what);
    return ms__json_expect(r, '[', where, err);
}

static int number_error(ms__reader *r, const uint8_t *q, const char *what, const char *why,
                        ms_error *err)
{
    uint64_t off = r->base + (uint64_t)(q - r->win);
    return ms__fail(err, MS_EFORMAT, off, "%s: offset %llu: %s in the %s array", r->name,
                    (unsigned long long)off, why, what);
}

/* SWAR over the 8 bytes at p (all in view): how many decimal digits lead,
 * 0 to 8, classified at once; *y gets the bytes minus '0' for
 * swar_value. */
static inline unsigned swar_digit_count(const uint8_t *p, uint64_t *y)
{
    uint64_t w, nd;
    memcpy(&w, p, 8);
    *y = w ^ 0x3030303030303030ull;
    nd = ((*y + 0x7676767676767676ull) | *y) & 0x8080808080808080ull;
    return nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
}

/* The value of the len (1 to 8) digits swar_digit_count found: three
 * multiplies, no branch per digit. */
static inline uint64_t swar_value(uint64_t y, unsigned len)
{
    y <<= (8 - len) * 8;
    y = ((y & 0x0F0F0F0F0F0F0F0Full) * 2561) >> 8;
    y = ((y & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
    return ((y & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
}

/* The fast path: values and their separators while more than 64 bytes
 * are in view, where a number (at most 20 digits) needs no bounds checks.
 * It stops before anything unusual (long whitespace, 20 digits, ']',
 * errors), which the careful path takes one value at a time.  Returns the
 * new k; r->p is after the last value read.  The per-value loop of every
 * large import: inline, no call per value. */
static inline size_t fast_values(ms__reader *r, ms__json_uints *a, uint64_t *dst, size_t k,
                                 size_t max)
{
    const uint8_t *fq = r->p, *safe = r->end - 64;
    while (k < max && fq < safe) {
        const uint8_t *start;
        uint64_t v, y;
        unsigned len, d;
        while (is_ws(*fq))
            if (++fq >= safe)
                goto out;
        start = fq;
        len = swar_digit_count(fq, &y);
        if (len == 0 || (len > 1 && *fq == '0'))
            break; /* not a number, or a leading zero */
        v = swar_value(y, len);
        fq += len;
        if (len == 8) {
            while ((d = (unsigned)*fq - '0') < 10) {
                v = v * 10 + d;
                if (++fq - start >= 19)
                    break;
            }
            if ((unsigned)*fq - '0' < 10) {
                fq = start; /* 20+ digits: the careful path decides */
                break;
            }
        }
        while (is_ws(*fq))
            if (++fq >= safe) {
                fq = start;
                goto out;
            }
        if (*fq != ',') {
            fq = start;
            break;
        }
        fq++;
        dst[k++] = v;
        a->count++;
        a->want_value = true;
    }
out:
    r->p = fq;
    return k;
}

/* Keeps a value's worth of bytes in view (a number has at most 20 digits). */
static int fill_value(ms__reader *r, ms_error *err)
{
    int64_t got = r->end - r->p < 64 && !r->eof ? ms__reader_fill(r, 64, err) : 0;
    return got < 0 ? (int)got : MS_OK;
}

/* The careful path's integer at r->p, which is a digit: at most 20 digits
 * within 64 bits, no leading zero, fraction or exponent.  *v gets it and
 * r->p moves past it. */
static int careful_integer(ms__reader *r, uint64_t *v, const char *what, ms_error *err)
{
    const uint8_t *q, *end;
    unsigned digits = 0;
    uint64_t x = 0;
    int rc;
    if ((rc = fill_value(r, err)) < 0)
        return rc;
    q = r->p;
    end = r->end;
    while (q < end && (unsigned)(*q - '0') < 10 && digits < 19) {
        x = x * 10 + (uint64_t)(*q - '0');
        q++;
        digits++;
    }
    if (q < end && (unsigned)(*q - '0') < 10) {
        /* A 20th digit may still fit in 64 bits; a 21st never does. */
        uint64_t d = (uint64_t)(*q - '0');
        if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, d, &x) ||
            (q + 1 < end && (unsigned)(q[1] - '0') < 10))
            return number_error(r, r->p, what, "integer too large for 64 bits", err);
        q++;
        digits++;
    }
    if (digits > 1 && *r->p == '0')
        return number_error(r, r->p, what, "number with a leading zero", err);
    if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
        return number_error(r, r->p, what, "expected an integer, found a fraction or exponent",
                            err);
    if (q == end && !r->eof)
        return number_error(r, r->p, what, "number too long", err);
    r->p = q;
    *v = x;
    return MS_OK;
}

/* What follows a value: ',' (another value must follow) or ']'. */
static int careful_separator(ms__reader *r, ms__json_uints *a, const char *what, ms_error *err)
{
    char buf[16];
    int c = ms__json_peek(r, err);
    if (c < 0)
        return c;
    if (c == ',') {
        r->p++;
        a->want_value = true;
        return MS_OK;
    }
    if (c == ']') {
        r->p++;
        a->closed = true;
        return MS_OK;
    }
    if (c == MS_JSON_EOF)
        return ms__fail(err, MS_ETRUNC, ms__reader_offset(r),
                        "%s: offset %llu: the file ends inside the %s array", r->name,
                        (unsigned long long)ms__reader_offset(r), what);
    return ms__fail(err, MS_EFORMAT, ms__reader_offset(r),
                    "%s: offset %llu: expected ',' or ']' in the %s array, found %s", r->name,
                    (unsigned long long)ms__reader_offset(r), what, describe(c, buf));
}

/* The careful path: one value (or the closing ']') with every check.
 * Returns 1 with *dst set, 0 when the array closed, or an error. */
static int careful_value(ms__reader *r, ms__json_uints *a, uint64_t *dst, const char *what,
                         ms_error *err)
{
    int c, rc;
    if ((rc = fill_value(r, err)) < 0)
        return rc;
    c = ms__json_peek(r, err); /* long whitespace runs are skipped here */
    if (c < 0)
        return c;
    if (c == ']' && !a->want_value) {
        r->p++;
        a->closed = true;
        return 0;
    }
    if (c < '0' || c > '9') {
        if (c == MS_JSON_EOF)
            return ms__fail(err, MS_ETRUNC, ms__reader_offset(r),
                            "%s: offset %llu: the file ends inside the %s array", r->name,
                            (unsigned long long)ms__reader_offset(r), what);
        if (c == '-')
            return number_error(r, r->p, what, "negative number", err);
        if (c == ']')
            return number_error(r, r->p, what, "expected a number after ','", err);
        return number_error(r, r->p, what, "expected a non-negative integer", err);
    }
    if ((rc = careful_integer(r, dst, what, err)) < 0)
        return rc;
    a->count++;
    a->want_value = false;
    if ((rc = careful_separator(r, a, what, err)) < 0)
        return rc;
    return 1;
}

int ms__json_uints_next(ms__reader *r, ms__json_uints *a, uint64_t *dst, size_t max, size_t *n,
                        const char *what, ms_error *err)
{
    size_t k = 0;
    *n = 0;
    while (k < max && !a->closed) {
        int got;
        if (r->end - r->p >= 64 || (r->eof == false && ms__reader_fill(r, 64, err) >= 64)) {
            k = fast_values(r, a, dst, k, max);
            if (k == max)
                break;
        }
        if ((got = careful_value(r, a, dst + k, what, err)) < 0)
            return got;
        k += (size_t)got;
    }
    *n = k;
    return MS_OK;
}
