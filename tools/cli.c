/*
 * cli.c: shared CLI services (see cli.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_fail(const ms_error *err)
{
    fprintf(stderr, "memsnap: %s\n", err->message[0] ? err->message : ms_status_name(err->code));
    switch (err->code) {
    case MS_EINVAL:
        return CLI_USAGE;
    case MS_ENOMEM:
    case MS_ECANCEL:
    case MS_ERROR:
        return CLI_FAILED;
    default: /* EIO, EFORMAT, ETRUNC, ELIMIT, ENOTFOUND: about an input */
        return CLI_BAD_INPUT;
    }
}

int cli_out_of_memory(void)
{
    fputs("memsnap: out of memory\n", stderr);
    return CLI_FAILED;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("memsnap: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    return CLI_USAGE;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- progress ------------------------------------------------------------ */

static int on_progress(const char *input, const char *phase, double fraction, void *payload)
{
    cli_progress *p = payload;
    double now = cli_now();
    if (now - p->start < 1.0 || now - p->last < 0.1)
        return 0;
    p->last = now;
    p->shown = true;
    if (fraction > 0)
        fprintf(stderr, "\r\033[Kmemsnap: %s: %s %3.0f%%", input, phase, fraction * 100.0);
    else
        fprintf(stderr, "\r\033[Kmemsnap: %s: %s", input, phase);
    fflush(stderr);
    return 0;
}

/* MEMSNAP_THREADS, else 2 when the machine has two or more processors. */
static unsigned cli_threads(void)
{
    const char *env = getenv("MEMSNAP_THREADS");
    long cpus;
    if (env && *env) {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (*end == 0 && v >= 1 && v <= 64)
            return (unsigned)v;
    }
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus >= 2 ? 2 : 1;
}

void cli_print_timings(ms_snapshot *snap, double load, double analyses, const char *last,
                       double last_seconds)
{
    static const struct {
        ms_analysis what;
        const char *name;
        bool always;
    } phase[] = {{MS_ANALYSIS_DISTANCES, "distances", true},
                 {MS_ANALYSIS_DOMINATORS, "dominators", true},
                 {MS_ANALYSIS_RETAINED, "retained", true},
                 {MS_ANALYSIS_CLASSES, "classes", true},
                 {MS_ANALYSIS_DOMINATOR_TREE, "dominator_tree", false},
                 {MS_ANALYSIS_PATHS, "paths", false},
                 {MS_ANALYSIS_RETAINERS, "retainers", false},
                 {MS_ANALYSIS_SOURCES, "sources", false}};
    fprintf(stderr, "{\"load\": %.3f, \"threads\": %u, \"analyses\": %.3f", load, cli_threads(),
            analyses);
    for (size_t i = 0; i < sizeof phase / sizeof phase[0]; i++) {
        double t = ms_snapshot_seconds(snap, phase[i].what);
        if (phase[i].always || t > 0)
            fprintf(stderr, ", \"%s\": %.3f", phase[i].name, t);
    }
    fprintf(stderr, ", \"%s\": %.3f}\n", last, last_seconds);
}

/* Gives the free memory inside the C heap back to the system before the
 * library's next peak (ms_open_options.release_memory). */
static void release_memory(void *payload)
{
    (void)payload;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

void cli_open_options(ms_open_options *o, cli_progress *p)
{
    *o = (ms_open_options)MS_OPEN_OPTIONS_INIT;
    *p = (cli_progress){cli_now(), 0, false};
    o->threads = cli_threads();
    o->release_memory = release_memory;
    o->payload = p;
    if (isatty(STDERR_FILENO))
        o->progress = on_progress;
}

void cli_progress_end(cli_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = false;
    }
}

int cli_open(const char *path, ms_snapshot **out, double *seconds, ms_error *err)
{
    ms_open_options o;
    cli_progress p;
    int rc;
    cli_open_options(&o, &p);
    rc = ms_snapshot_open(out, path, &o, err);
    cli_progress_end(&p);
    if (seconds)
        *seconds = cli_now() - p.start;
    return rc;
}

/* ---- numbers --------------------------------------------------------------- */

const char *cli_count(uint64_t v, char buf[32])
{
    return ms_count_text(v, buf);
}

const char *cli_size(uint64_t v, char buf[32])
{
    return ms_size_text(v, buf);
}

const char *cli_node_id(const ms_snapshot *snap, ms_node n, char buf[32])
{
    uint64_t id = ms_node_id(snap, n);
    if (ms_snapshot_id_style(snap) == MS_IDS_ADDRESSES && !ms_node_is_synthetic(snap, n))
        snprintf(buf, 32, "0x%llx", (unsigned long long)id);
    else
        snprintf(buf, 32, "@%llu", (unsigned long long)id);
    return buf;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool cli_parse_size(const char *s, uint64_t *bytes, double *percent)
{
    char *end;
    double v;
    *bytes = 0;
    *percent = -1;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || !(v >= 0))
        return false;
    if (strcmp(end, "%") == 0) {
        if (v > 100)
            return false;
        *percent = v;
        return true;
    }
    {
        static const struct { const char *suffix; double mult; } units[] = {
            {"", 1}, {"B", 1},
            {"K", 1024.0}, {"KB", 1024.0}, {"KiB", 1024.0}, {"k", 1024.0},
            {"M", 1048576.0}, {"MB", 1048576.0}, {"MiB", 1048576.0},
            {"G", 1073741824.0}, {"GB", 1073741824.0}, {"GiB", 1073741824.0},
            {"T", 1099511627776.0}, {"TB", 1099511627776.0}, {"TiB", 1099511627776.0},
        };
        for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
            if (strcmp(end, units[i].suffix) == 0) {
                double b = v * units[i].mult;
                if (b >= 18446744073709551615.0)
                    return false;
                *bytes = (uint64_t)(b + 0.5);
                return true;
            }
        }
    }
    return false;
}

/* ---- text ------------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (!need || need > n)
        return 0;
    for (size_t i = 1; i < need; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (need == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
        return 0;
    if (need == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
        return 0;
    return need;
}

cJSON *cli_json_string(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    char *clean;
    size_t o = 0, i = 0;
    cJSON *j;
    bool ok = true;
    for (size_t k = 0; k < len && ok; k++)
        ok = p[k] != 0 && p[k] < 0x80;
    if (ok && strlen(s) == len)
        return cJSON_CreateString(s);
    /* Slow path: replace invalid UTF-8 and NUL bytes with U+FFFD. */
    clean = malloc(len * 3 + 1);
    if (!clean)
        return NULL;
    while (i < len) {
        size_t l = p[i] < 0x80 ? (p[i] ? 1 : 0) : utf8_seq(p + i, len - i);
        if (l) {
            memcpy(clean + o, s + i, l);
            o += l;
            i += l;
        } else {
            memcpy(clean + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    clean[o] = 0;
    j = cJSON_CreateString(clean);
    free(clean);
    return j;
}

void cli_print_name(FILE *f, const char *s, size_t len, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, chars = 0;
    while (i < len) {
        size_t l;
        if (max && chars >= max) {
            fputs("...", f);
            return;
        }
        if (p[i] >= 0x20 && p[i] < 0x7f) {
            fputc(p[i], f);
            i++;
        } else if (p[i] >= 0x80 && (l = utf8_seq(p + i, len - i)) > 0) {
            fwrite(p + i, 1, l, f);
            i += l;
        } else {
            switch (p[i]) {
            case '\n': fputs("\\n", f); break;
            case '\t': fputs("\\t", f); break;
            case '\r': fputs("\\r", f); break;
            default: fprintf(f, "\\x%02x", p[i]);
            }
            i++;
        }
        chars++;
    }
}

/* ---- atomic output ------------------------------------------------------------ */

/* The temporary file being written, removed if a signal ends the process. */
static volatile sig_atomic_t have_tmp;
static char tmp_for_signal[4096];

static void on_signal(int sig)
{
    if (have_tmp)
        unlink(tmp_for_signal);
    signal(sig, SIG_DFL);
    raise(sig);
}

int cli_output_open(cli_output *o, const char *path)
{
    int fd;
    size_t l;
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return CLI_OK;
    }
    l = strlen(path);
    o->path = strdup(path);
    o->tmp = malloc(l + 16);
    if (!o->path || !o->tmp || l + 16 > sizeof tmp_for_signal) {
        free(o->path);
        free(o->tmp);
        fprintf(stderr, "memsnap: %s: cannot create output\n", path);
        return CLI_FAILED;
    }
    snprintf(o->tmp, l + 16, "%s.tmp.XXXXXX", path);
    fd = mkstemp(o->tmp);
    if (fd >= 0) {
        /* mkstemp makes the file 0600; the output should get the mode any
         * new file gets (0666 less the umask), as if written in place. */
        mode_t mask = umask(0);
        umask(mask);
        (void)fchmod(fd, 0666 & ~mask);
    }
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "memsnap: %s: cannot create output: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->path);
        free(o->tmp);
        memset(o, 0, sizeof *o);
        return CLI_FAILED;
    }
    memcpy(tmp_for_signal, o->tmp, strlen(o->tmp) + 1);
    have_tmp = 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGPIPE, on_signal);
    return CLI_OK;
}

