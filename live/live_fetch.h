/* The live thread: one thread for the process runs a curl_multi_poll loop
 * over every polled feed, parses each response into an observation snapshot
 * on that thread, and posts the outcome whole to the hand-off queue (tw_pool)
 * under the feed's token, so the main thread only reads finished snapshots
 * and a removed feed's late results are dropped. The only code calling
 * libcurl. The thread starts with the first feed and stops with the last.
 *
 * Every request: conditional (If-None-Match / If-Modified-Since), gzip,
 * connect / total / low-speed timeouts, a response-size cap, at most 5
 * redirects, TLS verified, http / https / file only. A failure backs off
 * exponentially with jitter (cap 60 s) and the feed recovers by itself. */
#ifndef LIVE_FETCH_H
#define LIVE_FETCH_H

#include "live_formats.h"
#include "tw_pool.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum live_format {
    LIVE_FORMAT_GEOJSON,
    LIVE_FORMAT_NGSILD,
    LIVE_FORMAT_STA,
    LIVE_FORMAT_SEOUL,
    LIVE_FORMAT_COUNT
} live_format;

/* The scene-file name of a format ("ngsi-ld"), and back (false: unknown). */
const char *live_format_name(live_format f);
bool live_format_from_name(const char *name, live_format *out);

/* One fetch's outcome, handed to the feed's done callback on the main thread
 * (as the job; the callback frees it with live_fetch_result_free). */
typedef struct live_fetch_result {
    void *user;            /* the feed's */
    bool success;          /* a parsed 200 or a 304 */
    bool not_modified;     /* 304: snap is NULL, the last one still holds */
    tw_obs_snapshot *snap; /* new data, or NULL; the callback may take it */
    long http_status;      /* 0: no answer */
    char error[256];       /* why, when !success ("HTTP 503", "timeout", ...) */
    double wall_at;        /* wall clock when the fetch ended */
    long fetches;          /* requests made for the feed so far */
    double retry_in_s;     /* when the next try is due */
    long duplicates;       /* entities dropped: ids already seen on an earlier page */
} live_fetch_result;

void live_fetch_result_free(live_fetch_result *r);

/* Lowers the calling thread's CPU priority for good (its nice value
 * LIVE_BACKGROUND_NICE higher, on Linux; nothing elsewhere) and names it:
 * for threads that only do background work for the live layers (the live
 * thread, the preparation thread), so that on a machine with few cores the
 * render threads get them first and a frame is not stretched while a
 * snapshot is parsed. CITYTWIN_LIVE_NICE=N lowers it by N instead (0: as
 * the render threads).
 * It may also move the thread to SCHED_IDLE (it runs only on a core no
 * normal thread wants; no privilege is needed to go there, one is needed
 * to come back): the preparation thread when LIVE_BACKGROUND_IDLE_PREP,
 * the live thread (network is true: it also reads the responses, within
 * their timeouts) when LIVE_BACKGROUND_IDLE_NET. CITYTWIN_LIVE_SCHED=idle:
 * both; prep: the preparation thread only; normal: neither (SCHED_OTHER,
 * niced). */
#define LIVE_BACKGROUND_NICE 5
/* 0: the live thread stays SCHED_OTHER (niced) by default. At SCHED_IDLE
 * a renderer that takes every core (llvmpipe drawing without pause)
 * starved it: half the snapshots shown on a quiet machine, none for a
 * minute on a busy one (transfers timing out, the layer stale), for no
 * gain in the worst frame (README: bench_live_frames). */
#define LIVE_BACKGROUND_IDLE_NET 0
/* 0: the preparation thread stays SCHED_OTHER (niced) by default and
 * paces itself instead (app_live_bg.c): at SCHED_IDLE it showed 2 of 23
 * fetched snapshots on the loaded 2-core machine (bench_live_frames). */
#define LIVE_BACKGROUND_IDLE_PREP 0
void live_thread_background(const char *name, bool network);
/* Both threads also draw on one CPU budget (tw_pace.h): the live thread
 * waits every 1,024 entities it parses, the preparation thread at points
 * in its per-entity loops, while the two together have used more than
 * LIVE_BACKGROUND_SHARE of one core; a burst of LIVE_BACKGROUND_BURST_MS
 * runs at once, so small feeds are never slowed. A 100,000-entity
 * snapshot's parse and preparation (~120 ms of CPU) are then spread over
 * most of a 1 s poll instead of taken from a few frames.
 * CITYTWIN_LIVE_SHARE=F sets the share (0: not paced),
 * CITYTWIN_LIVE_BURST_MS=M the burst. The live thread's transfers wait
 * while it parses, as they always did. */
#define LIVE_BACKGROUND_SHARE    0.3
#define LIVE_BACKGROUND_BURST_MS 20.0

/* Zero fields mean the defaults given. */
typedef struct live_feed_desc {
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    int header_count;
    const char *label; /* for messages: the URL with secrets redacted */
    live_format format;
    live_options options;     /* strings are copied */
    double poll_s;            /* 10 */
    double connect_timeout_s; /* 5 */
    double timeout_s;         /* total per request; 0: 2 x poll_s within 5..60, doubled
                                 (to 300 s at most) after a request reached it while
                                 its body still came (a large body on a slow link) */
    size_t max_bytes;         /* response cap, 64 MiB */
    int page_size;            /* NGSI-LD limit per page: 1000 */
    tw_pool *pool;
    tw_token *token; /* referenced while the feed lives */
    tw_job_done_fn done;
    void *user;
} live_feed_desc;

/* A feed, by handle (index + generation); {0} is none. */
typedef struct live_feed {
    uint32_t id;
} live_feed;

/* --record DIR: every response of every feed added from now on is written
 * to DIR (made if missing) with its time. --replay DIR: feeds added from now
 * on read those responses back on the recorded schedule instead of asking
 * the network (a feed without a recording fails with that reason). Call
 * once, before the first feed; see live_record.h for the file format. */
tw_result live_fetch_record_to(const char *dir, char *err, size_t n);
tw_result live_fetch_replay_from(const char *dir, char *err, size_t n);

/* Starts polling a feed (the first one starts the thread). Main thread. */
tw_result live_fetch_add(const live_feed_desc *d, live_feed *out);
/* Stops a feed: a request in flight is abandoned; results already posted are
 * dropped by cancelling the token (the caller's). The last feed stops the
 * thread, which never waits on the network. Main thread. */
void live_fetch_remove(live_feed f);

#endif
