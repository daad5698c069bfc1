/*
 * replay.c: runs a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer, so every build (gcc release, sanitizers) replays the seed corpus
 * and every crash ever found (tests/fuzz/regressions/<format>/) in ctest.
 *
 *   replay_<format> PATH...     each PATH a file or a directory of files
 *
 * Files are read whole and run in name order; a broken invariant aborts
 * (the test fails), and so does an input that runs longer than
 * REPLAY_SECONDS (a hang: SIGALRM ends the process, as libFuzzer's -timeout
 * would).  Exits 2 when a path cannot be read or no input was found, so a
 * misspelt corpus directory cannot pass silently.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every input here runs in milliseconds, also under the sanitizers. */
#define REPLAY_SECONDS 30

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            uint8_t *nb;
            cap = cap ? cap * 2 : 65536;
            if (!(nb = realloc(buf, cap))) {
                fprintf(stderr, "replay: %s: out of memory\n", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    /* A copy of exactly `len` bytes, so reading past the input is caught by
     * AddressSanitizer in the sanitizer build as it is under libFuzzer. */
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
            free(buf);
            return -1;
        }
        memcpy(exact, buf, len);
        free(buf);
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
        alarm(REPLAY_SECONDS);
        LLVMFuzzerTestOneInput(exact, len);
        alarm(0);
        free(exact);
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file in dir (not recursive), in name order. */
static int replay_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char *p;
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        if (!(p = malloc(strlen(dir) + strlen(e->d_name) + 2)))
            return -1;
        sprintf(p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!nn)
                return -1;
            names = nn;
        }
        names[n++] = p;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && replay_file(names[i]) < 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    *count += (unsigned)n;
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        if (S_ISDIR(st.st_mode)) {
            if (replay_dir(argv[i], &count) < 0)
                return 2;
        } else {
            if (replay_file(argv[i]) < 0)
                return 2;
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "replay: no inputs (usage: replay PATH...)\n");
        return 2;
    }
    printf("replay: %u inputs, no invariant broken\n", count);
    return 0;
}
