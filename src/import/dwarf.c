/*
 * dwarf.c: symbolization of allocation sites and data roots (dwarf.h).
 *
 * libdwarf 20210528 (Debian 12) has the old API: dwarf_init_path takes 12
 * arguments, DIE walks use dwarf_siblingof_b/dwarf_child, ranges come from
 * dwarf_get_ranges_b (DWARF 4) or the rnglists functions (DWARF 5, gcc
 * 12's default).  libdwarf >= 0.1 changed these; this file is where a
 * port would go.
 *
 * One module file is opened once per batch of addresses.  For code
 * addresses, each compilation unit whose address ranges hold one of them
 * has its line table read (the row with the greatest address <= pc, in a
 * sequence that has not ended, gives file:line) and its DIE tree walked,
 * descending only into subprograms, inlined subroutines and lexical blocks
 * that contain one of the addresses: the containing subprogram names the
 * real function, nested DW_TAG_inlined_subroutine entries name what was
 * inlined into it (the line row belongs to the innermost one).  Names of
 * concrete instances at -O2 come through DW_AT_abstract_origin or
 * DW_AT_specification.  The walk keeps an explicit stack (no recursion).
 * Addresses DWARF does not know fall back to the ELF symbol table
 * (.symtab, else .dynsym: stripped libraries such as libgc and libguile).
 */
#define _GNU_SOURCE
#include "dwarf.h"

#include "../util/sort.h"
#include "../util/vec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef MEMSNAP_HAVE_DWARF
#include <dwarf.h>
#include <gelf.h>
#include <libdwarf.h>
#include <libelf.h>
#endif

#define MAX_NAMES 8
#define MAX_DEPTH 256

bool ms__symbolize_has_dwarf(void)
{
#ifdef MEMSNAP_HAVE_DWARF
    return true;
#else
    return false;
#endif
}

#ifndef MEMSNAP_HAVE_DWARF

int ms__symbolize(const char *path, const uint8_t *build_id, size_t build_id_len,
                  ms__sym_query *q, size_t n, const char **note, ms_error *err)
{
    (void)path;
    (void)build_id;
    (void)build_id_len;
    (void)err;
    for (size_t i = 0; i < n; i++)
        q[i].text = NULL;
    if (note)
        *note = "memsnap was built without libdwarf";
    return MS_OK;
}

#else

/* ---- ELF: build id, symbol table ------------------------------------------- */

typedef struct esym {
    uint64_t addr, size;
    uint64_t name; /* offset into names */
    bool func;
} esym;

typedef struct symtab {
    esym *s;
    size_t n;
    uint64_t cap;
    ms__sbuf names;
} symtab;

typedef struct elf_file {
    int fd;
    Elf *elf;
    uint8_t build_id[64];
    size_t build_id_len;
    bool has_dwarf;
} elf_file;

static void elf_close(elf_file *f)
{
    if (f->elf)
        elf_end(f->elf);
    if (f->fd >= 0)
        close(f->fd);
    f->elf = NULL;
    f->fd = -1;
}

/* Opens a regular file as ELF and reads its build id and whether it has
 * .debug_info.  False when it is not a readable ELF file. */
static bool elf_open(const char *path, elf_file *f)
{
    struct stat st;
    Elf_Scn *scn = NULL;
    size_t shstr;
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0)
        return false;
    f->elf = elf_begin(f->fd, ELF_C_READ, NULL);
    if (!f->elf || elf_kind(f->elf) != ELF_K_ELF || elf_getshdrstrndx(f->elf, &shstr) != 0) {
        elf_close(f);
        return false;
    }
    while ((scn = elf_nextscn(f->elf, scn)) != NULL) {
        GElf_Shdr sh;
        const char *name;
        if (!gelf_getshdr(scn, &sh))
            continue;
        name = elf_strptr(f->elf, shstr, sh.sh_name);
        if (name && strcmp(name, ".debug_info") == 0 && sh.sh_type != SHT_NOBITS)
            f->has_dwarf = true;
        if (sh.sh_type == SHT_NOTE && !f->build_id_len) {
            Elf_Data *d = elf_getdata(scn, NULL);
            size_t off = 0, name_off, desc_off;
            GElf_Nhdr nh;
            while (d && off < d->d_size &&
                   (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
                if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                    memcmp((const char *)d->d_buf + name_off, "GNU", 4) == 0 &&
                    nh.n_descsz <= sizeof f->build_id) {
                    memcpy(f->build_id, (const char *)d->d_buf + desc_off, nh.n_descsz);
                    f->build_id_len = nh.n_descsz;
                    break;
                }
            }
        }
    }
    return true;
}

