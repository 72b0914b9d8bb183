package io.streamcast.edge;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamcastMeters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Every open subscription of this node: the connection count behind the connection limit, the
 * list a drain closes, the node's delivery meters, and the one log line per closed connection
 * operators read.
 *
 * <p>Confined to the edge verticle's event loop, like the subscriptions that report to it.
 */
final class SubscriptionLedger {

  private static final Logger LOG = Logger.getLogger("io.streamcast.edge.connections");

  /**
   * Close reasons starting with this count as slow-consumer disconnects, for a subscription that
   * closes a client which fell too far behind.
   */
  static final String SLOW_CONSUMER_REASON = "slow consumer";

  private final String nodeName;
  private final StreamcastMeters meters;
  private final Set<Subscription> open = new LinkedHashSet<>();
  /**
   * Open subscriptions per user, for the per-user limit; only subscriptions with a user (auth on
   * and a limit set) are counted, and a user leaves the map with their last close.
   */
  private final Map<String, Integer> perUser = new HashMap<>();
  /**
   * Written to clients since the last {@link #report()}: every write adds here (two field
   * increments, on the event loop), and the shared, thread-safe meters are updated once per
   * fan-out, replay or second, never once per delivery.
   */
  private long unreportedEvents;
  private long unreportedBytes;

  /** Cluster-wide subscriber counts (job idle cancellation, {@code subscribers} in info); null when not kept. */
  private final io.streamcast.core.SubscriberCounts counts;

  SubscriptionLedger(String nodeName, StreamcastMeters meters) {
    this(nodeName, meters, null);
  }

  SubscriptionLedger(String nodeName, StreamcastMeters meters, io.streamcast.core.SubscriberCounts counts) {
    this.nodeName = nodeName;
    this.meters = meters;
    this.counts = counts;
  }

  void opened(Subscription s) {
    if (open.add(s)) {
      meters.connectionOpened(s.stream());
      if (counts != null) {
        counts.opened(s.stream());
      }
      if (s.user() != null) {
        perUser.merge(s.user(), 1, Integer::sum);
      }
    }
  }

  void closed(Subscription s) {
    if (!open.remove(s)) {
      return;
    }
    report();
    meters.connectionClosed(s.stream());
    if (counts != null) {
      counts.closed(s.stream());
    }
    if (s.user() != null) {
      // every close path (client gone, drain, token expiry, completion, errors) ends here once
      perUser.computeIfPresent(s.user(), (u, n) -> n > 1 ? n - 1 : null);
    }
    if (s.closeReason().startsWith(SLOW_CONSUMER_REASON)) {
      meters.slowConsumerDisconnect();
    }
    LOG.info(() -> "stream closed: stream=" + s.stream() + " node=" + quoted(nodeName) + " duration_ms=" + s.durationMillis()
        + " events=" + s.events() + " replayed=" + s.replayed() + " bytes=" + s.bytes() + " reason=" + quoted(s.closeReason()));
  }

  /**
   * A subscription wrote {@code events} events (and control events) of {@code bytes} bytes.
   *
   * @param events events written; 0 for a control event (gap, error)
   * @param bytes their encoded size, without HTTP framing
   */
  void wrote(int events, long bytes) {
    unreportedEvents += events;
    unreportedBytes += bytes;
  }

  /**
   * A feed handed {@code batch} to its live subscribers: their latency is measured once per event
   * here, when the fan-out ends, rather than once per delivery.
   *
   * @param reached whether any live subscriber was offered it
   */
  void fannedOut(FanoutBatch batch, boolean reached) {
    if (reached) {
      meters.fanOut();
      long now = System.currentTimeMillis();
      for (int i = 0; i < batch.size(); i++) {
        meters.fannedOut(now - batch.get(i).publishedAtMillis());
      }
    }
    report();
  }

  /** Pushes what was written since the last report to the node's meters. */
  void report() {
    if (unreportedEvents > 0) {
      meters.delivered(unreportedEvents);
      unreportedEvents = 0;
    }
    if (unreportedBytes > 0) {
      meters.deliveredBytes(unreportedBytes);
      unreportedBytes = 0;
    }
  }

  /**
   * {@code count} events were just sent to a subscription from history (replay or catch-up).
   *
   * @param first whether they are the first it was served from history
   */
  void replayed(int count, boolean first) {
    if (first) {
      meters.replayStarted();
    }
    meters.replayed(count);
    report();
  }

  void gap() {
    meters.gap();
    report();
  }

  void slowConsumer() {
    meters.slowConsumerCatchUp();
  }

  /** A log value, quoted when it holds anything but a plain token, so each close stays one parsable line. */
  private static String quoted(String value) {
    String v = String.valueOf(value);
    if (v.matches("[A-Za-z0-9._:-]+")) {
      return v;
    }
    return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + '"';
  }

  int connections() {
    return open.size();
  }

  /** @return open subscriptions counted under {@code user} on this node */
  int connectionsOf(String user) {
    return perUser.getOrDefault(user, 0);
  }

  /** @return users with at least one counted subscription open */
  int usersWithConnections() {
    return perUser.size();
  }

  /** A request on the edge port was refused with {@code reason} (counted if it is a refusal reason). */
  void refused(ApiError reason) {
    meters.refused(StreamcastMeters.Port.EDGE, reason);
  }

  /**
   * Ends every stream whose access token has expired with {@code event: error} {@code
   * token_expired}. Called from the edge's once-a-second sweep, so expiry costs no timer per
   * connection and a stream outlives its token by at most about a second.
   *
   * @return how many were ended
   */
  int expire(long nowMillis) {
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
  int failWithoutQuorum(String reason) {
    List<Subscription> all = snapshot();
    for (Subscription s : all) {
      s.fail(ApiError.NO_QUORUM.code(), reason + "; resume on another node");
    }
    return all.size();
  }

  /** @return a snapshot, safe to iterate while subscriptions close */
  List<Subscription> snapshot() {
    return new ArrayList<>(open);
  }
}
