package io.streamcast.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte form of an event on the clustered event bus (inside {@link StreamEventCodec}'s frame):
 *
 * <pre>version:1 | epochLen:1 | epoch | publishedAtMillis:8 | typeLen:2 | type | data (UTF-8)</pre>
 *
 * <p>History keeps events in a more compact form of its own (the epoch once per stream).
 */
public final class HistoryRecord {

  private static final byte VERSION = 1;

  private HistoryRecord() {
  }

  /** @return the record bytes for an event that has no sequence yet */
  public static byte[] encode(String epoch, String type, byte[] data, long publishedAtMillis) {
    byte[] e = epoch.getBytes(StandardCharsets.US_ASCII);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(1 + 1 + e.length + 8 + 2 + t.length + data.length);
    out.put(VERSION).put((byte) e.length).put(e).putLong(publishedAtMillis)
        .putShort((short) t.length).put(t).put(data);
    return out.array();
  }

  /** @return the event a record at {@code seq} of {@code stream}'s history stands for */
  public static StreamEvent decode(String stream, long seq, byte[] record) {
    ByteBuffer in = ByteBuffer.wrap(record);
    byte version = in.get();
    if (version != VERSION) {
      throw new IllegalStateException("unknown history record version " + version);
    }
    byte[] e = new byte[in.get()];
    in.get(e);
    long publishedAt = in.getLong();
    byte[] t = new byte[in.getShort()];
    in.get(t);
    byte[] data = new byte[in.remaining()];
    in.get(data);
    return new StreamEvent(stream, new String(e, StandardCharsets.US_ASCII), seq,
        new String(t, StandardCharsets.US_ASCII), data, publishedAt);
  }
}
