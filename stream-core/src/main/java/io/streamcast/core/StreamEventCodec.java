package io.streamcast.core;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;

/**
 * Event-bus codec for {@link StreamEvent}. Locally the instance itself is passed on (it is
 * immutable), so a node's edge shares the producer's encoded buffers; across the cluster it
 * travels as {@code streamLen:2 | stream | seq:8 | history record}.
 */
public final class StreamEventCodec implements MessageCodec<StreamEvent, StreamEvent> {

  /** Codec name on the event bus. */
  public static final String NAME = "streamcast.event";

  /**
   * Registers the codec as default for {@link StreamEvent} on {@code vertx}, once: every verticle
   * that sends or receives events calls this, whichever starts first.
   */
  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(StreamEvent.class, new StreamEventCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a verticle deployed earlier on this Vert.x did it
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, StreamEvent e) {
    byte[] stream = e.stream().getBytes(StandardCharsets.US_ASCII);
    byte[] record = HistoryRecord.encode(e.epoch(), e.type(), e.dataBytes(), e.publishedAtMillis());
    buffer.appendShort((short) stream.length).appendBytes(stream)
        .appendLong(e.seq()).appendInt(record.length).appendBytes(record);
  }

  @Override
  public StreamEvent decodeFromWire(int pos, Buffer buffer) {
    int streamLen = buffer.getShort(pos);
    pos += 2;
    String stream = buffer.getString(pos, pos + streamLen, "US-ASCII");
    pos += streamLen;
    long seq = buffer.getLong(pos);
    pos += 8;
    int len = buffer.getInt(pos);
    pos += 4;
    return HistoryRecord.decode(stream, seq, buffer.getBytes(pos, pos + len));
  }

  @Override
  public StreamEvent transform(StreamEvent e) {
    return e;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
