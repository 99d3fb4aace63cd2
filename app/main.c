/* citytwin: a digital twin of Korea's certified smart cities. */
#include "app.h"
#include "tw_hugepages.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

int main(int argc, char **argv)
{
    /* Huge pages for the heap: about half the start-up CPU at 600,000
     * buildings went on 4 KB page faults and TLB misses (tw_hugepages.h). */
    tw_hugepages_reexec(argv);
#ifdef __GLIBC__
    /* A wall display runs for hours while live feeds bring bodies of tens
     * of MB and their snapshots every few seconds. glibc raises its mmap
     * threshold after each large free, so later large blocks come from the
     * threads' arenas, which keep their high-water mark: the 1-hour soak
     * grew 1.3 % that way after a burst under load. A fixed threshold keeps
     * blocks of 4 MB and more in their own mappings, given back on free. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
    return app_run(argc, argv);
}
