package io.streamcast.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-user token bucket on a fake clock: burst, continuous refill, Retry-After, idle buckets dropped. */
class UserRateLimiterTest {

  private static final long MS = 1_000_000L;

  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final UserRateLimiter limiter = new UserRateLimiter(5, now::get);

  @Test
  void burstOfThePerSecondFigureThenRefusedUntilATokenRefills() {
    for (int i = 0; i < 5; i++) {
      assertEquals(0, limiter.tryAcquire("alice"), "token " + (i + 1) + " of the burst");
    }
    assertEquals(1, limiter.tryAcquire("alice"), "one token is 200 ms away: Retry-After rounds up to 1");
    assertEquals(0, limiter.tryAcquire("bob"), "another user has a bucket of their own");
    now.addAndGet(199 * MS);
    assertEquals(1, limiter.tryAcquire("alice"), "not quite refilled");
    now.addAndGet(2 * MS);
    assertEquals(0, limiter.tryAcquire("alice"), "one token back after 200 ms");
    assertEquals(1, limiter.tryAcquire("alice"));
  }

  @Test
  void retryAfterRoundsUpToWholeSeconds() {
    UserRateLimiter slow = new UserRateLimiter(1, now::get);
    assertEquals(0, slow.tryAcquire("alice"));
    assertEquals(1, slow.tryAcquire("alice"));
    now.addAndGet(100 * MS);
    assertEquals(1, slow.tryAcquire("alice"), "0.9 s to wait is 1 s");
  }

  @Test
  void fullBucketsOfIdleUsersAreDropped() {
    limiter.tryAcquire("alice");
    limiter.tryAcquire("bob");
    assertEquals(2, limiter.trackedUsers());
    now.addAndGet(100 * MS);
    limiter.sweep();
    assertEquals(2, limiter.trackedUsers(), "not refilled yet: kept, or the user would get a fresh burst");
    now.addAndGet(UserRateLimiter.SWEEP_INTERVAL_NANOS);
    limiter.tryAcquire("carol");
    assertEquals(1, limiter.trackedUsers(), "the sweep, due on a later call, dropped the full buckets");
  }

  @Test
  void aPerSecondFigureBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new UserRateLimiter(0));
  }
}
