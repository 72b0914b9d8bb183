package io.streamcast.producer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per user, held by one node: each user may take {@code perSecond} tokens in a burst,
 * and the bucket refills continuously at {@code perSecond} tokens a second. Node-local on purpose
 * (no cluster round trip on the publish path), so a user spreading requests over N nodes gets up to
 * N times the figure.
 *
 * <p>Thread-safe: a bucket is read and changed only inside the map's per-key compute, so concurrent
 * callers (and the sweep dropping idle buckets) never lose or double-spend a token.
 *
 * <p>Memory stays bounded by the users active in the last seconds: a bucket that has refilled to
 * full is indistinguishable from a new one, so a sweep (at most every {@link #SWEEP_INTERVAL_NANOS},
 * run by whichever caller comes along) drops it.
 */
final class UserRateLimiter {

  /** How often full buckets are looked for, at most. */
  static final long SWEEP_INTERVAL_NANOS = 10_000_000_000L;
  private static final double NANOS_PER_SECOND = 1_000_000_000d;

  private final int perSecond;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong lastSweep;

  /**
   * @param perSecond tokens a second per user, and the burst; must be positive
   */
  public UserRateLimiter(int perSecond) {
    this(perSecond, System::nanoTime);
  }

  /**
   * @param perSecond tokens a second per user, and the burst; must be positive
   * @param nanoClock a monotonic clock in nanoseconds (tests pass a fake one)
   */
  public UserRateLimiter(int perSecond, LongSupplier nanoClock) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("per-second figure must be positive, got " + perSecond);
    }
    this.perSecond = perSecond;
    this.nanoClock = nanoClock;
    this.lastSweep = new AtomicLong(nanoClock.getAsLong());
  }

  /**
   * Takes one token of {@code user}'s bucket, if it has one.
   *
   * @param user the user's key (see {@link Grant#userKey()})
   * @return 0 when a token was taken; otherwise the whole seconds (at least 1) until one is
   *     available, for a {@code Retry-After}
   */
  public int tryAcquire(String user) {
    long now = nanoClock.getAsLong();
    sweepIfDue(now);
    int[] retryAfter = new int[1];
    buckets.compute(user, (k, b) -> {
      Bucket bucket = b == null ? new Bucket(perSecond, now) : b;
      bucket.refill(now, perSecond);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
      } else {
        double seconds = (1 - bucket.tokens) / perSecond;
        retryAfter[0] = (int) Math.max(1, Math.ceil(seconds));
      }
      return bucket;
    });
    return retryAfter[0];
  }

  /**
   * @return users with a bucket right now (full buckets count until the next sweep); a test seam, to
   *     see that the sweep forgets idle users
   */
  int trackedUsers() {
    return buckets.size();
  }

  /** Drops every bucket that has refilled to full: a new one would behave the same. */
  public void sweep() {
    long now = nanoClock.getAsLong();
    lastSweep.set(now);
    for (String user : buckets.keySet()) {
      buckets.computeIfPresent(user, (k, b) -> {
        b.refill(now, perSecond);
        return b.tokens >= perSecond ? null : b;
      });
    }
  }

  private void sweepIfDue(long now) {
    long last = lastSweep.get();
    // one caller wins the CAS and sweeps; the others go on without waiting
    if (now - last >= SWEEP_INTERVAL_NANOS && lastSweep.compareAndSet(last, now)) {
      sweep();
    }
  }

  /** Mutated only inside the map's compute for its key. */
  private static final class Bucket {
    double tokens;
    long refilledAt;

    Bucket(int burst, long now) {
      this.tokens = burst;
      this.refilledAt = now;
    }

    void refill(long now, int perSecond) {
      long elapsed = now - refilledAt;
      if (elapsed > 0) {
        tokens = Math.min(perSecond, tokens + elapsed / NANOS_PER_SECOND * perSecond);
        refilledAt = now;
      }
    }
  }
}
