package io.streamcast.edge.delivery;

import io.streamcast.core.ApiError;
import io.streamcast.core.SubscriberCounts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Every open subscription of this node: the connection count behind the connection limit, the
 * per-user count behind the per-user limit, and the list a drain, a token expiry or a lost quorum
 * closes. It opens subscriptions and hears of their end through a callback, so a subscription
 * never calls into the ledger.
 *
 * <p>Confined to the edge verticle's event loop, like the subscriptions it holds.
 */
public final class SubscriptionLedger {

  private final DeliveryMeters meters;
  private final Set<Subscription> open = new LinkedHashSet<>();
  /**
   * Open subscriptions per user, for the per-user limit; only subscriptions with a user (auth on
   * and a limit set) are counted, and a user leaves the map with their last close.
   */
  private final Map<String, Integer> perUser = new HashMap<>();
  /** One callback for every subscription, not one per subscription. */
  private final Consumer<Subscription> onClosed = this::closed;

  /** Cluster-wide subscriber counts (job idle cancellation, {@code subscribers} in info); null when not kept. */
  private final SubscriberCounts counts;

  /**
   * @param meters the node's delivery meters, which the subscriptions report to
   * @param counts cluster-wide subscriber counts to keep, or null
   */
  public SubscriptionLedger(DeliveryMeters meters, SubscriberCounts counts) {
    this.meters = meters;
    this.counts = counts;
  }

  /**
   * Opens a subscription of {@code feed} writing to {@code sink} and counts it; start it with
   * {@link Subscription#startLive}, {@link Subscription#startReplay} or {@link Subscription#endDeleted}.
   *
   * @param expiresAtMillis when the client's access token expires; {@link Long#MAX_VALUE}: never
   * @param user the user counted in the per-user limit, or null
   */
  public Subscription open(StreamFeed feed, Sink sink, long expiresAtMillis, String user) {
    Subscription s = new Subscription(feed, sink, meters, expiresAtMillis, user, onClosed);
    open.add(s);
    meters.opened(s.stream());
    if (counts != null) {
      counts.opened(s.stream());
    }
    if (user != null) {
      perUser.merge(user, 1, Integer::sum);
    }
    return s;
  }

  private void closed(Subscription s) {
    if (!open.remove(s)) {
      return;
    }
    // every close path (client gone, drain, token expiry, completion, errors) ends here once
    if (counts != null) {
      counts.closed(s.stream());
    }
    if (s.user() != null) {
      perUser.computeIfPresent(s.user(), (u, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** @return open subscriptions on this node */
  public int connections() {
    return open.size();
  }

  /** @return open subscriptions counted under {@code user} on this node */
  public int connectionsOf(String user) {
    return perUser.getOrDefault(user, 0);
  }

  /**
   * Ends every stream whose access token has expired with {@code event: error} {@code
   * token_expired}. Called from the edge's once-a-second sweep, so expiry costs no timer per
   * connection and a stream outlives its token by at most about a second.
   *
   * @return how many were ended
   */
  public int expire(long nowMillis) {
    List<Subscription> expired = null;
    for (Subscription s : open) {
      if (s.expiredAt(nowMillis)) {
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(s);
      }
    }
    if (expired == null) {
      return 0;
    }
    // failing a subscription removes it from the set, so not while iterating it
    for (Subscription s : expired) {
      s.fail(Subscription.TOKEN_EXPIRED, "the access token expired; reconnect with a fresh token");
    }
    return expired.size();
  }

  /**
   * Ends every open stream with {@code event: error} {@code no_quorum} (a plain {@code 503} for one
   * whose head is not out yet): this node lost the majority, and its clients resume on a node that has it.
   *
   * @return how many were ended
   */
  public int failWithoutQuorum(String reason) {
    List<Subscription> all = snapshot();
    for (Subscription s : all) {
      s.fail(ApiError.NO_QUORUM.code(), reason + "; resume on another node");
    }
    return all.size();
  }

  /** @return a snapshot, safe to iterate while subscriptions close */
  public List<Subscription> snapshot() {
    return new ArrayList<>(open);
  }
}
