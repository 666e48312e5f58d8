/*
 * rules_meta: meta rule expressions, compiled to postfix code once and
 * evaluated per message. Operands are rule names (their hit count: 0 when
 * they did not fire), names that are not rules (symbols other checks gave,
 * looked up per message: BAYES_99, RCVD_IN_..., or 0) and numbers.
 * Operators, from tighter to looser, as in Perl: ! and unary -, * /, + -,
 * < > <= >=, == !=, &&, ||; parentheses. && and || give Perl's values
 * (a && b is a when a is false, else b).
 *
 * Untrusted input: one expression of a rule file, at most
 * RULES_META_TOKENS tokens; the shunting-yard stack is bounded by that.
 */
#include "rules/rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

enum mop {
    M_RULE, M_SYM, M_NUM, M_NOT, M_NEG, M_MUL, M_DIV, M_ADD, M_SUB, M_LT, M_GT,
    M_LE, M_GE, M_EQ, M_NE, M_AND, M_OR, M_LPAREN,
};

struct minsn {
    enum mop op;
    size_t rule; /* M_RULE */
    char *name;  /* M_SYM, and M_RULE before binding */
    double num;  /* M_NUM */
};

struct meta_prog {
    struct minsn *code;
    size_t n;
    size_t *deps;
    size_t ndeps;
};

static int
prec(enum mop op)
{
    switch (op) {
    case M_NOT: case M_NEG: return 10;
    case M_MUL: case M_DIV: return 9;
    case M_ADD: case M_SUB: return 8;
    case M_LT: case M_GT: case M_LE: case M_GE: return 7;
    case M_EQ: case M_NE: return 6;
    case M_AND: return 5;
    case M_OR: return 4;
    default: return 0;
    }
}

static const struct {
    const char *text;
    enum mop op;
} optab[] = {
    {"&&", M_AND}, {"||", M_OR}, {"<=", M_LE}, {">=", M_GE}, {"==", M_EQ},
    {"!=", M_NE},  {"<", M_LT},  {">", M_GT},  {"+", M_ADD}, {"-", M_SUB},
    {"*", M_MUL},  {"/", M_DIV}, {"!", M_NOT},
};

struct mbuild {
    struct meta_prog *p;
    enum mop stack[RULES_META_TOKENS];
    size_t sp;
    bool expect_operand;
};

static void
emit(struct meta_prog *p, struct minsn in)
{
    p->code = xreallocarray(p->code, p->n + 1, sizeof(*p->code));
    p->code[p->n++] = in;
}

/* Push an operator, popping tighter ones (unary operators are right
 * associative: nothing is popped for them). */
static void
push_op(struct mbuild *b, enum mop op)
{
    bool unary = op == M_NOT || op == M_NEG;
    while (!unary && b->sp && b->stack[b->sp - 1] != M_LPAREN &&
           prec(b->stack[b->sp - 1]) >= prec(op))
        emit(b->p, (struct minsn){.op = b->stack[--b->sp]});
    b->stack[b->sp++] = op;
}

static const char *
operand(struct mbuild *b, struct slice e, size_t *i)
{
    size_t start = *i;
    char c = e.ptr[*i];
    if ((c >= '0' && c <= '9') || c == '.') {
        while (*i < e.len && ((e.ptr[*i] >= '0' && e.ptr[*i] <= '9') || e.ptr[*i] == '.'))
            (*i)++;
        char *s = xmemdup0(e.ptr + start, *i - start);
        emit(b->p, (struct minsn){.op = M_NUM, .num = strtod(s, NULL)});
        free(s);
    } else {
        while (*i < e.len && (((e.ptr[*i] | 0x20) >= 'a' && (e.ptr[*i] | 0x20) <= 'z') ||
                              (e.ptr[*i] >= '0' && e.ptr[*i] <= '9') || e.ptr[*i] == '_'))
            (*i)++;
        if (*i == start)
            return "unexpected character";
        if (*i < e.len && e.ptr[*i] == '(')
            return "functions (rules_matching...) are not supported";
        emit(b->p, (struct minsn){.op = M_RULE, .name = xmemdup0(e.ptr + start, *i - start)});
    }
    b->expect_operand = false;
    return NULL;
}

