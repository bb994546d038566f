// fixme-gate: every line containing FIXME in a file in scope is an error finding.
//
// The C twin of the Rust test gate `tests/plugins/hostile-gate` in its `fixme` mode: rule
// `test/fixme` at the file, line and (byte) column of the marker, the trimmed line as the
// message, "resolve the FIXME" as the fix. It reads the files with libc (`fopen`), which the
// WASI preview1 adapter serves from the project directory cchost preopens read-only.

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

static void *must(void *p) {
    if (!p) abort();  // out of memory: the host reports the trap as the gate failing
    return p;
}

// A new string for the canonical ABI, which the generated post-return code frees.
static gate_string_t owned(const char *p, size_t n) {
    gate_string_t s = {must(malloc(n ? n : 1)), n};
    memcpy(s.ptr, p, n);
    return s;
}

static gate_string_t owned_c(const char *text) { return owned(text, strlen(text)); }

// Whether `p[0..n]` is valid UTF-8, as Python's strict decoder requires.
static bool is_utf8(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!len || n - i < len) return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xc0) != 0x80) return false;
        // No overlong forms, no surrogates, nothing above U+10FFFF.
        if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) ||
            (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))
            return false;
        i += len;
    }
    return true;
}

static bool is_space_code(uint32_t c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 ||
           c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

// The length of the whitespace character (Python's `str.isspace`) that starts at `p`, or 0.
static size_t space_at(const unsigned char *p, size_t left) {
    if (p[0] < 0x80) return is_space_code(p[0]) ? 1 : 0;
    if (left >= 2 && p[0] == 0xc2) return is_space_code(p[1]) ? 2 : 0;
    if (left >= 3 && (p[0] & 0xf0) == 0xe0) {
        uint32_t c = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
        return is_space_code(c) ? 3 : 0;
    }
    return 0;
}

// The length of the whitespace character that ends `p[0..n]` (valid UTF-8), or 0.
static size_t space_before(const unsigned char *p, size_t n) {
    for (size_t len = 1; len <= 3 && len <= n; len++) {
        const unsigned char *c = p + n - len;
        if ((*c & 0xc0) != 0x80) return space_at(c, len) == len ? len : 0;
    }
    return 0;
}

static const char *find(const char *p, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0) return p + i;
    return NULL;
}

typedef struct {
    cchost_plugin_types_finding_t *ptr;
    size_t len, cap;
} findings;

static void add_finding(findings *all, const char *file, uint32_t line, uint32_t column,
                        const char *text, size_t n) {
    const unsigned char *u = (const unsigned char *)text;
    size_t s;
    while (n && (s = space_at(u, n))) u += s, n -= s;
    while (n && (s = space_before(u, n))) n -= s;
    if (all->len == all->cap) {
        all->cap = all->cap * 2 + 4;
        all->ptr = must(realloc(all->ptr, all->cap * sizeof *all->ptr));
    }
    all->ptr[all->len++] = (cchost_plugin_types_finding_t){
        .rule = owned_c("test/fixme"),
        .severity = CCHOST_PLUGIN_TYPES_SEVERITY_ERROR,
        .message = owned((const char *)u, n),
        .file = {true, owned_c(file)},
        .line = {true, line},
        .column = {true, column},
        .fix_hint = {true, owned_c("resolve the FIXME")},
    };
}

// Reads `root/file` whole, or returns why it cannot.
static char *read_file(const char *root, const char *file, size_t *size, const char **why) {
    size_t r = strlen(root);
    char *path = must(malloc(r + strlen(file) + 2));
    if (file[0] == '/')
        strcpy(path, file);
    else
        sprintf(path, "%s%s%s", root, r && root[r - 1] == '/' ? "" : "/", file);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f) {
        *why = strerror(errno);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    char *text = must(malloc(cap));
    while ((got = fread(text + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) text = must(realloc(text, cap *= 2));
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed || !is_utf8((const unsigned char *)text, n)) {
        *why = failed ? "read error" : "not valid UTF-8";
        free(text);
        return NULL;
    }
    *size = n;
    return text;
}

// Adds the FIXMEs of `file` to `all`; false (with `err` set) when it cannot be read.
static bool fixmes(const char *root, const char *file, findings *all, gate_string_t *err) {
    size_t n;
    const char *why = NULL;
    char *text = read_file(root, file, &n, &why);
    if (!text) {
        size_t size = strlen(file) + strlen(why) + 8;
        char *message = must(malloc(size));
        snprintf(message, size, "read %s: %s", file, why);
        *err = (gate_string_t){(uint8_t *)message, strlen(message)};
        return false;
    }
    uint32_t number = 1;
    for (const char *line = text, *end = text + n;; number++) {
        const char *newline = memchr(line, '\n', (size_t)(end - line));
        size_t length = newline ? (size_t)(newline - line) : (size_t)(end - line);
        const char *marker = find(line, length, "FIXME");
        if (marker) add_finding(all, file, number, (uint32_t)(marker - line) + 1, line, length);
        if (!newline) break;
        line = newline + 1;
    }
    free(text);
    return true;
}

// A C string copy of a WIT string (which is not NUL-terminated).
static char *c_string(const gate_string_t *s) {
    char *c = must(malloc(s->len + 1));
    memcpy(c, s->ptr, s->len);
    c[s->len] = 0;
    return c;
}

bool exports_gate_check(cchost_plugin_types_gate_input_t *input,
                        cchost_plugin_types_gate_report_t *ret, gate_string_t *err) {
    findings all = {0};
    char *root = c_string(&input->root);
    bool ok = true;
    for (size_t i = 0; ok && i < input->files.len; i++) {
        char *file = c_string(&input->files.ptr[i]);
        ok = fixmes(root, file, &all, err);
        free(file);
    }
    free(root);
    cchost_plugin_types_gate_input_free(input);
    if (!ok) {
        cchost_plugin_types_list_finding_t list = {all.ptr, all.len};
        cchost_plugin_types_list_finding_free(&list);
        return false;
    }
    ret->status = all.len ? CCHOST_PLUGIN_TYPES_GATE_STATUS_FAIL : CCHOST_PLUGIN_TYPES_GATE_STATUS_PASS;
    ret->findings = (cchost_plugin_types_list_finding_t){all.ptr, all.len};
    return true;
}
