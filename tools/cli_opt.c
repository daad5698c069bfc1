/*
 * cli_opt.c: option tables -> argument parsing and help (see cli_opt.h).
 *
 * The parser is getopt_long with its option array and short-option string
 * built from the table, so abbreviations, "--opt=value", "-n5", "--" and
 * options after the operands work as they do in every GNU tool, and
 * getopt's own messages name unknown options.  Everything else a user can
 * get wrong on a command line is reported here, in one format.
 */
#define _GNU_SOURCE
#include "cli_opt.h"
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#define HELP_WIDTH 80
/* Options whose label ("-o, --output FILE") is longer than this start
 * their help text two spaces after the label instead of in the column
 * every other option's help text starts in. */
#define LABEL_MAX 20
/* getopt_long's value for option i of the table; below it are letters. */
#define LONG_BASE 256

/* A short string being put together (a label, a list of choices): bounded,
 * always terminated. */
typedef struct sbuf {
    char buf[512];
    size_t len;
} sbuf;

static void add(sbuf *t, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof t->buf - 1 - t->len)
        n = sizeof t->buf - 1 - t->len;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

static void add_usage_name(sbuf *t, const cli_opt *o);

static size_t table_len(const cli_cmd *cmd)
{
    size_t n = 0;
    while (cmd->opts[n].name)
        n++;
    return n;
}

static size_t form_count(const cli_cmd *cmd)
{
    size_t n = 0;
    while (n < CLI_MAX_FORMS && cmd->forms[n].operands)
        n++;
    return n;
}

static bool takes_arg(const cli_opt *o)
{
    return o->type != CLI_V_BOOL && o->type != CLI_V_HELP;
}

/* How messages name an option: its letter when it has one ("-n"), else
 * its long name ("--depth"). */
static const char *opt_display(const cli_opt *o, char buf[64])
{
    if (o->letter)
        snprintf(buf, 64, "-%c", o->letter);
    else
        snprintf(buf, 64, "--%s", o->name);
    return buf;
}

/* How a message names an option given twice: both spellings when it has
 * a letter ("-n/--top"), else its long name ("--class"). */
static const char *opt_both(const cli_opt *o, char buf[64])
{
    if (o->letter)
        snprintf(buf, 64, "-%c/--%s", o->letter, o->name);
    else
        snprintf(buf, 64, "--%s", o->name);
    return buf;
}

/* Whether option i of the table was given. */
static bool given(const cli_common *common, size_t i)
{
    return (common->given >> i) & 1;
}

static void *field(const cli_opt *o, cli_common *common, void *args)
{
    char *base = o->common ? (char *)common : args;
    return base ? base + o->at : NULL; /* commands without options of their own pass NULL */
}

/* The size of the field each kind of value is stored in; 0: none. */
static size_t value_size(cli_value t)
{
    switch (t) {
    case CLI_V_BOOL: return sizeof(bool);
    case CLI_V_U64: return sizeof(uint64_t);
    case CLI_V_SIZE: return sizeof(cli_size_arg);
    case CLI_V_CHOICE: return sizeof(int);
    case CLI_V_STRING: return sizeof(const char *);
    default: return 0;
    }
}

/* A table mistake is the programmer's: say which entry, so the test that
 * runs every command's -h finds it. */
static bool table_ok(const cli_cmd *cmd, const void *args)
{
    size_t n = table_len(cmd), forms = form_count(cmd);
    const char *why = NULL;
    size_t i;
    if (forms == 0) {
        fprintf(stderr, "memsnap: %s: option table: no usage form\n", cmd->name);
        return false;
    }
    if (n > CLI_MAX_OPTS) {
        fprintf(stderr, "memsnap: %s: option table: more than %d options\n", cmd->name,
                CLI_MAX_OPTS);
        return false;
    }
    for (i = 0; i < n && !why; i++) {
        const cli_opt *o = &cmd->opts[i];
        size_t want = value_size(o->type);
        if (want && o->size != want)
            why = "field size does not match the kind of value";
        else if (want && !o->common && !args)
            why = "the command passed no argument struct";
        else if (o->type == CLI_V_CHOICE && (!o->choices || !o->choices[0].name))
            why = "a choice option without choices";
        else if (o->type == CLI_V_CALL && !o->call)
            why = "a call option without a function";
        else if (o->type == CLI_V_U64 && (o->min > o->max || o->def < o->min || o->def > o->max))
            why = "default or range out of order";
        else if (o->form > forms || (o->lead && !o->form))
            why = "no such usage form";
        else if (!o->help || !*o->help)
            why = "no help text";
        for (size_t j = 0; j < i && !why; j++)
            if (strcmp(cmd->opts[j].name, o->name) == 0 ||
                (o->letter && cmd->opts[j].letter == o->letter))
                why = "declared twice";
        if (!why && o->type == CLI_V_SIZE && o->def_text) {
            cli_size_arg s;
            if (!cli_parse_size(o->def_text, &s.bytes, &s.percent))
                why = "default is not a size";
        }
    }
    if (why) {
        fprintf(stderr, "memsnap: %s: option table: --%s: %s\n", cmd->name, cmd->opts[i - 1].name,
                why);
        return false;
    }
    return true;
}

