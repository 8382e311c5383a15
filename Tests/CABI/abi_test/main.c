/* SPDX-License-Identifier: MIT */
/*
 * abi_test — libdaf's C ABI tested from C, built through pkg-config against the installed
 * release library exactly as a user builds (see ../run.sh). Each case checks one concern and runs
 * in its own child process, so a crash or a hang in the library fails that case, not the run.
 * It tests only what include/daf.h promises; the Swift internals have their own tests.
 * This file holds the runner; the cases live in one file per section (abi_test.h lists them).
 *
 * Usage: abi_test [--no-fork] [--list] [NAME-SUBSTRING...]
 * Output: one PASS/FAIL line per case, failure details above it, and last `N passed, N failed`
 * (cases). The exit status is nonzero if any case failed.
 */
#include "abi_test.h"

/* ============================================================================================
 * The case list and the runner
 * ========================================================================================== */

typedef struct test_case {
    const char *name;
    void (*run)(void);
} test_case;

#define CASE_ENTRY_(name) {#name, name},
static const test_case cases[] = {CASE_LIST(CASE_ENTRY_)};
#undef CASE_ENTRY_

/* Runs one case in this process; returns its number of failed checks. */
static long run_here(const test_case *c) {
    g_case_checks = 0;
    g_case_failures = 0;
    g_where[0] = '\0';
    c->run();
    if (g_case_checks == 0) {
        printf("  %s: the case made no check\n", c->name);
        g_case_failures++;
    }
    return g_case_failures;
}

/* Runs one case in a child process; returns 1 if it passed. */
static int run_isolated(const test_case *c) {
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return run_here(c) == 0;
    }
    if (child == 0) {
        alarm(CASE_TIMEOUT_SECONDS);
        long failures = run_here(c);
        fflush(stdout);
        _exit(failures == 0 ? 0 : 1);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        /* interrupted: wait again */
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM) {
            printf("  %s: timed out after %d s (a hang or deadlock in the library?)\n", c->name,
                   CASE_TIMEOUT_SECONDS);
        } else {
            printf("  %s: CRASHED with signal %d (%s) — the library must return a status instead\n",
                   c->name, sig, strsignal(sig));
        }
        return 0;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv) {
    int isolate = 1, list = 0;
    int filters = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-fork") == 0) isolate = 0;
        else if (strcmp(argv[i], "--list") == 0) list = 1;
        else filters++;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("abi_test: header %s, library %s\n", DAF_VERSION_STRING, daf_version_string());
    int passed = 0, failed = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const test_case *c = &cases[k];
        if (filters > 0) {
            int wanted = 0;
            for (int i = 1; i < argc; i++)
                if (argv[i][0] != '-' && strstr(c->name, argv[i]) != NULL) wanted = 1;
            if (!wanted) continue;
        }
        if (list) {
            printf("%s\n", c->name);
            continue;
        }
        int ok = isolate ? run_isolated(c) : run_here(c) == 0;
        printf("%s %s\n", ok ? "PASS" : "FAIL", c->name);
        if (ok) passed++;
        else failed++;
    }
    if (list) return 0;
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
