package io.streamcast.client;

import java.time.Instant;

/**
 * An event as a {@link StreamSubscriber} received it: the event, and where and when it came from, which is
 * what a failover drill checks (no gap and no duplicate across nodes, time to resume).
 *
 * @param event       the event
 * @param node        the base URL of the node that sent it
 * @param connection  the number of the connection that carried it, from 1, counting every request made
 * @param connectedAt when that connection's 200 answer arrived
 * @param receivedAt  when the event was dispatched
 */
public record ReceivedEvent(SseEvent event, String node, int connection, Instant connectedAt, Instant receivedAt) {

  /** @return the event id */
  public String id() {
    return event.id();
  }

  /** @return the event type */
  public String type() {
    return event.type();
  }

  /** @return the event data */
  public String data() {
    return event.data();
  }

  /**
   * @return true unless the event is one of the server's control events: {@code gap}, {@code complete} or
   *         {@code error}
   */
  public boolean isData() {
    String type = event.type();
    return !(type.equals(SseEvent.GAP_TYPE) || type.equals(SseEvent.COMPLETE_TYPE)
      || type.equals(SseEvent.ERROR_TYPE));
  }
}
