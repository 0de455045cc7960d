/*
 * rx.cc - the C++ shim behind rx.h: RE2 with a memory budget and a program-size cap, and the
 * group names resolved once at compile time so a search allocates nothing but its spans.
 *
 * Threads: any; RE2 objects are thread-safe for matching (RE2 documents this), and struct rx is
 * never changed after rx_compile.
 */
#include <re2/re2.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "rx.h"

struct rx {
    re2::RE2 *re;
    std::vector<std::string> names; /* index i-1 = group i; "" when unnamed */
};

static void set_err(char *errmsg, size_t errlen, const std::string &why)
{
    if (errmsg && errlen) {
        snprintf(errmsg, errlen, "%s", why.c_str());
    }
}

extern "C" int rx_compile(const char *src, size_t len, struct rx **out, char *errmsg, size_t errlen)
{
    *out = nullptr;
    if (len > RX_MAX_PATTERN) {
        set_err(errmsg, errlen,
                "regular expression is longer than " + std::to_string(RX_MAX_PATTERN) +
                    " characters");
        return ERR_INVALID;
    }
    re2::RE2::Options opt;
    opt.set_log_errors(false);
    opt.set_max_mem(RX_MAX_MEM);
    /* Messages are bytes, not always valid UTF-8; Latin-1 keeps every byte matchable by `.`
     * and [^..] and keeps positions byte offsets. Patterns are ASCII in both dialects. */
    opt.set_encoding(re2::RE2::Options::EncodingLatin1);
    re2::RE2 *re = new re2::RE2(re2::StringPiece(src, len), opt);
    if (!re->ok()) {
        std::string why = re->error();
        if (re->error_code() == re2::RE2::ErrorPatternTooLarge) {
            why = "regular expression is too large";
        }
        set_err(errmsg, errlen, why);
        delete re;
        return ERR_INVALID;
    }
    if (re->ProgramSize() > RX_MAX_PROGRAM || re->NumberOfCapturingGroups() > RX_MAX_GROUPS) {
        set_err(errmsg, errlen, "regular expression is too large");
        delete re;
        return ERR_INVALID;
    }
    struct rx *r = new struct rx;
    r->re = re;
    r->names.resize((size_t)re->NumberOfCapturingGroups());
    for (const auto &kv : re->CapturingGroupNames()) {
        r->names[(size_t)kv.first - 1] = kv.second;
    }
    *out = r;
    return 0;
}

extern "C" void rx_free(struct rx *re)
{
    if (re) {
        delete re->re;
        delete re;
    }
}

extern "C" bool rx_search(const struct rx *re, const char *s, size_t len)
{
    return re->re->Match(re2::StringPiece(s, len), 0, len, re2::RE2::UNANCHORED, nullptr, 0);
}

extern "C" size_t rx_groups(const struct rx *re)
{
    return re->names.size();
}

extern "C" const char *rx_group_name(const struct rx *re, size_t i)
{
    if (i == 0 || i > re->names.size() || re->names[i - 1].empty()) {
        return nullptr;
    }
    return re->names[i - 1].c_str();
}

extern "C" bool rx_capture(const struct rx *re, const char *s, size_t len, struct rx_span *m,
                           size_t nm)
{
    /* RE2 refuses more slots than groups + 1; extra slots are reported as unset. */
    size_t want = nm < re->names.size() + 1 ? nm : re->names.size() + 1;
    std::vector<re2::StringPiece> sub(want);
    if (!re->re->Match(re2::StringPiece(s, len), 0, len, re2::RE2::UNANCHORED, sub.data(),
                       (int)want)) {
        return false;
    }
    for (size_t i = 0; i < nm; i++) {
        if (i >= want) {
            m[i] = rx_span{0, 0, false};
            continue;
        }
        m[i].set = sub[i].data() != nullptr;
        m[i].start = m[i].set ? (size_t)(sub[i].data() - s) : 0;
        m[i].end = m[i].set ? m[i].start + sub[i].size() : 0;
    }
    return true;
}
