package io.streamcast.edge.delivery;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamcastMeters;
import io.streamcast.core.SubscriberCounts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Every open subscription of this node: the connection count behind the connection limit, each
 * user's open streams and bytes behind the per-user limits ({@link UserUsage}), and the list a drain,
 * a token expiry, a lost quorum or {@link StreamLimits#maxStreamMillis} closes. It opens subscriptions and hears of their end through a callback, so a subscription
 * never calls into the ledger.
 *
 * <p>Confined to the edge verticle's event loop, like the subscriptions it holds.
 */
public final class SubscriptionLedger {

  private final DeliveryMeters meters;
  private final StreamLimits limits;
  /** In opening order, which is also the order they reach {@link StreamLimits#maxStreamMillis}. */
  private final Set<Subscription> open = new LinkedHashSet<>();
  /**
   * What each user uses, for the per-user limits; only subscriptions with a user (auth on and a
   * limit set) are counted. A user leaves the map once it has no stream open and, with a byte
   * quota, its window has ended (a spent user stays, so its reconnects are refused until then).
   */
  private final Map<String, UserUsage> perUser = new HashMap<>();
  /** One callback for every subscription, not one per subscription. */
  private final Consumer<Subscription> onClosed = this::closed;

  /** Cluster-wide subscriber counts (job idle cancellation, {@code subscribers} in info); null when not kept. */
  private final SubscriberCounts counts;

  /**
   * A ledger whose streams no limit ends: a test seam (the edge always passes its limits).
   *
   * @param meters the node's delivery meters, which the subscriptions report to
   * @param counts cluster-wide subscriber counts to keep, or null
   */
  SubscriptionLedger(DeliveryMeters meters, SubscriberCounts counts) {
    this(meters, counts, StreamLimits.NONE);
  }

  /**
   * @param meters the node's delivery meters, which the subscriptions report to
   * @param counts cluster-wide subscriber counts to keep, or null
   * @param limits what ends open streams: their duration, their users' bytes per window
   */
  public SubscriptionLedger(DeliveryMeters meters, SubscriberCounts counts, StreamLimits limits) {
    this.meters = meters;
    this.counts = counts;
    this.limits = limits;
  }

  /**
   * Opens a subscription of {@code feed} writing to {@code sink} and counts it; start it with
   * {@link Subscription#startLive}, {@link Subscription#startReplay} or {@link Subscription#endDeleted}.
   *
   * @param expiresAtMillis when the client's access token expires; {@link Long#MAX_VALUE}: never
   * @param user the user counted in the per-user limits, or null
   */
  public Subscription open(StreamFeed feed, Sink sink, long expiresAtMillis, String user) {
    UserUsage usage = null;
    if (user != null) {
      usage = perUser.computeIfAbsent(user, u -> new UserUsage(u, System.currentTimeMillis()));
      usage.connections++;
    }
    Subscription s = new Subscription(feed, sink, meters, expiresAtMillis, usage, limits, onClosed);
    open.add(s);
    meters.opened(s.stream());
    if (counts != null) {
      counts.opened(s.stream());
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
    UserUsage usage = s.usage();
    if (usage != null && --usage.connections == 0 && (limits.bytesPerWindow() == 0 || usage.bytes == 0)) {
      // nothing of it is left to remember; a user with bytes in its window stays until the window ends
      perUser.remove(usage.user);
    }
  }

  /** @return open subscriptions on this node */
  public int connections() {
    return open.size();
  }

  /** @return open subscriptions counted under {@code user} on this node */
  public int connectionsOf(String user) {
    UserUsage usage = perUser.get(user);
    return usage == null ? 0 : usage.connections;
  }

  /** @return the message of a {@code quota_exceeded}, in-stream or a {@code 429} */
  public static String quotaSpent(long quota, int retryAfterSeconds) {
    return "this user received its " + quota + " bytes of the current minute on this node"
        + " (--max-bytes-per-minute-per-user " + quota + "); retry in " + retryAfterSeconds + " s";
  }

  /**
   * @return whole seconds until {@code user} may receive bytes again on this node (a {@code Retry-After}),
   *     or 0 when its quota of the current window is not spent (or there is no quota)
   */
  public int quotaRetryAfterSeconds(String user, long nowMillis) {
    UserUsage usage = user == null || limits.bytesPerWindow() == 0 ? null : perUser.get(user);
    if (usage == null || usage.roll(nowMillis, limits.windowMillis()) || usage.bytes < limits.bytesPerWindow()) {
      return 0;
    }
    return usage.secondsLeft(nowMillis, limits.windowMillis());
  }

  /**
   * The once-a-second upkeep of the stream limits: ends the streams open for {@link
   * StreamLimits#maxStreamMillis} with {@code event: error} {@code max_duration}, starts new byte windows
   * for users whose window ended, forgets users with nothing left to remember, and drops slow consumers
   * ({@link StreamLimits#slowConsumerMillis}).
   *
   * @return how many streams were ended
   */
  public int sweep(long nowMillis) {
    return endOverDuration(nowMillis) + dropSlowConsumers(nowMillis);
  }

  private int endOverDuration(long nowMillis) {
    if (limits.bytesPerWindow() > 0) {
      for (Iterator<UserUsage> it = perUser.values().iterator(); it.hasNext(); ) {
        UserUsage usage = it.next();
        if (usage.roll(nowMillis, limits.windowMillis()) && usage.connections == 0) {
          it.remove();
        }
      }
    }
    if (limits.maxStreamMillis() == 0) {
      return 0;
    }
    // the set is in opening order: the due ones are a prefix, and the walk stops at the first that is not
    List<Subscription> due = null;
    for (Subscription s : open) {
      if (nowMillis - s.startedMillis() < limits.maxStreamMillis()) {
        break;
      }
      if (due == null) {
        due = new ArrayList<>();
      }
      due.add(s);
    }
    if (due == null) {
      return 0;
    }
    long seconds = limits.maxStreamMillis() / 1000;
    for (Subscription s : due) {
      s.end(StreamcastMeters.MAX_DURATION, "the stream was open for the longest this node allows ("
          + "--max-stream-seconds " + seconds + "); reconnect with the last id to continue", 0);
    }
    return due.size();
  }

  /**
   * Drops the connections that took no bytes for {@link StreamLimits#slowConsumerMillis} while full: a
   * client that stopped reading holds its socket buffers and its subscription for as long as the TCP
   * connection lives otherwise (nginx's {@code send_timeout} does the same for nchan). Nothing can be told
   * in-band, the connection being full; the client resumes with its last id when it reads again.
   */
  private int dropSlowConsumers(long nowMillis) {
    if (limits.slowConsumerMillis() == 0) {
      return 0;
    }
    List<Subscription> stalled = picked(s -> s.stalledAt(nowMillis, limits.slowConsumerMillis()));
    for (Subscription s : stalled) {
      s.drop(DeliveryMeters.SLOW_CONSUMER_REASON + ": took no bytes for " + limits.slowConsumerMillis() / 1000
          + " s (--slow-consumer-timeout-seconds)");
    }
    return stalled.size();
  }

  /** The open subscriptions {@code test} picks, copied: ending one removes it from the set, so not while walking it. */
  private List<Subscription> picked(Predicate<Subscription> test) {
    List<Subscription> out = null;
    for (Subscription s : open) {
      if (test.test(s)) {
        if (out == null) {
          out = new ArrayList<>();
        }
        out.add(s);
      }
    }
    return out == null ? List.of() : out;
  }

  /**
   * Ends every stream whose access token has expired with {@code event: error} {@code
   * token_expired}. Called from the edge's once-a-second sweep, so expiry costs no timer per
   * connection and a stream outlives its token by at most about a second.
   *
   * @return how many were ended
   */
  public int expire(long nowMillis) {
    List<Subscription> expired = picked(s -> s.expiredAt(nowMillis));
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
