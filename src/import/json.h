/*
 * json.h: streaming JSON pieces for the importers, over an ms__reader.
 *
 * Not a general parser: it gives the V8 importer what it needs to walk the
 * top-level object and read its huge arrays without building a DOM.  Small
 * sub-documents (the "snapshot" header) are captured as bytes and handed to
 * cJSON.  Nothing here recurses: nesting is tracked with an explicit stack,
 * so hostile depth costs one bit of memory per level, never C stack.
 *
 * Every function reports errors with the reader's file name and the byte
 * offset of the offending byte.
 */
#ifndef MS_JSON_H
#define MS_JSON_H

#include "reader.h"

#define MS_JSON_EOF 256

/* Skips whitespace and returns the next byte without consuming it, or
 * MS_JSON_EOF at the end of the input.  Errors (negative): the reader's
 * (MS_EIO, MS_EFORMAT for corrupt compressed input, MS_ENOMEM). */
int ms__json_peek(ms__reader *r, ms_error *err);

/* Skips whitespace and consumes byte `c`; otherwise fails with MS_EFORMAT
 * (MS_ETRUNC at the end of the input) saying `c` was expected `where`. */
int ms__json_expect(ms__reader *r, int c, const char *where, ms_error *err);

/* Reads a JSON string (the reader must be at its opening quote, whitespace
 * allowed) into out (replaced, NUL-terminated, length in out->len).  Escapes
 * are decoded to UTF-8; surrogate pairs are combined and lone surrogates kept
 * as their 3-byte (WTF-8) form so names stay distinct; invalid UTF-8 bytes
 * become U+FFFD.  `max` bounds the decoded length in bytes.  Errors:
 * MS_EFORMAT (raw control characters, as JSON requires, bad escapes),
 * MS_ETRUNC, MS_ELIMIT (beyond max), MS_ENOMEM, the reader's. */
int ms__json_string(ms__reader *r, ms__sbuf *out, size_t max, ms_error *err);

/* Skips one complete value of any kind, checking its syntax (nesting on
 * an explicit stack, one byte a level).  Errors: MS_EFORMAT, MS_ETRUNC,
 * MS_ENOMEM, the reader's. */
int ms__json_skip_value(ms__reader *r, ms_error *err);

/* Skips one value like ms__json_skip_value and copies its raw bytes into out
 * (replaced, NUL-terminated), reading them again (ms__reader_seek).
 * Errors: as ms__json_skip_value, MS_ELIMIT when it is longer than `max`
 * bytes, MS_EIO when the input changed under the second read. */
int ms__json_capture_value(ms__reader *r, ms__sbuf *out, size_t max, ms_error *err);

/* State of an array of unsigned integers being read in batches. */
typedef struct ms__json_uints {
    uint64_t count;   /* values read so far */
    bool closed;      /* the closing ']' was read */
    bool want_value;  /* a ',' was read, so a value must follow */
} ms__json_uints;

/* Starts reading an array of non-negative integers: consumes '[' (a
 * zeroed). Errors: as ms__json_expect. */
int ms__json_uints_begin(ms__reader *r, ms__json_uints *a, const char *what, ms_error *err);

/* Reads up to `max` values into dst; *n gets how many.  Sets a->closed at the
 * closing bracket.  `what` names the array in messages.  Integers must fit
 * in 64 bits; fractions, exponents and signs are rejected.  Errors:
 * MS_EFORMAT (naming the offending number's offset), MS_ETRUNC, the
 * reader's. */
int ms__json_uints_next(ms__reader *r, ms__json_uints *a, uint64_t *dst, size_t max, size_t *n,
                        const char *what, ms_error *err);

#endif /* MS_JSON_H */
