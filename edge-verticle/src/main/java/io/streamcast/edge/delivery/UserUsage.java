package io.streamcast.edge.delivery;

/**
 * What one user uses on this node: its open streams (the per-user connection limit) and the bytes it
 * received in the current window of the byte quota. Shared by the user's subscriptions, which add
 * their writes to {@link #bytes} with a plain field update: like them, it is confined to the edge's
 * event loop.
 *
 * <p>A window is fixed: it starts with the user's first stream here (or the first moment it is looked
 * at after the previous one ended) and lasts {@link StreamLimits#windowMillis}.
 */
final class UserUsage {

  final String user;
  int connections;
  /** When the current window started, epoch millis. */
  private long windowStart;
  /** Bytes written to the user's streams in the current window (events and control events). */
  long bytes;

  UserUsage(String user, long nowMillis) {
    this.user = user;
    this.windowStart = nowMillis;
  }

  /**
   * Starts a new window if the current one has ended.
   *
   * @return whether it did (the bytes count from 0 again)
   */
  boolean roll(long nowMillis, long windowMillis) {
    if (nowMillis - windowStart < windowMillis) {
      return false;
    }
    windowStart = nowMillis;
    bytes = 0;
    return true;
  }

  /** @return milliseconds until the current window ends, at least 1 */
  long millisLeft(long nowMillis, long windowMillis) {
    return Math.max(1, windowStart + windowMillis - nowMillis);
  }

  /** @return whole seconds until the current window ends, rounded up: a {@code Retry-After} */
  int secondsLeft(long nowMillis, long windowMillis) {
    return (int) Math.min(Integer.MAX_VALUE, (millisLeft(nowMillis, windowMillis) + 999) / 1000);
  }
}
