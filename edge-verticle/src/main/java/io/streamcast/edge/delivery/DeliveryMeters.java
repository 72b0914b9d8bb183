package io.streamcast.edge.delivery;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamcastMeters;
import java.util.logging.Logger;

/**
 * The node's delivery meters and the one log line per closed connection operators read. Every
 * write adds to two counters here (two field increments, on the event loop), and the shared,
 * thread-safe meters are updated once per fan-out, replay or second, never once per delivery.
 *
 * <p>Confined to the edge verticle's event loop.
 */
public final class DeliveryMeters {

  private static final Logger LOG = Logger.getLogger("io.streamcast.edge.connections");

  /**
   * Close reasons starting with this count as slow-consumer disconnects, for a subscription that
   * closes a client which fell too far behind.
   */
  static final String SLOW_CONSUMER_REASON = "slow consumer";

  private final String nodeName;
  private final StreamcastMeters meters;
  private long unreportedEvents;
  private long unreportedBytes;
  /** The part of the unreported figures that went to system streams' subscribers. */
  private long unreportedSystemEvents;
  private long unreportedSystemBytes;

  /**
   * @param nodeName this node's name, in the close log
   * @param meters the node's meters
   */
  public DeliveryMeters(String nodeName, StreamcastMeters meters) {
    this.nodeName = nodeName;
    this.meters = meters;
  }

  void opened(String stream) {
    meters.connectionOpened(stream);
  }

  /** A subscription ended: its meters, and its close log line. */
  void closed(String stream, long durationMillis, long events, long replayed, long bytes, String reason) {
    report();
    meters.connectionClosed(stream);
    if (reason.startsWith(SLOW_CONSUMER_REASON)) {
      meters.slowConsumerDisconnect();
    }
    LOG.info(() -> "stream closed: stream=" + stream + " node=" + quoted(nodeName) + " duration_ms=" + durationMillis
        + " events=" + events + " replayed=" + replayed + " bytes=" + bytes + " reason=" + quoted(reason));
  }

  /**
   * A subscription wrote {@code events} events (and control events) of {@code bytes} bytes.
   *
   * @param events events written; 0 for a control event (gap, error)
   * @param bytes their encoded size, without HTTP framing
   * @param system whether they went to a system stream's subscriber (counted apart as well)
   */
  void wrote(int events, long bytes, boolean system) {
    unreportedEvents += events;
    unreportedBytes += bytes;
    if (system) {
      unreportedSystemEvents += events;
      unreportedSystemBytes += bytes;
    }
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
  public void report() {
    if (unreportedEvents > 0) {
      meters.delivered(unreportedEvents);
      unreportedEvents = 0;
    }
    if (unreportedBytes > 0) {
      meters.deliveredBytes(unreportedBytes);
      unreportedBytes = 0;
    }
    if (unreportedSystemBytes > 0) {
      meters.systemDelivered(unreportedSystemEvents, unreportedSystemBytes);
      unreportedSystemEvents = 0;
      unreportedSystemBytes = 0;
    }
  }

  /**
   * {@code count} events were just sent to a subscription from history (replay or catch-up).
   *
   * @param first whether they are the first it was served from history
   * @param system whether the subscription is of a system stream
   */
  void replayed(int count, boolean first, boolean system) {
    if (first) {
      meters.replayStarted(system);
    }
    meters.replayed(count, system);
    report();
  }

  /** An open stream was ended by the limit of error code {@code reason} ({@code max_duration}, {@code quota_exceeded}). */
  void limited(String reason) {
    meters.streamLimited(reason);
  }

  void gap() {
    meters.gap();
    report();
  }

  void slowConsumer() {
    meters.slowConsumerCatchUp();
  }

  /** A request on the edge port was refused with {@code reason} (counted if it is a refusal reason). */
  public void refused(ApiError reason) {
    meters.refused(StreamcastMeters.Port.EDGE, reason);
  }

  /** A log value, quoted when it holds anything but a plain token, so each close stays one parsable line. */
  private static String quoted(String value) {
    String v = String.valueOf(value);
    if (v.matches("[A-Za-z0-9._:-]+")) {
      return v;
    }
    return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + '"';
  }
}
