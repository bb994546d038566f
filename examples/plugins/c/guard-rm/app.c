// guard-rm: the `rm-recursive` rule of the Rust `guard-commands` hook, in C.
//
// A PreToolUse hook for Bash: denies `rm -r` of the filesystem root, a top-level system
// directory, a home directory, or the project (the event's `cwd`) and its parents, with the same
// reason text as guard-commands. It splits the command on `;`, `&&`, `||`, `|`, `&` and newlines
// and into words with their quotes; wrappers (`sudo`, `sh -c`, ...) are not looked through.
//
// It follows the Python twin (`../../python/guard-rm/app.py`) step by step, on UTF-8 bytes:
// no byte of a multi-byte character is a quote, separator or `/`, so only the whitespace test
// and the 100-character cut of the shown command need to see whole characters.

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"

// A run of bytes inside a longer-lived buffer.
typedef struct {
    const char *p;
    size_t n;
} str;

// A growable byte buffer.
typedef struct {
    char *p;
    size_t n, cap;
} buf;

static void *must(void *p) {
    if (!p) abort();  // out of memory: the host reports the trap as the hook failing
    return p;
}

static void put(buf *b, const char *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 16;
        b->p = must(realloc(b->p, b->cap));
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }
static void put_str(buf *b, str s) { put(b, s.p, s.n); }
static str view(const buf *b) { return (str){b->p, b->n}; }

static bool eq(str s, const char *lit) { return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0; }

static bool starts(str s, const char *lit) {
    size_t n = strlen(lit);
    return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static bool contains(str s, char c) { return s.n && memchr(s.p, c, s.n) != NULL; }

// The length of the whitespace character at `s[i]` that Python's `\s` matches, or 0.
static size_t space_at(str s, size_t i) {
    const unsigned char *u = (const unsigned char *)s.p + i;
    size_t left = s.n - i;
    if (*u == ' ' || (*u >= '\t' && *u <= '\r') || (*u >= 0x1c && *u <= 0x1f)) return 1;
    if (left >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0)) return 2;
    if (left < 3) return 0;
    uint32_t c = ((u[0] & 0x0fu) << 12) | ((u[1] & 0x3fu) << 6) | (u[2] & 0x3fu);
    if ((u[0] & 0xf0) != 0xe0) return 0;
    bool space = c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
                 c == 0x202f || c == 0x205f || c == 0x3000;
    return space ? 3 : 0;
}

static bool is_separator(char c) { return c == ';' || c == '&' || c == '|' || c == '\n'; }

// The length of the quoted part `'…'` or `"…"` at `s[i]`, or 0 when it is not closed.
static size_t quoted_at(str s, size_t i) {
    char q = s.p[i];
    if (q != '\'' && q != '"') return 0;
    const char *end = memchr(s.p + i + 1, q, s.n - i - 1);
    return end ? (size_t)(end - (s.p + i)) + 1 : 0;
}

// The word or run of separators at `s[i]` (Python: `TOKEN`), or an empty token when the byte
// belongs to neither (whitespace or an unclosed quote), which the caller skips.
static str token_at(str s, size_t i) {
    size_t j = i;
    while (j < s.n) {
        size_t q = quoted_at(s, j);
        if (q) {
            j += q;
        } else if (s.p[j] != '\'' && s.p[j] != '"' && !is_separator(s.p[j]) && !space_at(s, j)) {
            j++;
        } else {
            break;
        }
    }
    if (j == i)
        while (j < s.n && is_separator(s.p[j])) j++;
    return (str){s.p + i, j - i};
}

// `word` without its quotes.
static str unquote(str word, buf *out) {
    *out = (buf){0};
    for (size_t i = 0; i < word.n;) {
        size_t q = quoted_at(word, i);
        if (q) {
            put(out, word.p + i + 1, q - 2);
            i += q;
        } else {
            put(out, word.p + i, 1);
            i++;
        }
    }
    return view(out);
}

// A location: a base and the path components below it (Python: `(base, parts)`).
enum base { FS, HOME, ABOVE_HOME };

typedef struct {
    enum base base;
    str *parts;
    size_t n, cap;
} loc;

static void push_part(loc *l, str part) {
    if (l->n == l->cap) {
        l->cap = l->cap * 2 + 8;
        l->parts = must(realloc(l->parts, l->cap * sizeof(str)));
    }
    l->parts[l->n++] = part;
}

static bool parts_eq(const str *a, const str *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i].n != b[i].n || memcmp(a[i].p, b[i].p, a[i].n) != 0) return false;
    return true;
}

