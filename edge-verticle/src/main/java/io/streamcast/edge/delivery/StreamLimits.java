package io.streamcast.edge.delivery;

/**
 * The limits that end open streams, enforced by the {@link SubscriptionLedger} and its subscriptions.
 *
 * @param maxStreamMillis how long one streaming connection may stay open before it is ended with {@code
 *     event: error} {@code max_duration}; 0 for no limit
 * @param bytesPerWindow bytes one user may receive on this node in one window, over all its streams, before
 *     they end with {@code event: error} {@code quota_exceeded}; 0 for no limit. Only users the ledger is given
 *     (auth on) are counted
 * @param windowMillis the window's length (a minute for a node; tests shorten it)
 */
public record StreamLimits(long maxStreamMillis, long bytesPerWindow, long windowMillis) {

  /** No limit. */
  public static final StreamLimits NONE = new StreamLimits(0, 0, 60_000);

  /** Validates the figures. */
  public StreamLimits {
    if (maxStreamMillis < 0 || bytesPerWindow < 0 || windowMillis < 1) {
      throw new IllegalArgumentException("stream limits must be 0 or more (window: 1 ms or more), got "
          + maxStreamMillis + ", " + bytesPerWindow + ", " + windowMillis);
    }
  }
}