static ms_snapshot *watched; /* cli_watch */

void cli_watch(ms_snapshot *snap)
{
    watched = snap;
}

void cli_unwatch(ms_snapshot *snap)
{
    if (watched == snap)
        watched = NULL;
}

/* CLI_OK, or CLI_BAD_INPUT after printing what reading the watched
 * snapshot on demand met. */
static int watched_status(void)
{
    ms_error err = MS_ERROR_INIT;
    if (watched && ms_snapshot_status(watched, &err) != MS_OK)
        return cli_fail(&err);
    return CLI_OK;
}

int cli_output_close(cli_output *o, bool ok)
{
    int rc = CLI_OK;
    if (!o->f)
        return CLI_FAILED;
    if (ok && (rc = watched_status()) != CLI_OK) {
        ok = false;
        if (o->f == stdout) {
            fflush(stdout);
            return rc;
        }
    }
    if (o->f == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "memsnap: writing the output failed: %s\n", strerror(errno));
            return CLI_FAILED;
        }
        return CLI_OK;
    }
    if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0) {
        fprintf(stderr, "memsnap: %s: write failed: %s\n", o->path, strerror(errno));
        ok = false;
        rc = CLI_FAILED;
    }
    fclose(o->f);
    if (ok && rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "memsnap: %s: cannot rename output into place: %s\n", o->path,
                strerror(errno));
        ok = false;
        rc = CLI_FAILED;
    }
    if (!ok)
        unlink(o->tmp);
    have_tmp = 0;
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
    return rc;
}