// Appends `path` to `l`, resolving `.` and `..` lexically.
static void join(loc *l, str path) {
    size_t start = 0;
    for (size_t i = 0; i <= path.n; i++) {
        if (i < path.n && path.p[i] != '/') continue;
        str part = {path.p + start, i - start};
        if (eq(part, "..")) {
            if (l->n)
                l->n--;
            else if (l->base == HOME)
                l->base = ABOVE_HOME;
        } else if (part.n && !eq(part, ".")) {
            push_part(l, part);
        }
        start = i + 1;
    }
}

// Where `path` points, or false when it is unknown.
static bool resolve(str path, const loc *root, loc *out) {
    *out = (loc){0};
    if (starts(path, "/")) {
        out->base = FS;
        join(out, path);
        return true;
    }
    if (starts(path, "~")) {
        out->base = HOME;
        const char *slash = memchr(path.p, '/', path.n);
        if (slash) join(out, (str){slash, path.n - (size_t)(slash - path.p)});
        return true;
    }
    static const char *const home_forms[] = {"$HOME", "${HOME}"};
    for (size_t f = 0; f < 2; f++) {
        size_t k = strlen(home_forms[f]);
        if (starts(path, home_forms[f]) && (path.n == k || path.p[k] == '/')) {
            out->base = HOME;
            join(out, (str){path.p + k, path.n - k});
            return true;
        }
    }
    if (!root) return false;
    out->base = root->base;
    for (size_t i = 0; i < root->n; i++) push_part(out, root->parts[i]);
    join(out, path);
    return true;
}

static const char *const SYSTEM_DIRS[] = {
    "bin",  "boot", "dev",  "etc",  "home", "lib",  "lib32", "lib64", "libx32",
    "media", "mnt", "nix",  "opt",  "proc", "root", "run",   "sbin",  "snap",
    "srv",  "sys",  "usr",  "var",  "Users", "System",
};

// Why deleting `l` wholesale is dangerous, or NULL.
static const char *danger(const loc *l, const loc *root) {
    if (!l->n && l->base == FS) return "the filesystem root";
    if (!l->n && l->base == HOME) return "the home directory";
    if (!l->n && l->base == ABOVE_HOME) return "a parent of the home directory";
    if (root && l->base == root->base && l->n == root->n && parts_eq(l->parts, root->parts, l->n))
        return "the project root";
    if (root && l->base == root->base && l->n <= root->n && parts_eq(l->parts, root->parts, l->n))
        return "a parent of the project root";
    if (l->base == FS && ((l->n == 1 && eq(l->parts[0], "root")) ||
                          (l->n == 2 && (eq(l->parts[0], "home") || eq(l->parts[0], "Users")))))
        return "a home directory";
    if (l->base == FS && l->n == 1)
        for (size_t i = 0; i < sizeof SYSTEM_DIRS / sizeof *SYSTEM_DIRS; i++)
            if (eq(l->parts[0], SYSTEM_DIRS[i])) return "a system directory";
    return NULL;
}

// `/*` -> `/`, `~/*` -> `~`, `*` -> `.`; false when the last component is not `*`.
static bool strip_star(str path, str *base) {
    while (path.n && path.p[path.n - 1] == '/') path.n--;
    size_t slash = path.n;
    while (slash && path.p[slash - 1] != '/') slash--;
    str last = {path.p + slash, path.n - slash};
    if (!eq(last, "*")) return false;
    if (slash > 1)
        *base = (str){path.p, slash - 1};
    else
        *base = (str){slash ? "/" : ".", 1};
    return true;
}

// The command as the reason shows it: its words joined by spaces, newlines made spaces, cut
// after 100 characters.
static void shown(const str *words, size_t count, buf *out) {
    buf all = {0};
    for (size_t i = 0; i < count; i++) {
        if (i) put(&all, " ", 1);
        put_str(&all, words[i]);
    }
    size_t chars = 0, cut = all.n;
    for (size_t i = 0; i < all.n; i++) {
        if (all.p[i] == '\n') all.p[i] = ' ';
        if (((unsigned char)all.p[i] & 0xc0) != 0x80 && chars++ == 100) cut = i;
    }
    put(out, all.p, cut);
    if (cut < all.n) puts_(out, "…");
    free(all.p);
}

