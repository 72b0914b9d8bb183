package io.streamcast.core;

/**
 * How long and how much history keeps, and when streams are forgotten. Every member of a cluster
 * must use the same policy (the processors that apply it run on whichever member owns a stream).
 *
 * @param capacity events per stream
 * @param maxBytes bytes of event data (and their small headers) per stream
 * @param ttlSeconds seconds an event stays replayable, 0 = no age limit
 * @param idempotencyWindowSeconds seconds an {@code Idempotency-Key} is remembered
 * @param completedRetentionSeconds seconds a completed stream stays resumable before it is deleted
 * @param idleSeconds seconds without events and without subscribers after which a stream is deleted
 * @param tombstoneSeconds seconds a deleted stream's tombstone answers late reconnects ({@code 204})
 * @param budgetBytes bytes of history this member may own before the streams appended to least
 *     recently are trimmed; 0 = no node-wide bound
 */
public record RetentionPolicy(int capacity, long maxBytes, int ttlSeconds, int idempotencyWindowSeconds,
    int completedRetentionSeconds, int idleSeconds, int tombstoneSeconds, long budgetBytes) {

  /** Events a system stream ({@code _cluster.*}) keeps: ten minutes of stats from two nodes. */
  public static final int SYSTEM_STREAM_CAPACITY = 1200;
  /** Seconds a system-stream event stays replayable. */
  public static final int SYSTEM_STREAM_TTL_SECONDS = 600;

  /** Validates; the message names the flag at fault. */
  public RetentionPolicy {
    require(capacity >= 1, "--history-capacity must be at least 1, got " + capacity);
    require(maxBytes >= 1024, "--history-max-bytes must be at least 1024, got " + maxBytes);
    require(ttlSeconds >= 0, "--history-ttl-seconds must be 0 (no limit) or more, got " + ttlSeconds);
    require(idempotencyWindowSeconds >= 1, "--idempotency-window-seconds must be at least 1, got "
        + idempotencyWindowSeconds);
    require(completedRetentionSeconds >= 0, "--completed-retention-seconds must be 0 or more, got "
        + completedRetentionSeconds);
    require(idleSeconds >= 1, "--stream-idle-seconds must be at least 1, got " + idleSeconds);
    require(tombstoneSeconds >= 0, "--tombstone-seconds must be 0 or more, got " + tombstoneSeconds);
    require(budgetBytes >= 0, "--history-budget-bytes must be 0 (no bound) or more, got " + budgetBytes);
  }

  /** @return events a stream keeps ({@code _cluster.*} streams keep fewer) */
  public int capacityOf(String stream) {
    return isSystem(stream) ? Math.min(capacity, SYSTEM_STREAM_CAPACITY) : capacity;
  }

  /** @return seconds an event of the stream stays replayable, 0 for no limit */
  public int ttlSecondsOf(String stream) {
    return isSystem(stream) ? SYSTEM_STREAM_TTL_SECONDS : ttlSeconds;
  }

  /** @return whether the stream is one of the cluster's own ({@code _cluster.*}) */
  public static boolean isSystem(String stream) {
    return stream.startsWith("_cluster.");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