static int cmp_esym(const void *a, const void *b)
{
    const esym *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (x->size < y->size) - (x->size > y->size); /* larger first */
}

/* Reads the .symtab (or, when there is none, .dynsym) of f into t. */
static int load_symbols(elf_file *f, symtab *t, ms_error *err)
{
    Elf_Scn *scn = NULL, *pick = NULL;
    GElf_Shdr pick_sh = {0};
    while ((scn = elf_nextscn(f->elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !pick)) {
            pick = scn;
            pick_sh = sh;
        }
    }
    if (!pick || !pick_sh.sh_entsize)
        return MS_OK;
    {
        Elf_Data *d = elf_getdata(pick, NULL);
        size_t count = d ? d->d_size / pick_sh.sh_entsize : 0;
        for (size_t i = 0; i < count; i++) {
            GElf_Sym sym;
            const char *name;
            int type;
            if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
                continue;
            type = GELF_ST_TYPE(sym.st_info);
            if (type != STT_FUNC && type != STT_OBJECT && type != STT_GNU_IFUNC)
                continue;
            name = elf_strptr(f->elf, pick_sh.sh_link, sym.st_name);
            if (!name || !*name)
                continue;
            if (t->n == t->cap &&
                ms__grow(&t->s, &t->cap, t->n + 1, 1024, sizeof *t->s, "symbols", err) < 0)
                return MS_ENOMEM;
            t->s[t->n].addr = sym.st_value;
            t->s[t->n].size = sym.st_size;
            t->s[t->n].func = type != STT_OBJECT;
            t->s[t->n].name = t->names.len;
            if (ms__sbuf_append(&t->names, name, strlen(name) + 1, err) < 0)
                return MS_ENOMEM;
            t->n++;
        }
    }
    qsort(t->s, t->n, sizeof *t->s, cmp_esym);
    return MS_OK;
}

static void symtab_free(symtab *t)
{
    free(t->s);
    ms__sbuf_free(&t->names);
    memset(t, 0, sizeof *t);
}

/* "sym" or "sym+0x1a" for pc, or NULL. */
static char *symbol_text(const symtab *t, uint64_t pc, bool data)
{
    size_t lo = 0, hi = t->n;
    char buf[1024];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->s[mid].addr <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* lo - 1 is the last symbol at or below pc; look back a little for a
     * sized one of the right kind that contains it */
    for (size_t k = lo, tries = 0; k > 0 && tries < 16; k--, tries++) {
        const esym *s = &t->s[k - 1];
        uint64_t off = pc - s->addr;
        if (s->func == data)
            continue;
        if (s->size ? off < s->size : (!data && off < 4096)) {
            const char *name = t->names.data + s->name;
            if (off)
                snprintf(buf, sizeof buf, "%s+0x%llx", name, (unsigned long long)off);
            else
                snprintf(buf, sizeof buf, "%s", name);
            return strdup(buf);
        }
        if (s->size && s->addr + s->size <= pc && data)
            break;
    }
    return NULL;
}

/* ---- DWARF --------------------------------------------------------------------- */

typedef struct qres {
    char *names[MAX_NAMES]; /* containing subprogram / inlined DIEs, by depth */
    int depth[MAX_NAMES];
    int nnames;
    char *file;
    uint64_t line;
} qres;

typedef struct dw {
    Dwarf_Debug dbg;
    Dwarf_Error e;
    ms__sym_query *q;
    qres *res;
    size_t *order; /* query indices sorted by pc (code queries only) */
    size_t n;
    uint64_t cu_base;
    bool oom;
} dw;

#define DW_OK(x) ((x) == DW_DLV_OK)

static void dw_clear_error(dw *d)
{
    if (d->e) {
        dwarf_dealloc(d->dbg, d->e, DW_DLA_ERROR);
        d->e = NULL;
    }
}

/* First index in order[] with pc >= v. */
static size_t lower_pc(const dw *d, uint64_t v)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->q[d->order[mid]].pc < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct range {
    uint64_t lo, hi;
} range;

/* Address ranges of a DIE (low/high pc or DW_AT_ranges), at most `cap`;
 * returns how many, or -1 when the DIE has none. */