// Appends the findings of one simple command to `reason`.
static void rm_findings(const str *words, size_t count, const loc *root, buf *reason) {
    bool recursive = false, options_done = false;
    str *targets = must(calloc(count, sizeof(str)));
    str *texts = must(calloc(count, sizeof(str)));
    buf *unquoted = must(calloc(count, sizeof(buf)));
    size_t found = 0;
    for (size_t i = 1; i < count; i++) {
        str text = unquote(words[i], &unquoted[i]);
        if (!options_done && eq(text, "--")) {
            options_done = true;
        } else if (!options_done && starts(text, "--")) {
            recursive |= eq(text, "--recursive");
        } else if (!options_done && starts(text, "-") && text.n > 1) {
            recursive |= contains(text, 'r') || contains(text, 'R');
        } else {
            targets[found] = words[i];
            texts[found++] = text;
        }
    }
    buf command = {0};
    if (recursive) shown(words, count, &command);
    for (size_t i = 0; recursive && i < found; i++) {
        str base;
        bool star = strip_star(texts[i], &base);
        loc l;
        const char *why = NULL;
        if (resolve(star ? base : texts[i], root, &l)) why = danger(&l, root);
        free(l.parts);
        if (!why) continue;
        if (reason->n) puts_(reason, "; ");
        puts_(reason, "[rm-recursive] `");
        put_str(reason, view(&command));
        puts_(reason, "` would recursively delete ");
        if (star) {
            puts_(reason, "everything in `");
            put_str(reason, base);
        } else {
            puts_(reason, "`");
            put_str(reason, targets[i]);
        }
        puts_(reason, "` (");
        puts_(reason, why);
        puts_(reason, ")");
    }
    for (size_t i = 1; i < count; i++) free(unquoted[i].p);
    free(command.p);
    free(unquoted);
    free(texts);
    free(targets);
}

static bool is_rm(str word) {
    buf text;
    str name = unquote(word, &text);
    size_t start = name.n;
    while (start && name.p[start - 1] != '/') start--;
    name = (str){name.p + start, name.n - start};
    bool rm = eq(name, "rm");
    free(text.p);
    return rm;
}

// Appends every finding in `line` to `reason`, `cwd` being the project.
static void check(str line, str cwd, buf *reason) {
    loc root = {.base = FS};
    bool has_root = starts(cwd, "/");
    if (has_root) join(&root, cwd);
    str *words = must(calloc(line.n + 1, sizeof(str)));
    size_t count = 0;
    for (size_t i = 0; i <= line.n;) {
        str token = i < line.n ? token_at(line, i) : (str){line.p + i, 0};
        bool end = i == line.n;
        if (!end && !token.n) {
            // Whitespace, or a quote that is never closed.
            size_t space = space_at(line, i);
            i += space ? space : 1;
            continue;
        }
        if (end || is_separator(token.p[0])) {
            if (count && is_rm(words[0])) rm_findings(words, count, has_root ? &root : NULL, reason);
            count = 0;
            if (end) break;
        } else {
            words[count++] = token;
        }
        i += token.n;
    }
    free(words);
    free(root.parts);
}

// --- JSON: just enough to take `command` out of the tool input object ---

typedef struct {
    const char *p, *end;
    int depth;
} json;

static void json_ws(json *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool json_hex4(json *j, uint32_t *out) {
    if (j->end - j->p < 4) return false;
    *out = 0;
    for (int i = 0; i < 4; i++) {
        char c = *j->p++;
        uint32_t d = c >= '0' && c <= '9'   ? (uint32_t)(c - '0')
                     : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10)
                                            : 16;
        if (d == 16) return false;
        *out = *out << 4 | d;
    }
    return true;
}

static void put_utf8(buf *b, uint32_t c) {
    char u[4];
    size_t n;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;  // a lone surrogate has no UTF-8 form
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xc0 | c >> 6);
        u[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xe0 | c >> 12);
        u[1] = (char)(0x80 | (c >> 6 & 0x3f));
        u[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | c >> 18);
        u[1] = (char)(0x80 | (c >> 12 & 0x3f));
        u[2] = (char)(0x80 | (c >> 6 & 0x3f));
        u[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    put(b, u, n);
}

// Reads a string at `j->p` (its opening quote), decoded into `out` unless that is NULL.
static bool json_string(json *j, buf *out) {
    if (j->p == j->end || *j->p++ != '"') return false;
    buf ignored = {0};
    if (!out) out = &ignored;
    bool ok = false;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p++;
        if (c == '"') {
            ok = true;
            break;
        }
        if (c < 0x20) break;
        if (c != '\\') {
            put(out, (const char *)&c, 1);
            continue;
        }
        if (j->p == j->end) break;
        char e = *j->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            put(out, &"\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"], 1);
            continue;
        }
        uint32_t code, low;
        if (e != 'u' || !json_hex4(j, &code)) break;
        if (code >= 0xd800 && code < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
            j->p[1] == 'u') {
            json rest = {j->p + 2, j->end, 0};
            if (json_hex4(&rest, &low) && low >= 0xdc00 && low <= 0xdfff) {
                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                j->p = rest.p;
            }
        }
        put_utf8(out, code);
    }
    free(ignored.p);
    return ok;
}

