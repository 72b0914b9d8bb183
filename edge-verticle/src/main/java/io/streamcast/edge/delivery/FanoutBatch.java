package io.streamcast.edge.delivery;

import io.streamcast.core.StreamEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The consecutive events one feed hands to its live subscribers in one event-loop turn.
 *
 * <p>Why: under load several events reach a feed before its fan-out runs (the bus delivers a burst
 * of publishes as a burst of tasks). Written one by one, each event costs every connection a pass
 * through the transport; as one batch, a connection gets them in one write and one flush, whatever
 * the burst's size. The transport encodes a batch once for all its subscribers and keeps that
 * encoding here ({@link #encodings}); a lone event reuses the event's own shared encodings.
 *
 * <p>Confined to the edge's event loop.
 */
public final class FanoutBatch {

  private boolean shared = true;
  private final List<StreamEvent> events = new ArrayList<>(4);
  /** What the transport built from this batch, shared by every connection; null until it needs it. */
  private Object encodings;

  /** Appends the next event; sequences must be consecutive. */
  public void add(StreamEvent e) {
    if (!events.isEmpty() && e.seq() != lastSeq() + 1) {
      throw new IllegalArgumentException("batch holds up to " + lastSeq() + ", got " + e.seq());
    }
    events.add(e);
  }

  /** @return how many events it holds */
  public int size() {
    return events.size();
  }

  /** @return its {@code i}-th event */
  public StreamEvent get(int i) {
    return events.get(i);
  }

  /** @return the sequence of its first event */
  public long firstSeq() {
    return events.get(0).seq();
  }

  /** @return the sequence of its last event */
  public long lastSeq() {
    return events.get(events.size() - 1).seq();
  }

  /** @return whether the batch ends with the stream's {@code complete} event (nothing can follow it) */
  public boolean endsStream() {
    return events.get(events.size() - 1).isComplete();
  }

  /**
   * Says whether the batch goes to more than one connection: only then is it worth building its
   * encodings once in memory every connection shares.
   */
  public void shared(boolean shared) {
    this.shared = shared;
  }

  /** @return whether more than one connection receives it */
  public boolean shared() {
    return shared;
  }

  /** @return what the transport built from this batch (its encodings), or null */
  public Object encodings() {
    return encodings;
  }

  /** Keeps what the transport built from this batch, for the next connections. */
  public void encodings(Object encodings) {
    this.encodings = encodings;
  }
}