int cli_write_json(const cJSON *doc, const char *path)
{
    cli_output o;
    char *text = cJSON_Print(doc);
    int rc;
    if (!text) {
        fprintf(stderr, "memsnap: out of memory formatting JSON\n");
        return CLI_FAILED;
    }
    if ((rc = cli_output_open(&o, path)) != CLI_OK) {
        free(text);
        return rc;
    }
    fputs(text, o.f);
    fputc('\n', o.f);
    free(text);
    return cli_output_close(&o, true);
}

/* cJSON_Print of {name: item}, without the braces: the member as it prints
 * inside a top-level object ("\t\"name\":\tvalue").  Borrows item. */
static char *print_member(const char *name, cJSON *item)
{
    cJSON *wrap = cJSON_CreateObject();
    char *text;
    size_t len;
    if (!wrap)
        return NULL;
    cJSON_AddItemReferenceToObject(wrap, name, item);
    text = cJSON_Print(wrap);
    cJSON_Delete(wrap);
    if (!text)
        return NULL;
    len = strlen(text); /* "{\n" member "\n}" */
    memmove(text, text + 2, len - 4);
    text[len - 4] = 0;
    return text;
}

int cli_write_json_items(const cJSON *doc, const char *key, bool (*items)(FILE *f, void *ctx),
                         void *ctx, const char *path)
{
    cli_output o;
    const cJSON *m;
    bool ok = true, items_ok = true;
    int rc;
    if ((rc = cli_output_open(&o, path)) != CLI_OK)
        return rc;
    fputs("{\n", o.f);
    for (m = doc->child; m && ok && items_ok; m = m->next) {
        if (strcmp(m->string, key) != 0) {
            char *text = print_member(m->string, (cJSON *)m);
            ok = text != NULL;
            if (ok)
                fputs(text, o.f);
            free(text);
        } else {
            fprintf(o.f, "\t\"%s\":\t[", key);
            items_ok = items(o.f, ctx);
            fputc(']', o.f);
        }
        if (m->next)
            fputc(',', o.f);
        fputc('\n', o.f);
    }
    fputs("}\n", o.f);
    if (!ok)
        fprintf(stderr, "memsnap: out of memory formatting JSON\n");
    rc = cli_output_close(&o, ok && items_ok);
    return ok && items_ok ? rc : CLI_FAILED;
}

