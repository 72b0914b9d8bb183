package io.streamcast.edge.delivery;

/**
 * Where one {@link Subscription} stands between history and the live feed. It is live only once it
 * has everything the feed already handed out, and leaves live (for history, at its own pace) when
 * its connection cannot keep up or the feed jumped past it.
 *
 * <pre>
 * OPENING --startLive--> LIVE
 * OPENING --startReplay--> CATCHING_UP
 * CATCHING_UP --feed's recent events reach the feed's position--> LIVE
 * CATCHING_UP --the next events are only in history--> REPLAYING --read done--> CATCHING_UP
 * CATCHING_UP, REPLAYING --connection full--> DRAINING --drained--> CATCHING_UP
 * LIVE --connection full--> DRAINING;  LIVE --feed jumped past it--> CATCHING_UP
 * any --complete, error, close, client gone--> DONE
 * </pre>
 */
public enum SubscriptionState {
  /** Created, nothing sent or asked yet. */
  OPENING,
  /** Not live, taking what it lacks from the feed's recent events; the next step is history or live. */
  CATCHING_UP,
  /** A history read is in flight (at most one at a time). */
  REPLAYING,
  /** Waiting for the connection to write out what it holds, then catching up. */
  DRAINING,
  /** In the feed's live set: receives each fan-out batch. */
  LIVE,
  /** Ended: nothing more is written. */
  DONE
}