static int die_ranges(dw *d, Dwarf_Die die, range *out, int cap)
{
    Dwarf_Addr low = 0, high = 0;
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls;
    Dwarf_Attribute attr = NULL;
    int n = -1;
    if (DW_OK(dwarf_lowpc(die, &low, &d->e)) &&
        DW_OK(dwarf_highpc_b(die, &high, &form, &cls, &d->e))) {
        if (cls == DW_FORM_CLASS_CONSTANT)
            high += low;
        out[0].lo = low;
        out[0].hi = high;
        dw_clear_error(d);
        return 1;
    }
    dw_clear_error(d);
    if (!DW_OK(dwarf_attr(die, DW_AT_ranges, &attr, &d->e))) {
        dw_clear_error(d);
        return -1;
    }
    if (DW_OK(dwarf_whatform(attr, &form, &d->e))) {
        Dwarf_Unsigned val = 0;
        Dwarf_Half version = 0, offset_size = 0;
        if (DW_OK(dwarf_get_version_of_die(die, &version, &offset_size)) && version >= 5) {
            Dwarf_Rnglists_Head head = NULL;
            Dwarf_Unsigned count = 0, global = 0;
            if (form == DW_FORM_rnglistx)
                (void)dwarf_formudata(attr, &val, &d->e);
            else
                (void)dwarf_global_formref(attr, (Dwarf_Off *)&val, &d->e);
            dw_clear_error(d);
            if (DW_OK(dwarf_rnglists_get_rle_head(attr, form, val, &head, &count, &global, &d->e))) {
                n = 0;
                for (Dwarf_Unsigned i = 0; i < count && n < cap; i++) {
                    unsigned len = 0, code = 0;
                    Dwarf_Unsigned r1, r2, c1, c2;
                    Dwarf_Bool unavailable = 0;
                    if (!DW_OK(dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &r1, &r2,
                                                                &unavailable, &c1, &c2, &d->e)))
                        break;
                    if (unavailable || code == DW_RLE_end_of_list || code == DW_RLE_base_address ||
                        code == DW_RLE_base_addressx)
                        continue;
                    out[n].lo = c1;
                    out[n].hi = c2;
                    n++;
                }
                dwarf_dealloc_rnglists_head(head);
            }
        } else {
            Dwarf_Off off = 0, real = 0;
            Dwarf_Ranges *rs = NULL;
            Dwarf_Signed count = 0;
            Dwarf_Unsigned bytes = 0;
            if (DW_OK(dwarf_global_formref(attr, &off, &d->e)) &&
                DW_OK(dwarf_get_ranges_b(d->dbg, off, die, &real, &rs, &count, &bytes, &d->e))) {
                uint64_t base = d->cu_base;
                n = 0;
                for (Dwarf_Signed i = 0; i < count && n < cap; i++) {
                    if (rs[i].dwr_type == DW_RANGES_ADDRESS_SELECTION) {
                        base = rs[i].dwr_addr2;
                    } else if (rs[i].dwr_type == DW_RANGES_ENTRY) {
                        out[n].lo = base + rs[i].dwr_addr1;
                        out[n].hi = base + rs[i].dwr_addr2;
                        n++;
                    }
                }
                dwarf_ranges_dealloc(d->dbg, rs, count);
            }
        }
    }
    dw_clear_error(d);
    dwarf_dealloc_attribute(attr);
    return n;
}

/* The DIE's name, following DW_AT_abstract_origin / DW_AT_specification
 * (concrete and out-of-line instances at -O2 have no name of their own).
 * Returns a malloc'd copy or NULL. */
static char *die_name(dw *d, Dwarf_Die die)
{
    Dwarf_Die cur = die;
    char *out = NULL;
    for (int hop = 0; hop < 4 && !out; hop++) {
        char *name = NULL;
        Dwarf_Attribute attr = NULL;
        Dwarf_Off off;
        Dwarf_Die next = NULL;
        if (DW_OK(dwarf_diename(cur, &name, &d->e))) {
            out = strdup(name);
            if (!out)
                d->oom = true;
            break;
        }
        dw_clear_error(d);
        if (!DW_OK(dwarf_attr(cur, DW_AT_abstract_origin, &attr, &d->e))) {
            dw_clear_error(d);
            if (!DW_OK(dwarf_attr(cur, DW_AT_specification, &attr, &d->e))) {
                dw_clear_error(d);
                break;
            }
        }
        if (DW_OK(dwarf_global_formref(attr, &off, &d->e)) &&
            DW_OK(dwarf_offdie_b(d->dbg, off, 1, &next, &d->e))) {
            if (cur != die)
                dwarf_dealloc_die(cur);
            cur = next;
        } else {
            dw_clear_error(d);
            dwarf_dealloc_attribute(attr);
            break;
        }
        dwarf_dealloc_attribute(attr);
    }
    if (cur != die)
        dwarf_dealloc_die(cur);
    return out;
}

