package io.streamcast.edge;

import io.streamcast.core.StreamEvent;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Every open subscription of this node: the connection count behind the connection limit, the
 * list a drain closes, and the one log line per closed connection operators read.
 */
final class SubscriptionLedger {

  private static final Logger LOG = Logger.getLogger("io.streamcast.edge.connections");

  private final String nodeName;
  private final Set<Subscription> open = new LinkedHashSet<>();
  private long delivered;
  private long gaps;
  private long replayedEvents;
  private long slowConsumers;

  SubscriptionLedger(String nodeName) {
    this.nodeName = nodeName;
  }

  void opened(Subscription s) {
    open.add(s);
  }

  void closed(Subscription s) {
    if (open.remove(s)) {
      LOG.info(() -> "stream closed: stream=" + s.stream() + " node=" + nodeName + " duration_ms=" + s.durationMillis()
          + " events=" + s.events() + " bytes=" + s.bytes() + " reason=\"" + s.closeReason() + "\"");
    }
  }

  void delivered(Subscription s, StreamEvent e) {
    delivered++;
  }

  /** {@code count} events were just sent to {@code s} from history (replay or catch-up). */
  void replayed(Subscription s, int count) {
    replayedEvents += count;
  }

  void gap(Subscription s) {
    gaps++;
  }

  void slowConsumer(Subscription s) {
    slowConsumers++;
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
    return new ArrayList<>(open);
  }
}
