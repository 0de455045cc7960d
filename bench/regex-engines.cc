// regex-engines.cc - the measurement behind the choice of RE2 for rx.h (docs/design-notes.md 10):
// one search of each hostile pattern over a text of N 'a's, with RE2, PCRE2 (JIT, match limit
// 10M, heap limit 20 MiB) and glibc's POSIX regexec. Not built by the Makefile:
//   g++ -O2 -o /tmp/regex-engines bench/regex-engines.cc -lre2 $(pkg-config --cflags --libs libpcre2-8)
//   /tmp/regex-engines 160000 'a+c' '(a+)+$' ...     (glibc cases are skipped above 30,000 chars
//   unless GLIBC=1: it takes tens of seconds to minutes there; RANDOM_TEXT=1 searches random
//   letters instead of a run of 'a's, and the RE2 line adds the program size)
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>
#include <regex.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

static double ms_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s N pattern...\n", argv[0]);
        return 2;
    }
    size_t n = strtoul(argv[1], nullptr, 10);
    std::string text(n, 'a');
    if (getenv("RANDOM_TEXT")) { /* letters a-z from a fixed LCG: the DFA-hostile input */
        unsigned r = 1;
        for (auto &c : text) {
            r = r * 1103515245u + 12345u;
            c = (char)('a' + (r >> 16) % 26);
        }
    }
    bool glibc = n <= 30000 || getenv("GLIBC");
    for (int i = 2; i < argc; i++) {
        const char *pat = argv[i];
        auto t0 = std::chrono::steady_clock::now();
        RE2::Options o;
        o.set_max_mem(4 << 20);
        o.set_log_errors(false);
        RE2 re(pat, o);
        std::string r2 = re.ok() ? (RE2::PartialMatch(text, re) ? "match" : "no match")
                                 : "error: " + re.error();
        double t_re2 = ms_since(t0);
        if (re.ok()) {
            r2 += " prog=" + std::to_string(re.ProgramSize());
        }

        t0 = std::chrono::steady_clock::now();
        int e;
        PCRE2_SIZE eo;
        pcre2_code *pc = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &e, &eo, nullptr);
        std::string p2 = "error";
        if (pc) {
            pcre2_jit_compile(pc, PCRE2_JIT_COMPLETE);
            pcre2_match_context *mc = pcre2_match_context_create(nullptr);
            pcre2_set_match_limit(mc, 10000000);
            pcre2_set_heap_limit(mc, 20000);
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(pc, nullptr);
            int rc = pcre2_match(pc, (PCRE2_SPTR)text.data(), n, 0, 0, md, mc);
            p2 = rc >= 0 ? "match" : rc == PCRE2_ERROR_NOMATCH ? "no match"
                                                               : "error " + std::to_string(rc);
            pcre2_match_data_free(md);
            pcre2_match_context_free(mc);
            pcre2_code_free(pc);
        }
        double t_pcre = ms_since(t0);

        std::string gl = "skipped";
        double t_gl = 0;
        if (glibc) {
            t0 = std::chrono::steady_clock::now();
            regex_t rx;
            if (regcomp(&rx, pat, REG_EXTENDED | REG_NOSUB) == 0) {
                gl = regexec(&rx, text.c_str(), 0, nullptr, 0) == 0 ? "match" : "no match";
                regfree(&rx);
            } else {
                gl = "error";
            }
            t_gl = ms_since(t0);
        }
        printf("%-24s n=%-7zu re2 %9.3f ms %-10s | pcre2-jit %9.3f ms %-10s | glibc %10.1f ms %s\n",
               pat, n, t_re2, r2.c_str(), t_pcre, p2.c_str(), t_gl, gl.c_str());
    }
    return 0;
}