/* Records DIE `die` (a subprogram or inlined subroutine at `depth`) for
 * every code query inside one of its ranges; true if any was. */
static bool note_containing(dw *d, Dwarf_Die die, int depth, const range *r, int nr, bool record)
{
    bool any = false;
    char *name = NULL;
    for (int k = 0; k < nr; k++) {
        for (size_t i = lower_pc(d, r[k].lo); i < d->n && d->q[d->order[i]].pc < r[k].hi; i++) {
            qres *res = &d->res[d->order[i]];
            any = true;
            if (!record)
                continue;
            if (!name && !(name = die_name(d, die)))
                break;
            /* deeper entries of earlier siblings cannot contain it too */
            while (res->nnames && res->depth[res->nnames - 1] >= depth)
                free(res->names[--res->nnames]);
            if (res->nnames < MAX_NAMES) {
                res->names[res->nnames] = strdup(name);
                if (!res->names[res->nnames])
                    d->oom = true;
                res->depth[res->nnames++] = depth;
            }
        }
    }
    free(name);
    return any;
}

typedef struct row {
    uint64_t addr;
    uint64_t line;
    size_t index;
    bool end;
} row;

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->end != y->end)
        return x->end ? -1 : 1; /* a sequence ending here sorts before one starting here */
    return x->index < y->index ? -1 : x->index > y->index;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* File:line for the code queries inside this CU's line table. */
static void cu_lines(dw *d, Dwarf_Die cu)
{
    Dwarf_Unsigned version = 0;
    Dwarf_Small count = 0;
    Dwarf_Line_Context ctx = NULL;
    Dwarf_Line *lines = NULL;
    Dwarf_Signed nlines = 0;
    row *rows = NULL;
    if (!DW_OK(dwarf_srclines_b(cu, &version, &count, &ctx, &d->e))) {
        dw_clear_error(d);
        return;
    }
    if (!DW_OK(dwarf_srclines_from_linecontext(ctx, &lines, &nlines, &d->e)) || nlines <= 0)
        goto done;
    rows = malloc((size_t)nlines * sizeof *rows);
    if (!rows) {
        d->oom = true;
        goto done;
    }
    for (Dwarf_Signed i = 0; i < nlines; i++) {
        Dwarf_Addr a = 0;
        Dwarf_Unsigned l = 0;
        Dwarf_Bool end = 0;
        (void)dwarf_lineaddr(lines[i], &a, &d->e);
        (void)dwarf_lineno(lines[i], &l, &d->e);
        (void)dwarf_lineendsequence(lines[i], &end, &d->e);
        dw_clear_error(d);
        rows[i] = (row){a, l, (size_t)i, end != 0};
    }
    qsort(rows, (size_t)nlines, sizeof *rows, cmp_row);
    for (size_t k = 0; k < d->n; k++) {
        size_t qi = d->order[k], lo = 0, hi = (size_t)nlines;
        uint64_t pc = d->q[qi].pc;
        if (d->res[qi].file)
            continue;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (rows[mid].addr <= pc)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && !rows[lo - 1].end) {
            char *src = NULL;
            if (DW_OK(dwarf_linesrc(lines[rows[lo - 1].index], &src, &d->e))) {
                d->res[qi].file = strdup(base_name(src));
                if (!d->res[qi].file)
                    d->oom = true;
                d->res[qi].line = rows[lo - 1].line;
                dwarf_dealloc(d->dbg, src, DW_DLA_STRING);
            }
            dw_clear_error(d);
        }
    }
done:
    dw_clear_error(d);
    free(rows);
    dwarf_srclines_dealloc_b(ctx);
}

static bool tag_is_scope(Dwarf_Half tag)
{
    return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
           tag == DW_TAG_lexical_block;
}

static bool tag_is_container(Dwarf_Half tag)
{
    return tag == DW_TAG_namespace || tag == DW_TAG_module;
}