/* cli_write_json_streamed's elements, each printed as in {key: [element]}
 * and cut out of that. */
typedef struct streamed {
    const char *key;
    cJSON *(*next)(void *ctx, bool *failed);
    void *ctx;
} streamed;

static bool streamed_items(FILE *f, void *arg)
{
    const streamed *s = arg;
    cJSON *arr = cJSON_CreateArray(), *el;
    bool failed = false, ok = arr != NULL;
    size_t i = 0, pre = strlen(s->key) + 6; /* \t"key":\t[ */
    while (ok && (el = s->next(s->ctx, &failed)) != NULL) {
        char *text;
        cJSON_AddItemToArray(arr, el);
        text = print_member(s->key, arr);
        ok = text != NULL;
        if (ok) {
            size_t len = strlen(text);
            if (i)
                fputs(", ", f);
            fwrite(text + pre, 1, len - pre - 1, f);
        }
        free(text);
        cJSON_DeleteItemFromArray(arr, 0);
        i++;
    }
    ok = ok && !failed;
    cJSON_Delete(arr);
    if (!ok)
        fprintf(stderr, "memsnap: out of memory formatting JSON\n");
    return ok;
}

int cli_write_json_streamed(const cJSON *doc, const char *key,
                            cJSON *(*next)(void *ctx, bool *failed), void *ctx, const char *path)
{
    streamed s = {key, next, ctx};
    return cli_write_json_items(doc, key, streamed_items, &s, path);
}

void cli_json_put_string(FILE *f, const char *s, size_t len, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, chars = 0;
    fputc('"', f);
    while (i < len) {
        size_t l = p[i] < 0x80 ? 1 : utf8_seq(p + i, len - i);
        if (max && chars >= max) {
            fputs("...", f);
            break;
        }
        if (l == 0 || p[i] == 0) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD, as cli_json_string */
            l = 1;
        } else if (p[i] == '"' || p[i] == '\\') {
            fputc('\\', f);
            fputc(p[i], f);
        } else if (p[i] < 0x20) {
            switch (p[i]) {
            case '\n': fputs("\\n", f); break;
            case '\t': fputs("\\t", f); break;
            case '\r': fputs("\\r", f); break;
            case '\b': fputs("\\b", f); break;
            case '\f': fputs("\\f", f); break;
            default: fprintf(f, "\\u%04x", p[i]);
            }
        } else {
            fwrite(p + i, 1, l, f);
        }
        i += l;
        chars++;
    }
    fputc('"', f);
}

/* buf = sign (when not 0) + text, cut to 31 bytes (the texts here are at
 * most 26), without snprintf: GCC -O3 cannot see they fit. */
static const char *with_sign(char buf[32], char sign, const char *text)
{
    size_t o = 0, n = strlen(text);
    if (sign)
        buf[o++] = sign;
    if (n > 31 - o)
        n = 31 - o;
    memcpy(buf + o, text, n);
    buf[o + n] = 0;
    return buf;
}

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
}

const char *cli_size_i64(int64_t v, char buf[32])
{
    char tmp[32];
    if (v >= 0)
        return cli_size((uint64_t)v, buf);
    return with_sign(buf, '-', cli_size(magnitude(v), tmp));
}

/* "+1,234" / "-1,234" / "0" */
const char *cli_scount(int64_t v, char buf[32])
{
    char a[32];
    return with_sign(buf, v > 0 ? '+' : v < 0 ? '-' : 0, cli_count(magnitude(v), a));
}

const char *cli_ssize(int64_t v, char buf[32])
{
    char a[32];
    return with_sign(buf, v > 0 ? '+' : v < 0 ? '-' : 0, cli_size(magnitude(v), a));
}

/* Markdown table cell text: no newlines, pipes escaped, at most 80 bytes. */
void cli_md_text(FILE *f, const char *s)
{
    size_t n = 0;
    fputc('`', f);
    for (; *s && n < 80; s++, n++) {
        unsigned char c = (unsigned char)*s;
        if (c == '`')
            fputc('\'', f);
        else if (c == '|')
            fputs("\\|", f);
        else if (c < 0x20)
            fputc(' ', f);
        else
            fputc(c, f);
    }
    if (*s)
        fputs("...", f);
    fputc('`', f);
}
