package io.streamcast.edge;

import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamcastMeters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private final Map<Subscription, Tally> open = new LinkedHashMap<>();
  private long delivered;
  private long gaps;
  private long replayedEvents;
  private long slowConsumers;

  /** What the ledger has already counted of one open subscription. */
  private static final class Tally {
    long bytesCounted;
    long replayed;
  }

  SubscriptionLedger(String nodeName, StreamcastMeters meters) {
    this.nodeName = nodeName;
    this.meters = meters;
  }

  void opened(Subscription s) {
    if (open.putIfAbsent(s, new Tally()) == null) {
      meters.connectionOpened(s.stream());
    }
  }

  void closed(Subscription s) {
    Tally t = open.remove(s);
    if (t == null) {
      return;
    }
    countBytes(s, t);
    meters.connectionClosed(s.stream());
    if (s.closeReason().startsWith(SLOW_CONSUMER_REASON)) {
      meters.slowConsumerDisconnect();
    }
    long replayed = t.replayed;
    LOG.info(() -> "stream closed: stream=" + s.stream() + " node=" + quoted(nodeName) + " duration_ms=" + s.durationMillis()
        + " events=" + s.events() + " replayed=" + replayed + " bytes=" + s.bytes() + " reason=" + quoted(s.closeReason()));
  }

  void delivered(Subscription s, StreamEvent e) {
    delivered++;
    // a subscription in the live set got this from the fan-out (its age is delivery latency);
    // outside it, the event came from history while replaying or catching up
    meters.delivered(e, s.liveIndex >= 0);
    Tally t = open.get(s);
    if (t != null) {
      countBytes(s, t);
    }
  }

  private void countBytes(Subscription s, Tally t) {
    long now = s.bytes();
    meters.deliveredBytes(now - t.bytesCounted);
    t.bytesCounted = now;
  }

  /** {@code count} events were just sent to {@code s} from history (replay or catch-up). */
  void replayed(Subscription s, int count) {
    replayedEvents += count;
    meters.replayed(count);
    Tally t = open.get(s);
    if (t != null) {
      if (t.replayed == 0) {
        meters.replayStarted();
      }
      t.replayed += count;
    }
  }

  void gap(Subscription s) {
    gaps++;
    meters.gap();
    Tally t = open.get(s);
    if (t != null) {
      // the gap control event is written before any event follows: count its bytes now
      countBytes(s, t);
    }
  }

  void slowConsumer(Subscription s) {
    slowConsumers++;
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

  long deliveredEvents() {
    return delivered;
  }

  long gapsSignalled() {
    return gaps;
  }

  long slowConsumerCatchUps() {
    return slowConsumers;
  }

  /** @return a snapshot, safe to iterate while subscriptions close */
  List<Subscription> snapshot() {
    return new ArrayList<>(open.keySet());
  }
}
