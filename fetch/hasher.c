/* The sha256 of downloads, computed beside the transfer loop rather than in
 * it. A cold fetch from a fast server is CPU-bound on the transfer thread,
 * and hashing was a third of its time: with a CPU idle to run it, the
 * engine writes each piece of a body to its partial file and hands the
 * piece's range to one hasher thread, which reads it back from the page
 * cache and hashes it. What is hashed is then what the file holds, the
 * bytes that are renamed into the store.
 *
 * A transfer's digest context and the ranges it has queued belong to the
 * hasher until they are hashed. The engine does not wait for that when a
 * transfer ends: it hands the transfer over (pw_fetch_hash_defer), starts
 * the next one, and judges it when the hasher gives it back
 * (pw_fetch_hash_next_settled). The hasher wakes the loop's poll for that
 * (curl_multi_wakeup) only when the loop said it was going to sleep
 * (pw_fetch_hash_before_poll). Anywhere else the engine needs the digest,
 * the file or its descriptor (a restart, a release) it settles the
 * transfer first, waiting.
 *
 * One thread takes the ranges in the order they were queued, so each
 * transfer's bytes are hashed in order. */
#include "fetch_internal.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct hash_job {
    xfer *x;
    uint64_t at;
    uint64_t len;
} hash_job;

/* A range is merged into the transfer's last one still queued when it
 * follows it, so the queue holds about one range per transfer in flight;
 * it is full only when the hasher falls far behind, and then the engine
 * waits. */
#define HASH_QUEUE 64
/* A sleeping hasher is woken when this much waits, or when a transfer
 * ends: a wake-up per piece cost the transfer thread more than the
 * hashing it moved. */
#define HASH_WAKE_BYTES ((uint64_t)256 * 1024)

struct pw_fetch_hasher {
    pthread_t thread;
    CURLM *multi;          /* woken when a transfer is settled */
    pthread_mutex_t lock;
    pthread_cond_t work;   /* a range was queued, or stop */
    pthread_cond_t done;   /* a range was hashed */
    hash_job queue[HASH_QUEUE];
    size_t head;
    size_t count;
    uint64_t queued_bytes;
    xfer *settled;         /* handed over, all hashed: back to the engine */
    bool loop_polls;       /* the engine may be in curl_multi_poll */
    bool stop;
    bool sleeping;         /* the hasher waits on `work` */
    bool waiting;          /* the engine waits on `done` */
};

bool pw_fetch_hash_file_range(xfer *x, uint64_t at, uint64_t len, char *chunk, size_t chunk_size)
{
    while (len) {
        size_t want = len < chunk_size ? (size_t)len : chunk_size;
        ssize_t n = pread(x->fd, chunk, want, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        pw_sha256_update(&x->hash, chunk, (size_t)n);
        at += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return true;
}

static void *hasher_main(void *arg)
{
    pw_fetch_hasher *h = arg;
    size_t chunk_size = (size_t)128 * 1024;
    char *chunk = pw_xmalloc(chunk_size);
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->count == 0 && !h->stop) {
            h->sleeping = true;
            pthread_cond_wait(&h->work, &h->lock);
        }
        h->sleeping = false;
        if (h->count == 0)
            break; /* stopped, and nothing left */
        hash_job j = h->queue[h->head];
        h->head = (h->head + 1) % HASH_QUEUE;
        h->count--;
        h->queued_bytes -= j.len;
        bool failed = j.x->hash_failed;
        pthread_mutex_unlock(&h->lock);
        /* After a failed read the digest is wrong anyway; the engine
         * reports the failure when it judges the transfer. */
        if (!failed)
            failed = !pw_fetch_hash_file_range(j.x, j.at, j.len, chunk, chunk_size);
        pthread_mutex_lock(&h->lock);
        j.x->hash_failed = failed;
        bool settled = --j.x->hash_jobs == 0 && j.x->hash_deferred;
        if (settled) {
            j.x->hash_deferred = false;
            j.x->hash_next = h->settled;
            h->settled = j.x;
        }
        if (h->waiting)
            pthread_cond_signal(&h->done);
        if (settled && h->loop_polls) {
            h->loop_polls = false;
            pthread_mutex_unlock(&h->lock);
            curl_multi_wakeup(h->multi);
            pthread_mutex_lock(&h->lock);
        }
    }
    pthread_mutex_unlock(&h->lock);
    free(chunk);
    return NULL;
}

/* A second thread pays only where a CPU is idle to run it. On one CPU, or
 * on CPUs that other work keeps busy, it takes turns with the transfer loop
 * (the critical path), adds its switches and the read-back, and the fetch
 * is slower than with hashing in the loop (docs/benchmarks.md, section 3).
 * Idle is judged by the 1-minute load average: below the CPUs this process
 * may use minus the one the loop takes, with half a CPU of slack. */
