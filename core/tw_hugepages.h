/* Transparent huge pages for the whole process's heap (glibc's
 * glibc.malloc.hugetlb tunable, read only when a process starts). */
#ifndef TW_HUGEPAGES_H
#define TW_HUGEPAGES_H

/* Called first thing in main: where the kernel gives huge pages to the
 * mappings that ask for them ("madvise" mode) and glibc can ask for them
 * (2.35 and later), runs this same program again at once with
 * glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES, so that malloc (the
 * GL driver's buffers included) asks for them. Returns (nothing changed)
 * where it does not apply, when CITYTWIN_NO_HUGEPAGES is set, when the
 * tunable is already set, or when exec fails. */
void tw_hugepages_reexec(char **argv);

#endif
