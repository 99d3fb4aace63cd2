/* Recording and replaying feed responses (--record DIR / --replay DIR).
 * Internal to live/: live_fetch writes every finished response of a feed
 * (its time since the feed was added, HTTP status, paging count, error text
 * and body) to DIR/<key>.rec, and under replay reads them back instead of
 * asking the network, on the recorded schedule (looping when it runs out).
 * The key is a hash of the format and the feed's shown URL (secrets as ***,
 * so ${FEEDSIM}'s port or an API key does not change it, and no secret is
 * ever written). One file per feed:
 *   citytwin-recording 1\n
 *   format <name>\n
 *   url <shown url>\n
 *   then per response: "@ <t_s> <status> <results_count> <error_len> <body_len>\n",
 *   the error text, the body, "\n". */
#ifndef LIVE_RECORD_H
#define LIVE_RECORD_H

#include "live_fetch.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct live_rec_entry {
    double t; /* seconds since the feed was added */
    long status;
    long long results_count; /* -1: none */
    char *error;             /* "" when the transfer itself succeeded */
    char *body;
    size_t len;
} live_rec_entry;

typedef struct live_rec live_rec;

/* The process-wide mode, set before the first feed (see live_fetch.h). */
bool live_rec_replaying(void);
/* For a new feed: NULL when neither recording nor replaying; under replay
 * a feed with no (readable) recording gets NULL and the reason in err. */
live_rec *live_rec_open(const char *label, live_format fmt, double poll_s, char *err, size_t n);
void live_rec_write(live_rec *r, double t, long status, long long results_count, const char *error,
                    const char *body, size_t len);
/* Replay: the next response due at t (seconds since the feed was added),
 * or NULL when none is due yet. Valid until the next call. */
const live_rec_entry *live_rec_next(live_rec *r, double t);
void live_rec_close(live_rec *r);

#endif