static const char *
token(struct mbuild *b, struct slice e, size_t *i)
{
    char c = e.ptr[*i];
    if (c == '(' || c == ')') {
        (*i)++;
        if (c == '(') {
            if (!b->expect_operand)
                return "( after an operand";
            b->stack[b->sp++] = M_LPAREN;
            return NULL;
        }
        while (b->sp && b->stack[b->sp - 1] != M_LPAREN)
            emit(b->p, (struct minsn){.op = b->stack[--b->sp]});
        if (b->sp == 0 || b->expect_operand)
            return "unbalanced )";
        b->sp--;
        return NULL;
    }
    for (size_t k = 0; k < sizeof(optab) / sizeof(optab[0]); k++) {
        size_t n = strlen(optab[k].text);
        if (*i + n > e.len || memcmp(e.ptr + *i, optab[k].text, n) != 0)
            continue;
        enum mop op = optab[k].op;
        if (b->expect_operand && op == M_SUB)
            op = M_NEG;
        if (b->expect_operand != (op == M_NOT || op == M_NEG))
            return "operator in the wrong place";
        *i += n;
        push_op(b, op);
        b->expect_operand = true;
        return NULL;
    }
    if (!b->expect_operand)
        return "operator expected between operands";
    return operand(b, e, i);
}

struct meta_prog *
meta_compile(struct slice e, const char **why)
{
    struct mbuild *b = xcalloc(1, sizeof(*b));
    b->p = xcalloc(1, sizeof(*b->p));
    b->expect_operand = true;
    *why = NULL;
    size_t ntok = 0;
    for (size_t i = 0; i < e.len && *why == NULL;) {
        if (e.ptr[i] == ' ' || e.ptr[i] == '\t') {
            i++;
            continue;
        }
        if (++ntok > RULES_META_TOKENS - 1)
            *why = "expression too long";
        else
            *why = token(b, e, &i);
    }
    while (*why == NULL && b->sp) {
        if (b->stack[b->sp - 1] == M_LPAREN)
            *why = "unbalanced (";
        else
            emit(b->p, (struct minsn){.op = b->stack[--b->sp]});
    }
    if (*why == NULL && (b->expect_operand || b->p->n == 0))
        *why = "incomplete expression";
    struct meta_prog *p = b->p;
    free(b);
    if (*why)
        meta_free(&p);
    return p;
}

void
meta_free(struct meta_prog **pp)
{
    struct meta_prog *p = *pp;
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->code[i].name);
    free(p->code);
    free(p->deps);
    free(p);
    *pp = NULL;
}

void
meta_bind(struct meta_prog *p, const struct rules *rs)
{
    for (size_t i = 0; i < p->n; i++) {
        struct minsn *in = &p->code[i];
        if (in->op != M_RULE)
            continue;
        const struct rule *r = rules_find(rs, in->name, strlen(in->name));
        if (r == NULL || !r->defined) {
            in->op = M_SYM;
            continue;
        }
        in->rule = (size_t)(r - rs->rules);
        p->deps = xreallocarray(p->deps, p->ndeps + 1, sizeof(*p->deps));
        p->deps[p->ndeps++] = in->rule;
    }
}

const char *
meta_skipped_dep(const struct meta_prog *p, const struct rules *rs)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct minsn *in = &p->code[i];
        const struct rule *r = NULL;
        if (in->op == M_SYM)
            r = rules_find(rs, in->name, strlen(in->name));
        else if (in->op == M_RULE)
            r = &rs->rules[in->rule];
        if (r && !r->defined && r->skipped_def && !rules_external_name(r->name))
            return r->name;
        if (r && r->defined && r->partial)
            return r->name;
    }
    return NULL;
}

size_t
meta_deps(const struct meta_prog *p, size_t **deps_r)
{
    *deps_r = p->deps;
    return p->ndeps;
}

static double
apply(enum mop op, double a, double b)
{
    switch (op) {
    case M_MUL: return a * b;
    case M_DIV: return b != 0 ? a / b : 0;
    case M_ADD: return a + b;
    case M_SUB: return a - b;
    case M_LT: return a < b;
    case M_GT: return a > b;
    case M_LE: return a <= b;
    case M_GE: return a >= b;
    case M_EQ: return a == b;
    case M_NE: return a != b;
    case M_AND: return a != 0 ? b : a;
    default: return a != 0 ? a : b; /* M_OR */
    }
}

double
meta_eval(const struct meta_prog *p, const double *hits, const struct rules_message *m)
{
    double stack[RULES_META_TOKENS];
    size_t sp = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct minsn *in = &p->code[i];
        switch (in->op) {
        case M_RULE: stack[sp++] = hits[in->rule]; break;
        case M_SYM: stack[sp++] = m->symbol ? m->symbol(m->symbol_ctx, in->name) : 0; break;
        case M_NUM: stack[sp++] = in->num; break;
        case M_NOT: stack[sp - 1] = stack[sp - 1] == 0; break;
        case M_NEG: stack[sp - 1] = -stack[sp - 1]; break;
        default:
            sp--;
            stack[sp - 1] = apply(in->op, stack[sp - 1], stack[sp]);
        }
    }
    return sp ? stack[sp - 1] : 0;
}