static bool json_value(json *j);

static bool json_container(json *j, char close, bool object) {
    if (++j->depth > 64) return false;
    j->p++;
    json_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return true;
    }
    for (;;) {
        json_ws(j);
        if (object) {
            if (!json_string(j, NULL)) return false;
            json_ws(j);
            if (j->p == j->end || *j->p++ != ':') return false;
        }
        if (!json_value(j)) return false;
        json_ws(j);
        if (j->p == j->end) return false;
        char c = *j->p++;
        if (c == close) break;
        if (c != ',') return false;
    }
    j->depth--;
    return true;
}

// Skips one value; numbers and literals are only checked for their characters.
static bool json_value(json *j) {
    json_ws(j);
    if (j->p == j->end) return false;
    if (*j->p == '"') return json_string(j, NULL);
    if (*j->p == '{') return json_container(j, '}', true);
    if (*j->p == '[') return json_container(j, ']', false);
    const char *start = j->p;
    while (j->p < j->end && strchr("+-.0123456789eEtruefalsn", *j->p) && *j->p) j->p++;
    return j->p > start;
}

// The `command` string of the tool input object: 1 when found, 0 when absent or not a string,
// -1 when the input is not a JSON object.
static int bash_command(str input, buf *command) {
    json j = {input.p, input.p + input.n, 0};
    json_ws(&j);
    if (j.p == j.end || *j.p != '{') return -1;
    j.p++;
    int found = 0;
    json_ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
    } else {
        for (;;) {
            buf key = {0};
            json_ws(&j);
            bool ok = json_string(&j, &key);
            bool is_command = ok && eq(view(&key), "command");
            free(key.p);
            json_ws(&j);
            if (!ok || j.p == j.end || *j.p++ != ':') return -1;
            json_ws(&j);
            if (is_command && j.p < j.end && *j.p == '"') {
                // A later `command` key wins, as in Python's json.
                command->n = 0;
                if (!json_string(&j, command)) return -1;
                found = 1;
            } else {
                if (!json_value(&j)) return -1;
                if (is_command) found = 0;
            }
            json_ws(&j);
            if (j.p == j.end) return -1;
            char c = *j.p++;
            if (c == '}') break;
            if (c != ',') return -1;
        }
    }
    json_ws(&j);
    return j.p == j.end ? found : -1;
}

// --- The export ---

static str wit_str(const hook_string_t *s) { return (str){(const char *)s->ptr, s->len}; }

static bool some_eq(bool is_some, const hook_string_t *s, const char *lit) {
    return is_some && eq(wit_str(s), lit);
}

static void set_string(hook_string_t *out, buf *b) {
    // The generated post-return function frees the returned strings once the host has copied
    // them, so they must be memory of their own.
    out->ptr = (uint8_t *)b->p;
    out->len = b->n;
}

bool exports_hook_handle(cchost_plugin_types_hook_event_t *event,
                         cchost_plugin_types_hook_response_t *ret, hook_string_t *err) {
    memset(ret, 0, sizeof *ret);
    ret->decision.tag = CCHOST_PLUGIN_TYPES_DECISION_NONE;
    bool bash = eq(wit_str(&event->name), "PreToolUse") &&
                some_eq(event->tool_name.is_some, &event->tool_name.val, "Bash") &&
                event->tool_input.is_some && event->tool_input.val.len;
    buf command = {0}, reason = {0};
    if (bash) {
        int found = bash_command(wit_str(&event->tool_input.val), &command);
        if (found < 0) {
            buf message = {0};
            puts_(&message, "tool_input is not a JSON object");
            set_string(err, &message);
            free(command.p);
            cchost_plugin_types_hook_event_free(event);
            return false;
        }
        str cwd = event->cwd.is_some ? wit_str(&event->cwd.val) : (str){"", 0};
        if (found && command.n) check(view(&command), cwd, &reason);
    }
    if (reason.n) {
        puts_(&reason, ". If this is really intended, ask the user to run it themselves.");
        hook_string_t message = {(uint8_t *)reason.p, reason.n};
        cchost_plugin_log_log(CCHOST_PLUGIN_LOG_LEVEL_INFO, &message);
        ret->decision.tag = CCHOST_PLUGIN_TYPES_DECISION_DENY;
        set_string(&ret->decision.val.deny, &reason);
    }
    free(command.p);
    cchost_plugin_types_hook_event_free(event);
    return true;
}