/* Walks the CU's DIEs (explicit stack), noting containing functions. */
static void cu_functions(dw *d, Dwarf_Die cu)
{
    Dwarf_Die stack[MAX_DEPTH];
    int depth = 0;
    Dwarf_Die die = NULL;
    range r[64];
    if (!DW_OK(dwarf_child(cu, &die, &d->e))) {
        dw_clear_error(d);
        return;
    }
    while (die && !d->oom) {
        Dwarf_Half tag = 0;
        bool descend = false;
        if (DW_OK(dwarf_tag(die, &tag, &d->e))) {
            if (tag_is_scope(tag)) {
                int nr = die_ranges(d, die, r, 64);
                if (nr > 0)
                    descend = note_containing(d, die, depth, r, nr, tag != DW_TAG_lexical_block);
            } else if (tag_is_container(tag)) {
                descend = true;
            }
        }
        dw_clear_error(d);
        if (descend && depth < MAX_DEPTH) {
            Dwarf_Die child = NULL;
            if (DW_OK(dwarf_child(die, &child, &d->e))) {
                stack[depth++] = die;
                die = child;
                continue;
            }
            dw_clear_error(d);
        }
        /* next sibling, climbing up as levels end */
        for (;;) {
            Dwarf_Die sib = NULL;
            int rc = dwarf_siblingof_b(d->dbg, die, 1, &sib, &d->e);
            dw_clear_error(d);
            dwarf_dealloc_die(die);
            if (rc == DW_DLV_OK) {
                die = sib;
                break;
            }
            if (depth == 0) {
                die = NULL;
                break;
            }
            die = stack[--depth];
        }
    }
    while (depth > 0)
        dwarf_dealloc_die(stack[--depth]);
    if (die)
        dwarf_dealloc_die(die);
}

static void dwarf_describe(dw *d)
{
    Dwarf_Unsigned hlen, typeoff, next;
    Dwarf_Half ver, asz, lsz, esz, cutype;
    Dwarf_Off abbr;
    Dwarf_Sig8 sig;
    while (!d->oom && DW_OK(dwarf_next_cu_header_d(d->dbg, 1, &hlen, &ver, &abbr, &asz, &lsz,
                                                   &esz, &sig, &typeoff, &next, &cutype, &d->e))) {
        Dwarf_Die cu = NULL;
        range r[64];
        int nr;
        bool wanted = false;
        Dwarf_Addr low = 0;
        if (!DW_OK(dwarf_siblingof_b(d->dbg, NULL, 1, &cu, &d->e))) {
            dw_clear_error(d);
            continue;
        }
        d->cu_base = DW_OK(dwarf_lowpc(cu, &low, &d->e)) ? low : 0;
        dw_clear_error(d);
        nr = die_ranges(d, cu, r, 64);
        if (nr < 0) {
            wanted = true; /* no ranges recorded: look inside */
        } else {
            for (int k = 0; k < nr && !wanted; k++) {
                size_t i = lower_pc(d, r[k].lo);
                wanted = i < d->n && d->q[d->order[i]].pc < r[k].hi;
            }
        }
        if (wanted) {
            cu_lines(d, cu);
            cu_functions(d, cu);
        }
        dwarf_dealloc_die(cu);
    }
    dw_clear_error(d);
}

/* ---- putting it together ----------------------------------------------------------- */

/* Queries by address (ctx: the dw whose queries they index). */
static int cmp_order(const void *a, const void *b, const void *ctx)
{
    const dw *d = ctx;
    uint64_t x = d->q[*(const size_t *)a].pc, y = d->q[*(const size_t *)b].pc;
    return x < y ? -1 : x > y;
}

static char *format_result(const qres *r)
{
    char buf[2048];
    size_t o = 0;
    if (!r->nnames && !r->file)
        return NULL;
    if (r->nnames)
        o += (size_t)snprintf(buf, sizeof buf, "%s", r->names[r->nnames - 1]);
    if (r->file && o < sizeof buf)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s:%llu", o ? " at " : "", r->file,
                              (unsigned long long)r->line);
    if (r->nnames > 1 && o < sizeof buf) {
        o += (size_t)snprintf(buf + o, sizeof buf - o, " (inlined in ");
        for (int k = r->nnames - 2; k >= 0 && o < sizeof buf; k--)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", r->names[k], k ? " < " : ")");
    }
    return strdup(buf);
}

static bool same_build_id(const elf_file *f, const uint8_t *id, size_t len)
{
    return !len || (f->build_id_len == len && memcmp(f->build_id, id, len) == 0);
}

/* The module file at path and its separate debug file (Debian's -dbgsym
 * packages: /usr/lib/debug/.build-id/xx/yyy.debug, named in dbg_path),
 * each opened only when it carries the build id.  False when neither is
 * (*note says why). */