static void set_default(const cli_opt *o, cli_common *common, void *args)
{
    void *p = field(o, common, args);
    switch (o->type) {
    case CLI_V_BOOL: *(bool *)p = o->def != 0; break;
    case CLI_V_U64: *(uint64_t *)p = o->def; break;
    case CLI_V_SIZE: {
        cli_size_arg s = {0, -1};
        if (o->def_text)
            cli_parse_size(o->def_text, &s.bytes, &s.percent); /* checked by table_ok */
        *(cli_size_arg *)p = s;
        break;
    }
    case CLI_V_CHOICE: *(int *)p = (int)o->def; break;
    case CLI_V_STRING: *(const char **)p = o->def_text; break;
    default: break;
    }
}

/* "a non-negative integer", "an integer 0..1000": what a U64 option takes. */
static const char *u64_need(const cli_opt *o, char buf[64])
{
    if (o->max == UINT64_MAX && o->min == 0)
        return "a non-negative integer";
    if (o->max == UINT64_MAX && o->min == 1)
        return "a positive integer";
    if (o->max == UINT64_MAX)
        snprintf(buf, 64, "an integer of at least %" PRIu64, o->min);
    else
        snprintf(buf, 64, "an integer %" PRIu64 "..%" PRIu64, o->min, o->max);
    return buf;
}

/* "class or site", "retained, shallow or count" */
static sbuf choice_list(const cli_choice *c)
{
    sbuf t = {"", 0};
    size_t n = 0;
    while (c[n].name)
        n++;
    for (size_t i = 0; i < n; i++) {
        add(&t, i == 0 ? "" : i + 1 == n ? " or " : ", ");
        add(&t, c[i].name);
    }
    return t;
}

/* Stores one option's value; CLI_RUN or the exit code after a message. */
static int set_value(const cli_cmd *cmd, const cli_opt *o, const char *v, cli_common *common,
                     void *args)
{
    char name[64], need[64];
    void *p = o->type == CLI_V_CALL || o->type == CLI_V_HELP ? NULL : field(o, common, args);
    switch (o->type) {
    case CLI_V_BOOL:
        *(bool *)p = true;
        return CLI_RUN;
    case CLI_V_U64: {
        uint64_t x;
        if (!cli_parse_u64(v, &x) || x < o->min || x > o->max)
            return cli_usage_error("%s: %s needs %s, not '%s'", cmd->name, opt_display(o, name),
                                   u64_need(o, need), v);
        *(uint64_t *)p = x;
        return CLI_RUN;
    }
    case CLI_V_SIZE: {
        cli_size_arg s;
        if (!cli_parse_size(v, &s.bytes, &s.percent) || (s.percent >= 0 && !o->percent))
            return cli_usage_error("%s: %s needs a size like 4096, 64K%s, not '%s'", cmd->name,
                                   opt_display(o, name), o->percent ? ", 2M or 1%" : " or 2M", v);
        *(cli_size_arg *)p = s;
        return CLI_RUN;
    }
    case CLI_V_CHOICE:
        for (const cli_choice *c = o->choices; c->name; c++)
            if (strcmp(v, c->name) == 0) {
                *(int *)p = c->value;
                return CLI_RUN;
            }
        return cli_usage_error("%s: %s takes %s, not '%s'", cmd->name, opt_display(o, name),
                               choice_list(o->choices).buf, v);
    case CLI_V_STRING:
        *(const char **)p = v;
        return CLI_RUN;
    case CLI_V_CALL: {
        int rc = o->call(cmd->name, v, args);
        return rc == CLI_OK ? CLI_RUN : rc;
    }
    case CLI_V_HELP:
        cli_print_help(cmd, stdout);
        return CLI_OK;
    }
    return CLI_RUN;
}

/* The line before the help when the operands do not fit the form: the
 * operands missing ("missing BEFORE and AFTER"), with the other form's
 * option when the count fits that one ("missing ID (or --class NAME)"),
 * or the first operand too many. */
