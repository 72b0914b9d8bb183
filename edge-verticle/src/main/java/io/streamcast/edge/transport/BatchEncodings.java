package io.streamcast.edge.transport;

import io.netty.buffer.ByteBuf;
import io.streamcast.core.StreamEvent;
import io.streamcast.edge.delivery.FanoutBatch;
import io.vertx.core.buffer.Buffer;

/**
 * A {@link FanoutBatch} encoded once per wire format for all of its connections: its events back
 * to back, and that framed as one HTTP/1.1 chunk, so a connection gets one chunk, one write and one
 * flush for the whole burst (ADR 7).
 *
 * <p>Built on first use and kept on the batch; a lone event needs none (its own shared encodings
 * serve). Confined to the edge's event loop; the chunks it builds are shared, unreleasable and
 * read-only (connections are written duplicates of them).
 */
public final class BatchEncodings {

  private final ByteBuf[] chunks = new ByteBuf[WireFormat.values().length];
  private final Buffer[] encoded = new Buffer[WireFormat.values().length];

  private BatchEncodings() {
  }

  private static BatchEncodings of(FanoutBatch batch) {
    Object e = batch.encodings();
    if (e == null) {
      e = new BatchEncodings();
      batch.encodings(e);
    }
    return (BatchEncodings) e;
  }

  /**
   * @return every event of the batch in {@code format}, framed as one HTTP/1.1 chunk: in direct
   *     memory, built on first use, when shared (write a duplicate); on the heap otherwise
   */
  public static ByteBuf chunk(FanoutBatch batch, WireFormat format) {
    if (!batch.shared()) {
      // one receiver: a direct buffer (allocated, zeroed, freed by a Cleaner after a GC) costs more
      // than the copy into Netty's pooled direct memory that a heap buffer gets at the socket
      return StreamEvent.httpChunkHeap(encoded(batch, format));
    }
    if (batch.size() == 1) {
      return format.chunk(batch.get(0));
    }
    BatchEncodings encodings = of(batch);
    ByteBuf c = encodings.chunks[format.ordinal()];
    if (c == null) {
      c = StreamEvent.httpChunk(encoded(batch, format));
      encodings.chunks[format.ordinal()] = c;
    }
    return c;
  }

  /** @return every event of the batch in {@code format}, back to back, built on first use */
  public static Buffer encoded(FanoutBatch batch, WireFormat format) {
    if (batch.size() == 1) {
      return format.encode(batch.get(0));
    }
    BatchEncodings encodings = of(batch);
    Buffer b = encodings.encoded[format.ordinal()];
    if (b == null) {
      int length = 0;
      for (int i = 0; i < batch.size(); i++) {
        length += format.encode(batch.get(i)).length();
      }
      b = Buffer.buffer(length);
      for (int i = 0; i < batch.size(); i++) {
        b.appendBuffer(format.encode(batch.get(i)));
      }
      encodings.encoded[format.ordinal()] = b;
    }
    return b;
  }
}
