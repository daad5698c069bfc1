/*
 * utf.h: the few JavaScript string semantics DevTools' naming rules depend
 * on, computed on memsnap's UTF-8 (WTF-8 for lone surrogates) strings.
 * JavaScript measures and orders strings in UTF-16 code units; UTF-8 byte
 * order differs from that only between U+E000..U+FFFF and supplementary
 * characters, but names must match DevTools' exactly.
 */
#ifndef MS_UTF_H
#define MS_UTF_H

#include <stddef.h>
#include <stdint.h>

/* Length in UTF-16 code units (JavaScript's String.length). */
size_t ms__utf16_length(const char *s, size_t len);

/* Three-way comparison in UTF-16 code unit order (JavaScript's < on strings). */
int ms__utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Decodes one code point at s (n bytes left); *used gets its length.
 * Invalid bytes decode as themselves (one byte, value 0xDC00 + byte). */
uint32_t ms__utf8_decode(const unsigned char *s, size_t n, size_t *used);

#endif /* MS_UTF_H */
