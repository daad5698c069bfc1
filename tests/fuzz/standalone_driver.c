/*
 * standalone_driver.c: replays fuzz inputs without libFuzzer, so every build
 * (gcc, the sanitizers) runs the corpus: each argument is a file, or a
 * directory whose files are all read.  Exit status 0 when every input ran.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "standalone_driver: cannot read %s\n", path);
        if (f)
            fclose(f);
        return 1;
    }
    buf = malloc(n ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "standalone_driver: cannot read %s\n", path);
        free(buf);
        fclose(f);
        return 1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int failed = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "standalone_driver: no such input %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            struct dirent **list;
            int n = scandir(argv[i], &list, NULL, alphasort);
            for (int k = 0; k < n; k++) {
                char path[4096];
                if (list[k]->d_name[0] != '.') {
                    snprintf(path, sizeof path, "%s/%s", argv[i], list[k]->d_name);
                    failed |= run_file(path);
                    count++;
                }
                free(list[k]);
            }
            free(list);
        } else {
            failed |= run_file(argv[i]);
            count++;
        }
    }
    printf("standalone_driver: %d inputs\n", count);
    return failed;
}
