/*
 * modules.c: the modules loaded in the captured process, from
 * dl_iterate_phdr: path, load base (dlpi_addr, the bias the importer
 * subtracts before looking addresses up in the module's DWARF or symbol
 * table; not dladdr's dli_fbase, which is the first segment's address),
 * segments, PT_GNU_RELRO, and the GNU build id from PT_NOTE.
 *
 * Called with the world running (it uses malloc and takes the loader's lock).
 */
#define _GNU_SOURCE
#include "capture_int.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct walk {
    ms__modules *mods;
    uint32_t cap;
    bool failed;
    uint64_t gc_addr, self_addr; /* an address inside libgc / this library */
} walk;

static void read_build_id(ms__module *m, const ElfW(Phdr) *ph, uint64_t base)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)(base + ph->p_vaddr);
    const uint8_t *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
        size_t name = (nh->n_namesz + 3u) & ~3u, desc = (nh->n_descsz + 3u) & ~3u;
        const uint8_t *d = p + sizeof *nh + name;
        if (d + desc > end)
            return;
        if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
            memcmp(p + sizeof *nh, "GNU", 4) == 0 && nh->n_descsz <= sizeof m->build_id) {
            memcpy(m->build_id, d, nh->n_descsz);
            m->build_id_len = nh->n_descsz;
            return;
        }
        p = d + desc;
    }
}

static int on_module(struct dl_phdr_info *info, size_t size, void *data)
{
    walk *w = data;
    ms__modules *mods = w->mods;
    ms__module *m;
    uint32_t nload = 0;
    (void)size;
    if (mods->count == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 32;
        ms__module *n = realloc(mods->m, cap * sizeof *n);
        if (!n) {
            w->failed = true;
            return 1;
        }
        mods->m = n;
        w->cap = cap;
    }
    m = &mods->m[mods->count];
    memset(m, 0, sizeof *m);
    m->base = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD)
            nload++;
    m->seg = calloc(nload ? nload : 1, sizeof *m->seg);
    if (!m->seg) {
        w->failed = true;
        return 1;
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD) {
            ms__segment *s = &m->seg[m->nseg++];
            s->vaddr = ph->p_vaddr;
            s->memsz = ph->p_memsz;
            s->flags = ph->p_flags;
        } else if (ph->p_type == PT_GNU_RELRO) {
            m->relro_lo = info->dlpi_addr + ph->p_vaddr;
            m->relro_hi = m->relro_lo + ph->p_memsz;
        } else if (ph->p_type == PT_NOTE && !m->build_id_len) {
            read_build_id(m, ph, info->dlpi_addr);
        }
    }
    if (mods->count == 0 && (!info->dlpi_name || !info->dlpi_name[0])) {
        /* The executable: dlpi_name is "", and dladdr's name is argv[0]
         * as invoked (maybe relative), so ask the kernel. */
        char buf[4096];
        ssize_t l = readlink("/proc/self/exe", buf, sizeof buf - 1);
        buf[l > 0 ? l : 0] = 0;
        m->path = strdup(buf);
        m->flags |= MS_GCCAP_MOD_MAIN;
    } else {
        m->path = strdup(info->dlpi_name ? info->dlpi_name : "");
        if (info->dlpi_name && strncmp(info->dlpi_name, "linux-vdso", 10) == 0)
            m->flags |= MS_GCCAP_MOD_VDSO;
    }
    if (!m->path) {
        free(m->seg);
        w->failed = true;
        return 1;
    }
    mods->count++;
    for (uint32_t i = 0; i < m->nseg; i++) {
        uint64_t lo = m->base + m->seg[i].vaddr, hi = lo + m->seg[i].memsz;
        if (w->gc_addr >= lo && w->gc_addr < hi)
            m->flags |= MS_GCCAP_MOD_LIBGC;
        if (w->self_addr >= lo && w->self_addr < hi)
            m->flags |= MS_GCCAP_MOD_SELF;
    }
    return 0;
}

int ms__modules_load(ms__modules *mods)
{
    walk w = {mods, 0, false, 0, 0};
    mods->m = NULL;
    mods->count = 0;
    ms__hooks_init();
    w.gc_addr = (uint64_t)(uintptr_t)ms__real.malloc;
    w.self_addr = (uint64_t)(uintptr_t)&ms__modules_load;
    dl_iterate_phdr(on_module, &w);
    if (w.failed) {
        ms__modules_free(mods);
        return MS_ENOMEM;
    }
    return MS_OK;
}

void ms__modules_free(ms__modules *mods)
{
    for (uint32_t i = 0; i < mods->count; i++) {
        free(mods->m[i].path);
        free(mods->m[i].seg);
    }
    free(mods->m);
    mods->m = NULL;
    mods->count = 0;
}

int ms__modules_find(const ms__modules *mods, uint64_t addr, uint32_t want_flags,
                     uint64_t *seg_end)
{
    for (uint32_t i = 0; i < mods->count; i++) {
        const ms__module *m = &mods->m[i];
        for (uint32_t s = 0; s < m->nseg; s++) {
            uint64_t lo = m->base + m->seg[s].vaddr, hi = lo + m->seg[s].memsz;
            if (addr >= lo && addr < hi && (m->seg[s].flags & want_flags) == want_flags) {
                if (seg_end)
                    *seg_end = hi;
                return (int)i;
            }
        }
    }
    return -1;
}
