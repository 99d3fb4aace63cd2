/* glibc.malloc.hugetlb=1 by running the program again. On this project's
 * machines every fresh 4 KB page of the heap is a page fault and a TLB
 * entry: at 600,000 buildings the load, the GL driver's copies of the
 * meshes and their first draw spent about half of their CPU there. With
 * 2 MB pages the first complete frame came about 1.8x sooner. */
#define _GNU_SOURCE
#include "tw_hugepages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <unistd.h>
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define TW_HUGEPAGES_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TW_HUGEPAGES_SANITIZED 1
#endif

#define TW_HUGEPAGES_TUNABLE "glibc.malloc.hugetlb=1"

#if defined(__linux__) && defined(__GLIBC__) && !defined(TW_HUGEPAGES_SANITIZED)
#if __GLIBC_PREREQ(2, 35)
/* Whether the kernel hands huge pages to mappings that ask ("[madvise]"
 * selected; "[always]" needs no asking, "[never]" gives none). */
static int tw__thp_madvise(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f) return 0;
    char line[128] = {0};
    int ok = fgets(line, sizeof line, f) && strstr(line, "[madvise]");
    fclose(f);
    return ok;
}

void tw_hugepages_reexec(char **argv)
{
    const char *no = getenv("CITYTWIN_NO_HUGEPAGES");
    if ((no && no[0] && strcmp(no, "0") != 0) || !argv || !argv[0]) return;
    const char *old = getenv("GLIBC_TUNABLES");
    if (old && strstr(old, "glibc.malloc.hugetlb")) return; /* set: ours or the user's */
    if (getuid() != geteuid() || !tw__thp_madvise()) return;
    size_t n = (old ? strlen(old) + 1 : 0) + sizeof TW_HUGEPAGES_TUNABLE;
    char *v = malloc(n);
    if (!v) return;
    snprintf(v, n, "%s%s%s", old ? old : "", old && old[0] ? ":" : "", TW_HUGEPAGES_TUNABLE);
    int set = setenv("GLIBC_TUNABLES", v, 1);
    free(v);
    if (set != 0) return;
    fflush(NULL);
    /* By its own path, so the process keeps its name (not "exe"). */
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self[len] = 0;
        execv(self, argv);
    }
    execv("/proc/self/exe", argv);
    /* Could not run again: on as we are (the tunable stays in the
     * environment, so no child tries either). */
}
#else
void tw_hugepages_reexec(char **argv)
{
    (void)argv;
}
#endif
#else
void tw_hugepages_reexec(char **argv)
{
    (void)argv;
}
#endif
