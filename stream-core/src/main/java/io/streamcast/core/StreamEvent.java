package io.streamcast.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One event of a stream, as history holds it and as the event bus carries it.
 *
 * <p>Immutable. The wire encodings are computed at most once per event per node and then shared
 * by every subscriber of that node: fan-out writes the same {@link Buffer} to each connection.
 */
public final class StreamEvent {

  private static final byte[] CRLF = {'\r', '\n'};

  private final String stream;
  private final String epoch;
  private final long seq;
  private final String type;
  private final byte[] data;
  private final long publishedAtMillis;

  private volatile String id;
  private volatile String dataText;
  private volatile Buffer sse;
  private volatile Buffer ndjson;
  private volatile ByteBuf sseChunk;
  private volatile ByteBuf ndjsonChunk;

  /**
   * @param stream stream name
   * @param epoch history incarnation
   * @param seq position in history
   * @param type event type ({@link EventType#isWellFormed well formed})
   * @param data UTF-8 bytes of the data; not copied, never modified afterwards
   * @param publishedAtMillis wall-clock time the producer accepted it (for end-to-end latency)
   */
  public StreamEvent(String stream, String epoch, long seq, String type, byte[] data, long publishedAtMillis) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.epoch = Objects.requireNonNull(epoch, "epoch");
    this.seq = seq;
    if (!EventType.isWellFormed(type)) {
      throw new IllegalArgumentException("malformed event type");
    }
    this.type = type;
    this.data = Objects.requireNonNull(data, "data");
    this.publishedAtMillis = publishedAtMillis;
  }

  /** @return the stream name */
  public String stream() {
    return stream;
  }

  /** @return the history incarnation */
  public String epoch() {
    return epoch;
  }

  /** @return the position in history */
  public long seq() {
    return seq;
  }

  /** @return the wire id, {@code <epoch>-<seq>} */
  public String id() {
    String s = id;
    if (s == null) {
      s = EventId.format(epoch, seq);
      id = s;
    }
    return s;
  }

  /** @return the event type */
  public String type() {
    return type;
  }

  /** @return whether this is the stream's {@code complete} event */
  public boolean isComplete() {
    return EventType.COMPLETE.equals(type);
  }

  /** @return the data as UTF-8 bytes (do not modify) */
  public byte[] dataBytes() {
    return data;
  }

  /** @return the data as text */
  public String data() {
    String s = dataText;
    if (s == null) {
      s = new String(data, StandardCharsets.UTF_8);
      dataText = s;
    }
    return s;
  }

  /** @return when the producer accepted the event, epoch millis */
  public long publishedAtMillis() {
    return publishedAtMillis;
  }

  /** @return the SSE encoding, computed once */
  public Buffer sse() {
    Buffer b = sse;
    if (b == null) {
      b = SseEncoder.event(id(), type, data);
      sse = b;
    }
    return b;
  }

  /** @return the NDJSON encoding, computed once */
  public Buffer ndjson() {
    Buffer b = ndjson;
    if (b == null) {
      b = NdjsonEncoder.event(id(), type, data());
      ndjson = b;
    }
    return b;
  }

  /**
   * @return the SSE encoding framed as one HTTP/1.1 chunk ({@code <hex size>\r\n<event>\r\n}), in
   *     direct memory, computed once; write a {@link ByteBuf#duplicate() duplicate} per connection
   */
  public ByteBuf sseChunk() {
    ByteBuf b = sseChunk;
    if (b == null) {
      b = httpChunk(sse());
      sseChunk = b;
    }
    return b;
  }

  /** @return the NDJSON encoding framed as one HTTP/1.1 chunk, like {@link #sseChunk()} */
  public ByteBuf ndjsonChunk() {
    ByteBuf b = ndjsonChunk;
    if (b == null) {
      b = httpChunk(ndjson());
      ndjsonChunk = b;
    }
    return b;
  }

  /**
   * Frames bytes as one chunk of HTTP/1.1 chunked transfer coding, in a direct buffer (the socket
   * write needs no copy) that release() never frees: the garbage collector does, once no
   * connection's outbound queue holds a duplicate of it.
   *
   * @param payload non-empty bytes
   * @return an unreleasable buffer (never write into it): {@code <hex length>\r\n<payload>\r\n}
   */
  public static ByteBuf httpChunk(Buffer payload) {
    byte[] content = payload.getBytes();
    byte[] head = (Integer.toHexString(content.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer direct = ByteBuffer.allocateDirect(head.length + content.length + 2);
    direct.put(head).put(content).put((byte) '\r').put((byte) '\n').flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
  }

  /**
   * Frames (a copy of) bytes as one HTTP/1.1 chunk on the heap: for a one-off
   * write (a control event, or an event read from history for one client), where a direct buffer
   * would cost more than the copy the socket write makes.
   *
   * @param payload non-empty bytes
   * @return a new buffer: {@code <hex length>\r\n<payload>\r\n}
   */
  public static ByteBuf httpChunkHeap(Buffer payload) {
    byte[] content = payload.getBytes();
    byte[] head = (Integer.toHexString(content.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    return Unpooled.wrappedBuffer(head, content, CRLF);
  }

  @Override
  public String toString() {
    return "StreamEvent[" + stream + " " + id() + " " + type + " " + data.length + "B]";
  }
}
