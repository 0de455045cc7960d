/*
 * otlp_cause.c - OTel `exception` span events into X-Ray `cause.exceptions`, with the stack
 * trace parsed per SDK language the way the Collector's awsxray translator does (Java and PHP,
 * Python, JavaScript, .NET, Go). Pure; any thread. A stack it cannot read leaves the exception
 * without frames, never fails the span.
 */
#include <stdlib.h>
#include <string.h>

#include "otlp_xray.h"

/* Frames kept per exception: X-Ray shows the top of the stack; a runaway trace stays bounded. */
#define MAX_FRAMES 100

struct lines {
    char **v;
    size_t n;
};

static void split_lines(const char *s, struct lines *out)
{
    size_t cap = 16;
    out->v = xmalloc(cap * sizeof(char *));
    out->n = 0;
    for (;;) {
        size_t len = strcspn(s, "\n");
        size_t trim = len && s[len - 1] == '\r' ? len - 1 : len;
        if (out->n == cap) {
            cap *= 2;
            out->v = xrealloc(out->v, cap * sizeof(char *));
        }
        out->v[out->n++] = xstrndup(s, trim);
        if (!s[len]) {
            break;
        }
        s += len + 1;
    }
}

static void free_lines(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void add_frame(json_t *exc, const char *path, size_t path_len, const char *label,
                      size_t label_len, long line)
{
    json_t *stack = json_object_get(exc, "stack");
    if (!stack) {
        stack = json_array();
        json_object_set_new(exc, "stack", stack);
    }
    if (json_array_size(stack) >= MAX_FRAMES) {
        return;
    }
    json_t *f = json_object();
    json_object_set_new(f, "path", json_stringn(path, path_len));
    json_object_set_new(f, "label", json_stringn(label, label_len));
    json_object_set_new(f, "line", json_integer(line));
    json_array_append_new(stack, f);
}

/* "\tat pkg.Class.method(File.java:12)"; "Caused by: T: msg" starts a chained exception. */
static json_t *java_stack(struct lines *l, json_t *exc, json_t *all,
                          const ProtobufCBinaryData *span_id, unsigned *seq)
{
    for (size_t i = 1; i < l->n; i++) {
        const char *line = l->v[i];
        size_t len = strlen(line);
        if (starts(line, "\tat ") && len && line[len - 1] == ')' && strchr(line, '(')) {
            const char *label = line + 4, *paren = strchr(line, '(');
            const char *slash = memchr(label, '/', (size_t)(paren - label));
            if (slash) {
                label = slash + 1;
            }
            const char *path = paren + 1;
            size_t path_len = (size_t)(line + len - 1 - path);
            const char *colon = memchr(path, ':', path_len);
            long ln = 0;
            if (colon) {
                ln = strtol(colon + 1, NULL, 10);
                path_len = (size_t)(colon - path);
            }
            add_frame(exc, path, path_len, label, (size_t)(paren - label), ln);
        } else if (starts(line, "Caused by: ")) {
            const char *type = line + strlen("Caused by: ");
            const char *colon = strchr(type, ':');
            json_t *next = json_object();
            char id[17];
            otlp_xray_derived_id(span_id, 0x100 + (uint32_t)(*seq)++, id);
            json_object_set_new(next, "id", json_string(id));
            json_object_set_new(next, "type",
                                json_stringn(type, colon ? (size_t)(colon - type) : strlen(type)));
            json_object_set_new(next, "message", json_string(colon && colon[1] ? colon + 2 : ""));
            json_object_set(next, "remote", json_object_get(exc, "remote"));
            json_object_set_new(exc, "cause", json_string(id));
            json_array_append_new(all, next);
            exc = next;
        }
    }
    return exc;
}

/* Python tracebacks read bottom-up: '  File "x.py", line 3, in f'. */
static void python_stack(struct lines *l, json_t *exc)
{
    for (size_t k = l->n; k-- > 0;) {
        const char *line = l->v[k];
        if (!starts(line, "  File \"")) {
            continue;
        }
        const char *file = line + 8, *q = strchr(file, '"');
        if (!q) {
            continue;
        }
        const char *ln = strstr(q, ", line ");
        const char *in = strstr(q, ", in ");
        const char *label = in ? in + 5 : "";
        add_frame(exc, file, (size_t)(q - file), label, strlen(label),
                  ln ? strtol(ln + 7, NULL, 10) : 0);
    }
}

/* V8: "    at fn (/app/x.js:10:5)" or "    at /app/x.js:10:5". */
static void javascript_stack(struct lines *l, json_t *exc)
{
    for (size_t i = 1; i < l->n; i++) {
        const char *line = l->v[i];
        size_t len = strlen(line);
        if (!starts(line, "    at ")) {
            continue;
        }
        const char *label = line + 7, *paren = strchr(label, '(');
        const char *path;
        size_t label_len = 0, path_len;
        if (paren && line[len - 1] == ')') {
            label_len = (size_t)(paren - label);
            while (label_len && label[label_len - 1] == ' ') {
                label_len--;
            }
            path = paren + 1;
            path_len = (size_t)(line + len - 1 - path);
        } else if (!paren) {
            path = label;
            path_len = strlen(path);
        } else {
            continue;
        }
        /* path:line:column; the first colon may belong to a scheme (file://, node:). */
        long ln = 0;
        const char *last = NULL, *prev = NULL;
        for (const char *c = path; c < path + path_len; c++) {
            if (*c == ':') {
                prev = last;
                last = c;
            }
        }
        if (prev && last) {
            ln = strtol(prev + 1, NULL, 10);
            path_len = (size_t)(prev - path);
        }
        add_frame(exc, path, path_len, label, label_len, ln);
    }
}

/* .NET: "   at Ns.Type.Method() in C:\src\File.cs:line 42". */
static void dotnet_stack(struct lines *l, json_t *exc)
{
    for (size_t i = 1; i < l->n; i++) {
        const char *line = l->v[i];
        while (*line == ' ' || *line == '\t') {
            line++;
        }
        if (!starts(line, "at ")) {
            continue;
        }
        const char *label = line + 3, *in = strstr(label, " in ");
        if (in) {
            const char *path = in + 4, *colon = strrchr(path, ':');
            long ln = 0;
            size_t path_len = strlen(path);
            if (colon) {
                ln = strtol(starts(colon + 1, "line") ? colon + 6 : colon + 1, NULL, 10);
                path_len = (size_t)(colon - path);
            }
            add_frame(exc, path, path_len, label, (size_t)(in - label), ln);
        } else if (strrchr(label, ')')) {
            add_frame(exc, "", 0, label, (size_t)(strrchr(label, ')') - label + 1), 0);
        }
    }
}

/* Go panics: a function line, then "\t/path/file.go:42 +0x1d". */
static void go_stack(struct lines *l, json_t *exc)
{
    for (size_t i = 1; i + 1 < l->n; i++) {
        const char *fn = l->v[i], *loc = l->v[i + 1];
        if (fn[0] == '\t' || loc[0] != '\t' || starts(fn, "goroutine ")) {
            continue;
        }
        const char *path = loc + 1, *colon = strrchr(path, ':');
        if (!colon) {
            continue;
        }
        const char *paren = strrchr(fn, '(');
        add_frame(exc, path, (size_t)(colon - path), fn, paren ? (size_t)(paren - fn) : strlen(fn),
                  strtol(colon + 1, NULL, 10));
        i++;
    }
}

static const char *event_attr(const OTLP_EVENT *ev, const char *key)
{
    const char *s = otlp_attr_str(ev->attributes, ev->n_attributes, key);
    return s ? s : "";
}

json_t *otlp_cause_exceptions(const OTLP_SPAN *span, const char *language, bool remote)
{
    json_t *all = NULL;
    unsigned seq = 0;
    for (size_t i = 0; i < span->n_events; i++) {
        const OTLP_EVENT *ev = span->events[i];
        if (!ev->name || strcmp(ev->name, "exception") != 0) {
            continue;
        }
        if (!all) {
            all = json_array();
        }
        char id[17];
        otlp_xray_derived_id(&span->span_id, 0x100 + (uint32_t)seq++, id);
        json_t *exc = json_object();
        json_object_set_new(exc, "id", json_string(id));
        json_object_set_new(exc, "type", json_string(event_attr(ev, "exception.type")));
        json_object_set_new(exc, "message", json_string(event_attr(ev, "exception.message")));
        json_object_set_new(exc, "remote", json_boolean(remote));
        json_array_append_new(all, exc);
        const char *stack = event_attr(ev, "exception.stacktrace");
        if (!*stack || !language) {
            continue;
        }
        struct lines l;
        split_lines(stack, &l);
        if (strcmp(language, "java") == 0 || strcmp(language, "php") == 0) {
            java_stack(&l, exc, all, &span->span_id, &seq);
        } else if (strcmp(language, "python") == 0) {
            python_stack(&l, exc);
        } else if (strcmp(language, "nodejs") == 0 || strcmp(language, "javascript") == 0 ||
                   strcmp(language, "webjs") == 0) {
            javascript_stack(&l, exc);
        } else if (strcmp(language, "dotnet") == 0) {
            dotnet_stack(&l, exc);
        } else if (strcmp(language, "go") == 0) {
            go_stack(&l, exc);
        }
        free_lines(&l);
    }
    return all;
}
