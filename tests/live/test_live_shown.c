/* Live snapshots are shown on a busy machine: with two threads spinning at
 * normal priority beside the app (as llvmpipe's rasterizers and other
 * processes keep every core of a small machine busy), a sensors layer
 * polling 30,000 bulk sensors that change every second still has most of
 * its fetched snapshots made ready and shown, and the report's counts add
 * up: every snapshot fetched was shown, dropped for a newer one, or is
 * still in hand (at most one being made ready and one waiting).
 *
 * With the preparation thread at SCHED_IDLE (CITYTWIN_LIVE_SCHED=prep, as
 * it was) the spinning threads starve it and the first snapshot is not
 * shown in the run: the test fails then. */
#include "tw_feedsim.h"
#include "tw_live_util.h"
#include "tw_run.h"
#include "tw_test.h"
#include "tw_time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_bool spin_stop;

static void *spin(void *arg)
{
    (void)arg;
    volatile unsigned long x = 0;
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed)) x++;
    return NULL;
}

static void test_snapshots_shown_while_cores_busy(void)
{
    tw_feedsim sim;
    TW_CHECK(tw_feedsim_start(&sim, (const char *const[]){"--port", "0", "--tick", "1",
                                                          "--bulk-sensors", "30000", NULL}));
    const char *scene = tw_live_tmp("shown.json");
    FILE *f = fopen(scene, "w");
    TW_CHECK(f != NULL);
    if (!f) return;
    fprintf(f,
            "{ \"name\": \"shown\", \"crs\": \"EPSG:5186\", \"layers\": [\n"
            "  { \"kind\": \"sensors\", \"name\": \"bulk\", \"format\": \"geojson\", \"url\": "
            "\"%s/geojson/bulk.geojson\", \"value\": \"value\", \"poll_s\": 1, "
            "\"stale_after_s\": 60, \"size_px\": 4 } ] }\n",
            sim.base);
    fclose(f);
    pthread_t th[2];
    atomic_store(&spin_stop, false);
    int started = 0;
    for (int i = 0; i < 2; i++) started += pthread_create(&th[i], NULL, spin, NULL) == 0;
    char args[1024];
    snprintf(args, sizeof args,
             "--headless --size 640x360 --wait-s 12 --load-cap-s 60 --report '%s' '%s'",
             tw_live_tmp("shown_rep.json"), scene);
    int rc = tw_run_citytwin(args, tw_live_tmp("shown.err"));
    atomic_store(&spin_stop, true);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    tw_feedsim_stop(&sim);
    TW_CHECK_MSG(rc == 0, "citytwin exited with %d", rc);
    json_object *rep = tw_run_load_json(tw_live_tmp("shown_rep.json"));
    json_object *l = tw_run_layer(rep, "sensors");
    TW_CHECK(l != NULL);
    double fetched = tw_run_num(l, "snapshots_fetched"), shown = tw_run_num(l, "snapshots");
    double dropped = tw_run_num(l, "snapshots_dropped");
    json_object *prep = tw_run_get(l, "prep");
    double to_show = tw_run_num(prep, "frames_to_show_max");
    printf("  %g fetched, %g shown, %g dropped; frames from arrival to shown, worst %g\n", fetched,
           shown, dropped, to_show);
    TW_CHECK_MSG(fetched >= 3, "only %g snapshots fetched in 12 s", fetched);
    /* Each one fetched is shown, dropped, or in hand (one made ready, one
     * waiting). */
    TW_CHECK_MSG(shown + dropped <= fetched && fetched <= shown + dropped + 2,
                 "fetched %g, shown %g, dropped %g", fetched, shown, dropped);
    TW_CHECK_MSG(shown >= 2 && shown * 2 >= fetched - 2, "%g of %g fetched snapshots shown", shown,
                 fetched);
    TW_CHECK_MSG(tw_run_num(prep, "count") == shown, "prep samples %g, shown %g",
                 tw_run_num(prep, "count"), shown);
    json_object_put(rep);
}

int main(void)
{
    if (!tw_run_bin()) TW_SKIP("CITYTWIN_BIN is not set (run through ctest)");
    if (!getenv("CITYTWIN_FEEDSIM_BIN"))
        TW_SKIP("CITYTWIN_FEEDSIM_BIN is not set (run through ctest)");
    if (!tw_run_have_gl()) TW_SKIP("no headless OpenGL (EGL surfaceless) on this machine");
    TW_RUN(test_snapshots_shown_while_cores_busy);
    tw_run_finish(tw_test_failures);
    return TW_TEST_END();
}
