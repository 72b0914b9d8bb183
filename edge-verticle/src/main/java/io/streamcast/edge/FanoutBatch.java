package io.streamcast.edge;

import io.netty.buffer.ByteBuf;
import io.streamcast.core.StreamEvent;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The consecutive events one feed hands to its live subscribers in one event-loop turn, encoded
 * once per wire format for all of them.
 *
 * <p>Why: under load several events reach a feed before its fan-out runs (the bus delivers a burst
 * of publishes as a burst of tasks). Written one by one, each event costs every connection a pass
 * through Netty's pipeline and an outbound-buffer entry; as one batch, a connection gets one HTTP
 * chunk holding all of them, one write and one flush, whatever the burst's size. A lone event is a
 * batch of one and reuses the event's own shared chunk.
 *
 * <p>Confined to the edge's event loop; the buffers it builds are shared, unreleasable and read-only
 * (connections are written duplicates of them).
 */
final class FanoutBatch {

  private boolean shared = true;

  private final List<StreamEvent> events = new ArrayList<>(4);
  private final ByteBuf[] chunks = new ByteBuf[WireFormat.values().length];
  private final Buffer[] encoded = new Buffer[WireFormat.values().length];

  /** Appends the next event; sequences must be consecutive. */
  void add(StreamEvent e) {
    if (!events.isEmpty() && e.seq() != lastSeq() + 1) {
      throw new IllegalArgumentException("batch holds up to " + lastSeq() + ", got " + e.seq());
    }
    events.add(e);
  }

  int size() {
    return events.size();
  }

  StreamEvent get(int i) {
    return events.get(i);
  }

  long firstSeq() {
    return events.get(0).seq();
  }

  long lastSeq() {
    return events.get(events.size() - 1).seq();
  }

  /** @return whether the batch ends with the stream's {@code complete} event (nothing can follow it) */
  boolean endsStream() {
    return events.get(events.size() - 1).isComplete();
  }

  /**
   * Says whether the batch goes to more than one connection: only then is its chunk built once in
   * direct memory and shared.
   */
  void shared(boolean shared) {
    this.shared = shared;
  }

  /**
   * @return every event of the batch in {@code format}, framed as one HTTP/1.1 chunk: in direct
   *     memory, built on first use, when shared (write a duplicate); on the heap otherwise
   */
  ByteBuf chunk(WireFormat format) {
    if (!shared) {
      // one receiver: a direct buffer (allocated, zeroed, freed by a Cleaner after a GC) costs more
      // than the copy into Netty's pooled direct memory that a heap buffer gets at the socket
      return StreamEvent.httpChunkHeap(encoded(format));
    }
    if (events.size() == 1) {
      return format.chunk(events.get(0));
    }
    ByteBuf c = chunks[format.ordinal()];
    if (c == null) {
      c = StreamEvent.httpChunk(encoded(format));
      chunks[format.ordinal()] = c;
    }
    return c;
  }

  /** @return every event of the batch in {@code format}, back to back, built on first use */
  Buffer encoded(WireFormat format) {
    if (events.size() == 1) {
      return format.encode(events.get(0));
    }
    Buffer b = encoded[format.ordinal()];
    if (b == null) {
      int length = 0;
      for (StreamEvent e : events) {
        length += format.encode(e).length();
      }
      b = Buffer.buffer(length);
      for (StreamEvent e : events) {
        b.appendBuffer(format.encode(e));
      }
      encoded[format.ordinal()] = b;
    }
    return b;
  }
}