static void operand_error(const cli_cmd *cmd, const cli_form *form, const cli_common *common)
{
    const char *ops = form->operands;
    sbuf t = {"", 0};
    int k = 0, missing = 0;

    if (form->max >= 0 && common->noperands > form->max) {
        cli_usage_error("%s: unexpected operand '%s'", cmd->name,
                        common->operands[form->max]);
        return;
    }
    /* The operand names, "..." dropped, from the first one not given. */
    while (*ops) {
        size_t len = strcspn(ops, " ");
        if (k >= common->noperands && k < form->min) {
            char word[64];
            size_t w = len < sizeof word ? len : sizeof word - 1;
            memcpy(word, ops, w);
            word[w] = 0;
            if (w >= 3 && strcmp(word + w - 3, "...") == 0)
                word[w - 3] = 0;
            if (missing++)
                add(&t, k + 1 == form->min ? " and " : ", ");
            add(&t, word);
        }
        k++;
        ops += len;
        ops += strspn(ops, " ");
    }
    for (size_t f = 0; f < form_count(cmd); f++) {
        const cli_form *other = &cmd->forms[f];
        if (other == form || common->noperands < other->min ||
            (other->max >= 0 && common->noperands > other->max))
            continue;
        for (size_t i = 0; cmd->opts[i].name; i++)
            if (cmd->opts[i].lead && cmd->opts[i].form == f + 1) {
                add(&t, " (or ");
                add_usage_name(&t, &cmd->opts[i]);
                add(&t, ")");
            }
    }
    cli_usage_error("%s: missing %s", cmd->name, t.buf);
}

int cli_parse_args(const cli_cmd *cmd, int argc, char **argv, cli_common *common, void *args)
{
    struct option longs[CLI_MAX_OPTS + 1];
    char shorts[2 * CLI_MAX_OPTS + 1];
    const char *first[CLI_MAX_OPTS]; /* the value each option was first given */
    size_t n, s = 0, forms;
    const cli_form *form;
    int c, rc;

    memset(common, 0, sizeof *common);
    if (!table_ok(cmd, args))
        return CLI_FAILED;
    n = table_len(cmd);
    forms = form_count(cmd);
    for (size_t i = 0; i < n; i++) {
        const cli_opt *o = &cmd->opts[i];
        longs[i] = (struct option){o->name, takes_arg(o) ? required_argument : no_argument, NULL,
                                   LONG_BASE + (int)i};
        if (o->letter) {
            shorts[s++] = o->letter;
            if (takes_arg(o))
                shorts[s++] = ':';
        }
        set_default(o, common, args);
    }
    longs[n] = (struct option){NULL, 0, NULL, 0};
    shorts[s] = 0;

    optind = 0; /* glibc: start over, whatever an earlier parse left */
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        size_t i = n;
        if (c >= LONG_BASE)
            i = (size_t)(c - LONG_BASE);
        else
            for (i = 0; i < n && cmd->opts[i].letter != c; i++)
                ;
        if (i >= n) { /* '?': getopt said what was wrong */
            cli_print_help(cmd, stderr);
            return CLI_USAGE;
        }
        /* An option that takes one value, given twice, would silently keep
         * the last: refuse it, whatever its kind (flags may repeat, and
         * so may options declared .repeat, like --fail-on). */
        if (given(common, i) && takes_arg(&cmd->opts[i]) && !cmd->opts[i].repeat) {
            char both[64];
            return cli_usage_error("%s: %s given twice ('%s', then '%s'): give it once",
                                   cmd->name, opt_both(&cmd->opts[i], both), first[i], optarg);
        }
        common->given |= UINT32_C(1) << i;
        first[i] = optarg;
        if ((rc = set_value(cmd, &cmd->opts[i], optarg, common, args)) != CLI_RUN)
            return rc;
    }
    common->operands = argv + optind;
    common->noperands = argc - optind;

    /* The operands of the form a given option selects, else the first's. */
    form = &cmd->forms[0];
    for (size_t i = 0; i < n; i++)
        if (cmd->opts[i].lead && given(common, i) && cmd->opts[i].form <= forms)
            form = &cmd->forms[cmd->opts[i].form - 1];
    if (common->noperands < form->min || (form->max >= 0 && common->noperands > form->max)) {
        operand_error(cmd, form, common);
        cli_print_help(cmd, stderr);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            const cli_opt *a = &cmd->opts[i], *b = &cmd->opts[j];
            char an[64], bn[64];
            if (a->group && a->group == b->group && given(common, i) && given(common, j))
                return cli_usage_error("%s: %s or %s, not both", cmd->name, opt_display(a, an),
                                       opt_display(b, bn));
        }
    return CLI_RUN;
}

