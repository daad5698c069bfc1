/*
 * cli_source.c: a declaration's line in a script file (cli_source.h).  A
 * scan for the name at identifier boundaries, not a parser: the first
 * declaration wins, else the first assignment; comments and strings are
 * not told apart, which is what a person searching the file would do too.
 */
#define _GNU_SOURCE
#include "cli_source.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SOURCE_MAX (16u << 20)

/* The last file read: its name and text (NUL-terminated), or NULL. */
static struct {
    char *name;
    char *text;
    size_t len;
} cached;

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The absolute path a script name is on this machine, into path[cap]: the
 * name itself, or a file:// URL without its query and fragment,
 * percent-decoded.  False for other names (http:, node:, relative ones)
 * and paths that do not fit. */
static bool local_path(const char *file, char *path, size_t cap)
{
    size_t n, k = 0;
    bool url = strncmp(file, "file://", 7) == 0;
    if (url)
        file += 7;
    n = url ? strcspn(file, "?#") : strlen(file);
    if (n == 0 || file[0] != '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = file[i];
        int hi, lo;
        if (url && c == '%' && i + 2 < n && (hi = hex_digit(file[i + 1])) >= 0 &&
            (lo = hex_digit(file[i + 2])) >= 0) {
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (k + 1 >= cap || c == 0)
            return false;
        path[k++] = c;
    }
    path[k] = 0;
    return true;
}

/* The text of file (a path or a file:// URL), cached; NULL when it cannot
 * be read, is no regular file, or is larger than SOURCE_MAX. */
static const char *source_text(const char *file, size_t *len)
{
    char path[4096];
    struct stat st;
    FILE *f;
    char *text;
    if (!local_path(file, path, sizeof path))
        return NULL;
    if (cached.name && strcmp(cached.name, file) == 0) {
        *len = cached.len;
        return cached.text;
    }
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > SOURCE_MAX)
        return NULL;
    if (!(f = fopen(path, "rb")))
        return NULL;
    text = malloc((size_t)st.st_size + 1);
    if (!text) {
        fclose(f);
        return NULL;
    }
    *len = fread(text, 1, (size_t)st.st_size, f);
    fclose(f);
    text[*len] = 0;
    free(cached.name);
    free(cached.text);
    cached.name = strdup(file);
    cached.text = text;
    cached.len = *len;
    if (!cached.name) {
        free(text);
        cached.text = NULL;
        return NULL;
    }
    return text;
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Whether the word before position `at` of s (after spaces) is a
 * declaring keyword. */
static bool declared_by_keyword(const char *s, size_t at)
{
    static const char *const words[] = {"const", "let", "var", "class", "function", "static",
                                        "def"};
    size_t end = at, start;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '*'))
        end--;
    start = end;
    while (start > 0 && ident_char(s[start - 1]))
        start--;
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (end - start == strlen(words[k]) && memcmp(s + start, words[k], end - start) == 0)
            return true;
    return false;
}

/* Whether the name at [at, at + nl) of s is declared by a C declaration
 * at file scope: its line starts without indentation (not a directive, a
 * comment or a brace), a type word or '*' comes before the name, and ';',
 * '=', '[' or ',' after it ("static struct connection *g_registry;"). */
static bool c_declaration(const char *s, size_t line_start, size_t at, size_t nl, size_t len)
{
    char first = s[line_start];
    size_t before = at, after = at + nl;
    if (first == ' ' || first == '\t' || first == '#' || first == '/' || first == '*' ||
        first == '{' || first == '}' || before == line_start)
        return false;
    while (before > line_start && (s[before - 1] == ' ' || s[before - 1] == '\t'))
        before--;
    if (before == line_start || !(s[before - 1] == '*' || ident_char(s[before - 1])))
        return false;
    while (after < len && (s[after] == ' ' || s[after] == '\t'))
        after++;
    return after < len && (s[after] == ';' || s[after] == '=' || s[after] == '[' ||
                           s[after] == ',');
}

/* Whether an assignment follows position `at` of s (after spaces): '='
 * that is not '==' or '=>'. */
static bool assigned(const char *s, size_t at, size_t len)
{
    while (at < len && (s[at] == ' ' || s[at] == '\t'))
        at++;
    return at + 1 < len && s[at] == '=' && s[at + 1] != '=' && s[at + 1] != '>';
}

bool cli_find_declaration(const char *file, const char *name, unsigned *line, unsigned *column)
{
    size_t len, nl = strlen(name);
    const char *s = file && nl ? source_text(file, &len) : NULL;
    unsigned ln = 1, best = 0, best_line = 0, best_col = 0;
    size_t line_start = 0;
    if (!s)
        return false;
    for (size_t i = 0; i + nl <= len; i++) {
        unsigned kind;
        if (s[i] == '\n') {
            ln++;
            line_start = i + 1;
            continue;
        }
        if (s[i] != name[0] || memcmp(s + i, name, nl) != 0 || (i > 0 && ident_char(s[i - 1])) ||
            (i + nl < len && ident_char(s[i + nl])))
            continue;
        kind = declared_by_keyword(s, i) || c_declaration(s, line_start, i, nl, len) ? 2
               : assigned(s, i + nl, len)                                          ? 1
                                                                                   : 0;
        if (kind > best) {
            best = kind;
            best_line = ln;
            best_col = (unsigned)(i - line_start) + 1;
            if (kind == 2)
                break;
        }
    }
    if (!best)
        return false;
    *line = best_line;
    *column = best_col;
    return true;
}
