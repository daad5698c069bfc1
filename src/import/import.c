/*
 * import.c: format detection and dispatch.
 */
#include "import.h"

#include "msnap.h"

#include <stdio.h>
#include <string.h>

#define PROGRESS_STEP (16u << 20)

static const ms__importer *const importers[] = {
    &ms__importer_heapsnapshot,
    &ms__importer_boehm,
    &ms__importer_mlyze,
    &ms__importer_msnap,
};

int ms__progress_report_at(ms__progress *p, const ms__reader *r, uint64_t off, double fraction,
                           const char *phase, ms_error *err)
{
    if (!p || !p->fn || off < p->next_report)
        return MS_OK;
    p->next_report = off + PROGRESS_STEP;
    if (p->fn(r->name, phase, fraction, p->payload))
        return ms__fail(err, MS_ECANCEL, off, "%s: cancelled", r->name);
    return MS_OK;
}

int ms__progress_report(ms__progress *p, ms__reader *r, const char *phase, ms_error *err)
{
    if (!p || !p->fn)
        return MS_OK;
    return ms__progress_report_at(p, r, ms__reader_offset(r), ms__reader_progress(r), phase, err);
}

const char *ms_format_name(ms_format format)
{
    switch (format) {
    case MS_FORMAT_AUTO: return "auto";
    case MS_FORMAT_HEAPSNAPSHOT: return "heapsnapshot";
    case MS_FORMAT_MLYZE: return "mlyze";
    case MS_FORMAT_BOEHM: return "boehm";
    case MS_FORMAT_MSNAP: return "msnap";
    }
    return "unknown";
}

/* A printable excerpt of the first bytes, for "not a snapshot" messages. */
static void excerpt(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 24 && o + 5 < cap; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[o++] = (char)c;
        } else {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        }
    }
    out[o < cap ? o : cap - 1] = 0;
}

int ms__import(ms__reader *r, ms_format format, ms__progress *progress, ms__graph **out,
               ms_format *detected, ms_error *err)
{
    const ms__importer *best = NULL;
    int64_t n;
    *out = NULL;

    if (format != MS_FORMAT_AUTO) {
        for (size_t i = 0; i < sizeof importers / sizeof *importers; i++)
            if (importers[i]->format == format)
                best = importers[i];
        if (!best)
            return ms__fail(err, MS_EINVAL, UINT64_MAX, "unsupported format %d", (int)format);
    } else {
        int score = 0;
        n = ms__reader_fill(r, 4096, err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            return ms__fail(err, MS_ETRUNC, 0, "%s: offset 0: the file is empty", r->name);
        for (size_t i = 0; i < sizeof importers / sizeof *importers; i++) {
            int s = importers[i]->probe(r->p, (size_t)n);
            if (s > score) {
                score = s;
                best = importers[i];
            }
        }
        if (!best) {
            char ex[128];
            excerpt(r->p, (size_t)n, ex, sizeof ex);
            return ms__fail(err, MS_EFORMAT, 0,
                            "%s: offset 0: not a heap snapshot memsnap can read (it starts with \"%s\"); "
                            "expected a V8 .heapsnapshot, a Memlyze .mlyze trace, a memsnap Boehm GC capture or a .msnap",
                            r->name, ex);
        }
    }
    {
        int rc = best->run(r, progress, out, err);
        /* A native file reads as the format it was converted from. */
        if (detected)
            *detected = rc == MS_OK && (*out)->native
                            ? ((const ms__msnap *)(*out)->native)->meta.source_format
                            : best->format;
        return rc;
    }
}