bool cli_opt_given(const cli_cmd *cmd, const cli_common *common, const char *name)
{
    for (size_t i = 0; cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return given(common, i);
    return false;
}

/* ---- help ------------------------------------------------------------------ */

/* Words written with wrapping: a word that does not fit before column
 * HELP_WIDTH starts a new line indented to `indent`; on the same line it
 * keeps the spaces before it (two after a sentence, as the texts write). */
typedef struct wrap {
    FILE *f;
    size_t col, indent;
    bool fresh; /* nothing written on this line yet after the indent */
} wrap;

static void wrap_word(wrap *w, const char *word, size_t len, size_t gap)
{
    if (!w->fresh && w->col + gap + len > HELP_WIDTH) {
        fprintf(w->f, "\n%*s", (int)w->indent, "");
        w->col = w->indent;
        w->fresh = true;
    }
    if (!w->fresh) {
        fprintf(w->f, "%*s", (int)gap, "");
        w->col += gap;
    }
    fwrite(word, 1, len, w->f);
    w->col += len;
    w->fresh = false;
}

static void wrap_text(wrap *w, const char *text)
{
    while (*text) {
        size_t gap = strspn(text, " "), len;
        text += gap;
        len = strcspn(text, " ");
        if (len)
            wrap_word(w, text, len, gap ? gap : 1);
        text += len;
    }
}

/* The argument as the help shows it: .arg, or the choices as "a|b". */
static void add_arg(sbuf *t, const cli_opt *o)
{
    if (o->arg) {
        add(t, " ");
        add(t, o->arg);
    } else if (o->type == CLI_V_CHOICE) {
        for (const cli_choice *c = o->choices; c->name; c++) {
            add(t, c == o->choices ? " " : "|");
            add(t, c->name);
        }
    }
}

/* An option in a usage line: "-n N", "--depth D", "--json". */
static void add_usage_name(sbuf *t, const cli_opt *o)
{
    char letter[3] = {'-', o->letter, 0};
    if (o->letter) {
        add(t, letter);
    } else {
        add(t, "--");
        add(t, o->name);
    }
    add_arg(t, o);
}

static bool in_form(const cli_opt *o, size_t form)
{
    return o->type != CLI_V_HELP && (o->form == 0 || o->form == form + 1);
}

/* "usage: memsnap why [--paths K] ... SNAPSHOT ID...": the options of the
 * form in table order (the one selecting the form first, unbracketed),
 * options of one group as "[--json | --markdown]", repeatable ones with
 * "...", then the operands. */
static void usage_line(const cli_cmd *cmd, size_t form, FILE *f)
{
    const cli_opt *opts = cmd->opts;
    int len = fprintf(f, "%smemsnap %s", form == 0 ? "usage: " : "       ", cmd->name);
    wrap w = {f, len > 0 ? (size_t)len : 0, len > 0 ? (size_t)len + 1 : 1, false};
    for (size_t i = 0; opts[i].name; i++)
        if (opts[i].lead && in_form(&opts[i], form)) {
            sbuf t = {"", 0};
            add_usage_name(&t, &opts[i]);
            wrap_word(&w, t.buf, t.len, 1);
        }
    for (size_t i = 0; opts[i].name; i++) {
        sbuf t = {"", 0};
        if (opts[i].lead || !in_form(&opts[i], form))
            continue;
        add(&t, "[");
        add_usage_name(&t, &opts[i]);
        while (opts[i].group && opts[i + 1].name && opts[i + 1].group == opts[i].group &&
               in_form(&opts[i + 1], form)) {
            add(&t, " | ");
            add_usage_name(&t, &opts[++i]);
        }
        add(&t, opts[i].repeat ? "]..." : "]");
        wrap_word(&w, t.buf, t.len, 1);
    }
    wrap_word(&w, cmd->forms[form].operands, strlen(cmd->forms[form].operands), 1);
    fputc('\n', f);
}

/* "-n, --top N", "--json", "--by class|site" */
static sbuf opt_label(const cli_opt *o)
{
    sbuf t = {"", 0};
    char letter[5] = {'-', o->letter, ',', ' ', 0};
    if (o->letter)
        add(&t, letter);
    add(&t, "--");
    add(&t, o->name);
    add_arg(&t, o);
    return t;
}

void cli_print_help(const cli_cmd *cmd, FILE *f)
{
    size_t forms = form_count(cmd), width = 0;

    for (size_t k = 0; k < forms; k++)
        usage_line(cmd, k, f);
    fprintf(f, "\n%s\n", cmd->description);
    for (size_t i = 0; cmd->opts[i].name; i++) {
        size_t l = opt_label(&cmd->opts[i]).len;
        if (l <= LABEL_MAX && l > width)
            width = l;
    }
    for (size_t i = 0; cmd->opts[i].name; i++) {
        sbuf label = opt_label(&cmd->opts[i]);
        /* The help text starts in the column after the widest label, or
         * two spaces after a label too wide for it. */
        size_t col = 2 + (label.len <= width ? width : label.len) + 2;
        wrap w = {f, col, 2 + width + 2, true};
        fprintf(f, "  %s%*s", label.buf, (int)(col - 2 - label.len), "");
        wrap_text(&w, cmd->opts[i].help);
        fputc('\n', f);
    }
    if (cmd->epilog)
        fprintf(f, "\n%s", cmd->epilog);
}