static bool open_files(const char *path, const uint8_t *build_id, size_t build_id_len,
                       elf_file *mod, elf_file *dbg, char *dbg_path, size_t dbg_cap,
                       const char **note)
{
    if (build_id_len >= 2) {
        size_t o = (size_t)snprintf(dbg_path, dbg_cap, "/usr/lib/debug/.build-id/%02x/",
                                    build_id[0]);
        for (size_t i = 1; i < build_id_len && o + 8 < dbg_cap; i++)
            o += (size_t)snprintf(dbg_path + o, dbg_cap - o, "%02x", build_id[i]);
        snprintf(dbg_path + o, dbg_cap - o, ".debug");
        if (elf_open(dbg_path, dbg) && !same_build_id(dbg, build_id, build_id_len))
            elf_close(dbg);
    }
    if (!elf_open(path, mod)) {
        if (note)
            *note = "module file not found";
        return dbg->elf != NULL;
    }
    if (!same_build_id(mod, build_id, build_id_len)) {
        elf_close(mod);
        if (note)
            *note = "module file has another build id";
        return dbg->elf != NULL;
    }
    return true;
}

/* Function and file:line of the code queries (order[0..ncode), their
 * indices) from the DWARF of dwarf_path, into res[].  Errors: MS_ENOMEM. */
static int describe_code(const char *dwarf_path, ms__sym_query *q, qres *res, size_t *order,
                         size_t ncode, ms_error *err)
{
    dw d = {0};
    d.q = q;
    d.res = res;
    d.order = order;
    d.n = ncode;
    if (ms__sort(order, ncode, sizeof *order, cmp_order, &d, err) < 0)
        return MS_ENOMEM;
    if (dwarf_init_path(dwarf_path, NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &d.dbg,
                        NULL, 0, NULL, &d.e) == DW_DLV_OK) {
        dwarf_describe(&d);
        dwarf_finish(d.dbg, &d.e);
    } else if (d.e) {
        dwarf_dealloc(NULL, d.e, DW_DLA_ERROR);
    }
    return d.oom ? ms__oom(err, "symbolization") : MS_OK;
}

static void res_free(qres *res, size_t n)
{
    for (size_t i = 0; res && i < n; i++) {
        for (int k = 0; k < res[i].nnames; k++)
            free(res[i].names[k]);
        free(res[i].file);
    }
    free(res);
}

int ms__symbolize(const char *path, const uint8_t *build_id, size_t build_id_len,
                  ms__sym_query *q, size_t n, const char **note, ms_error *err)
{
    elf_file mod = {0}, dbg = {0};
    symtab syms = {0}, dsyms = {0};
    char dbg_path[512];
    const char *dwarf_path = NULL;
    qres *res = NULL;
    size_t *order = NULL, ncode = 0;
    int rc = MS_OK;

    mod.fd = dbg.fd = -1;
    for (size_t i = 0; i < n; i++)
        q[i].text = NULL;
    if (note)
        *note = NULL;
    if (n == 0)
        return MS_OK;
    elf_version(EV_CURRENT);
    if (!open_files(path, build_id, build_id_len, &mod, &dbg, dbg_path, sizeof dbg_path, note))
        goto done;
    if (dbg.elf)
        MS_TRY(load_symbols(&dbg, &dsyms, err));
    if (mod.elf)
        MS_TRY(load_symbols(&mod, &syms, err));
    if (dbg.elf && dbg.has_dwarf)
        dwarf_path = dbg_path;
    else if (mod.elf && mod.has_dwarf)
        dwarf_path = path;
    res = calloc(n, sizeof *res);
    order = malloc(n * sizeof *order);
    if (!res || !order) {
        rc = ms__oom(err, "symbolization");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (!q[i].data)
            order[ncode++] = i;
    if (dwarf_path && ncode)
        MS_TRY(describe_code(dwarf_path, q, res, order, ncode, err));
    for (size_t i = 0; i < n; i++) {
        if (!q[i].data)
            q[i].text = format_result(&res[i]);
        if (!q[i].text && dsyms.n)
            q[i].text = symbol_text(&dsyms, q[i].pc, q[i].data);
        if (!q[i].text && syms.n)
            q[i].text = symbol_text(&syms, q[i].pc, q[i].data);
    }
done:
    res_free(res, n);
    free(order);
    symtab_free(&syms);
    symtab_free(&dsyms);
    elf_close(&mod);
    elf_close(&dbg);
    for (size_t i = 0; rc < 0 && i < n; i++) {
        free(q[i].text);
        q[i].text = NULL;
    }
    return rc;
}

#endif /* MEMSNAP_HAVE_DWARF */
