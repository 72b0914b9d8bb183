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
 * @param slowConsumerMillis how long a connection may take no bytes while it holds as much unsent data as it
 *     may, before it is dropped as a slow consumer (the client resumes with its last id); 0 for never
 */
public record StreamLimits(long maxStreamMillis, long bytesPerWindow, long windowMillis, long slowConsumerMillis) {

  /** No limit. */
  public static final StreamLimits NONE = new StreamLimits(0, 0, 60_000, 0);

  /** Validates the figures. */
  public StreamLimits {
    if (maxStreamMillis < 0 || bytesPerWindow < 0 || windowMillis < 1 || slowConsumerMillis < 0) {
      throw new IllegalArgumentException("stream limits must be 0 or more (window: 1 ms or more), got "
          + maxStreamMillis + ", " + bytesPerWindow + ", " + windowMillis + ", " + slowConsumerMillis);
    }
  }
}
