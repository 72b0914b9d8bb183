package io.streamcast.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff between attempts: the delay doubles from a base at each consecutive failure, up to a
 * maximum, and is shortened by a random share so that many clients dropped by the same node do not all
 * come back in the same millisecond.
 *
 * @param initialDelay the base delay, used for the first retry unless the server set one (SSE {@code retry:})
 * @param maxDelay     the longest delay, also the cap on a server-given base or {@code Retry-After}
 * @param jitter       the share of a delay that may be randomly removed, from 0 (none) to 1
 */
public record Backoff(Duration initialDelay, Duration maxDelay, double jitter) {

  /** 250 ms doubling up to 10 s, with 20 % jitter. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10), 0.2);

  /**
   * Checks the values.
   *
   * @param initialDelay the base delay, not negative
   * @param maxDelay     the longest delay, at least the initial delay
   * @param jitter       the random share, within [0, 1]
   * @throws IllegalArgumentException if a value is out of its range
   */
  public Backoff {
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (initialDelay.isNegative()) {
      throw new IllegalArgumentException("initialDelay must not be negative: " + initialDelay);
    }
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("maxDelay " + maxDelay + " is below initialDelay " + initialDelay);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter must be within [0, 1]: " + jitter);
    }
  }

  /**
   * The delay before an attempt, from this backoff's initial delay.
   *
   * @param attempt the number of consecutive failures so far, from 1
   * @return the delay, jitter applied
   */
  public Duration delay(int attempt) {
    return delay(attempt, initialDelay);
  }

  /**
   * The delay before an attempt, from a given base (such as the reconnection time an SSE server set).
   *
   * @param attempt the number of consecutive failures so far, from 1
   * @param base    the delay of the first attempt, capped at {@link #maxDelay()}
   * @return the delay, jitter applied, never above {@link #maxDelay()}
   */
  public Duration delay(int attempt, Duration base) {
    return delay(attempt, base, ThreadLocalRandom.current().nextDouble());
  }

  /** As {@link #delay(int, Duration)}, with the random draw given, in [0, 1), so tests can fix it. */
  Duration delay(int attempt, Duration base, double random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt counts from 1: " + attempt);
    }
    long max = maxDelay.toMillis();
    long delay = Math.min(base.toMillis(), max);
    // Doubling stops at the cap, so any attempt number is safe from overflow.
    for (int i = 1; i < attempt && delay < max; i++) {
      delay = Math.min(max, delay * 2);
    }
    return Duration.ofMillis(Math.round(delay * (1 - jitter * random)));
  }
}