static bool worth_a_thread(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return false;
    int cpus = CPU_COUNT(&set);
    double load[1];
    if (cpus < 2 || getloadavg(load, 1) != 1)
        return false;
    return load[0] < (double)cpus - 0.5;
}

void pw_fetch_hasher_start(pw_fetch_session *s)
{
    if (s->hasher || !s->multi)
        return;
    if (!s->hasher_decided) {
        s->hasher_decided = true;
        s->hasher_wanted = s->opt.hashing == PW_FETCH_HASH_THREAD ||
                           (s->opt.hashing == PW_FETCH_HASH_AUTO && worth_a_thread());
    }
    if (!s->hasher_wanted)
        return;
    pw_fetch_hasher *h = pw_xcalloc(1, sizeof(*h));
    h->multi = s->multi;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->work, NULL);
    pthread_cond_init(&h->done, NULL);
    if (pthread_create(&h->thread, NULL, hasher_main, h) != 0) {
        /* Hashing on the transfer thread is slower, not wrong. */
        pthread_cond_destroy(&h->done);
        pthread_cond_destroy(&h->work);
        pthread_mutex_destroy(&h->lock);
        free(h);
        return;
    }
    s->hasher = h;
}

void pw_fetch_hasher_stop(pw_fetch_session *s)
{
    pw_fetch_hasher *h = s->hasher;
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stop = true;
    pthread_cond_signal(&h->work);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->done);
    pthread_cond_destroy(&h->work);
    pthread_mutex_destroy(&h->lock);
    free(h);
    s->hasher = NULL;
}

static void wake(pw_fetch_hasher *h)
{
    if (h->sleeping)
        pthread_cond_signal(&h->work);
}

void pw_fetch_hash_written(xfer *x, const void *data, uint64_t at, size_t len)
{
    pw_fetch_hasher *h = x->s->hasher;
    if (!h) {
        pw_sha256_update(&x->hash, data, len);
        return;
    }
    if (len == 0)
        return;
    pthread_mutex_lock(&h->lock);
    hash_job *last = NULL;
    for (size_t i = h->count; i > 0 && !last; i--) {
        hash_job *j = &h->queue[(h->head + i - 1) % HASH_QUEUE];
        if (j->x == x)
            last = j;
    }
    if (last && last->at + last->len == at) {
        last->len += len;
    } else {
        while (h->count == HASH_QUEUE) {
            wake(h); /* many transfers' small pieces: under HASH_WAKE_BYTES */
            h->waiting = true;
            pthread_cond_wait(&h->done, &h->lock);
        }
        h->waiting = false;
        h->queue[(h->head + h->count) % HASH_QUEUE] = (hash_job){x, at, len};
        h->count++;
        x->hash_jobs++;
    }
    h->queued_bytes += len;
    if (h->queued_bytes >= HASH_WAKE_BYTES)
        wake(h);
    pthread_mutex_unlock(&h->lock);
}

bool pw_fetch_hash_defer(xfer *x)
{
    pw_fetch_hasher *h = x->s->hasher;
    if (!h)
        return false;
    pthread_mutex_lock(&h->lock);
    bool defer = x->hash_jobs > 0;
    if (defer) {
        x->hash_deferred = true;
        wake(h);
    }
    pthread_mutex_unlock(&h->lock);
    return defer;
}

xfer *pw_fetch_hash_next_settled(pw_fetch_session *s)
{
    pw_fetch_hasher *h = s->hasher;
    if (!h)
        return NULL;
    pthread_mutex_lock(&h->lock);
    h->loop_polls = false;
    xfer *x = h->settled;
    if (x) {
        h->settled = x->hash_next;
        x->hash_next = NULL;
    }
    pthread_mutex_unlock(&h->lock);
    return x;
}

bool pw_fetch_hash_before_poll(pw_fetch_session *s)
{
    pw_fetch_hasher *h = s->hasher;
    if (!h)
        return true;
    pthread_mutex_lock(&h->lock);
    bool sleep = h->settled == NULL;
    h->loop_polls = sleep;
    pthread_mutex_unlock(&h->lock);
    return sleep;
}

bool pw_fetch_hash_settle(xfer *x)
{
    pw_fetch_hasher *h = x->s->hasher;
    if (!h)
        return !x->hash_failed;
    pthread_mutex_lock(&h->lock);
    if (x->hash_jobs > 0)
        wake(h);
    while (x->hash_jobs > 0) {
        h->waiting = true;
        pthread_cond_wait(&h->done, &h->lock);
    }
    h->waiting = false;
    bool ok = !x->hash_failed;
    pthread_mutex_unlock(&h->lock);
    return ok;
}
