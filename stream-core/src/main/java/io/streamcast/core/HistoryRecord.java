package io.streamcast.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte form of an event inside a stream's Ringbuffer.
 *
 * <p>A plain {@code byte[]} needs no Hazelcast serializer registration, so every member can read
 * what any other wrote. The sequence is not stored: it is the Ringbuffer position. The epoch is, so
 * a reader can tell a record of another history incarnation.
 *
 * <pre>version:1 | epochLen:1 | epoch | publishedAtMillis:8 | typeLen:2 | type | data (UTF-8)</pre>
 *
 * <p>An event published with an {@code Idempotency-Key} carries the key too (version 2), so that a
 * publish whose outcome is unknown (its node died between append and recording the key, or the append
 * failed after the backup had it) can be looked up in history instead of being appended twice:
 *
 * <pre>version:2 | epochLen:1 | epoch | publishedAtMillis:8 | typeLen:2 | type | keyLen:2 | key (ASCII) | data</pre>
 */
public final class HistoryRecord {

  private static final byte VERSION = 1;
  private static final byte VERSION_WITH_KEY = 2;

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

  /**
   * @param idempotencyKey the publish's {@code Idempotency-Key} (visible ASCII), or null
   * @return the record bytes for an event that has no sequence yet
   */
  public static byte[] encode(String epoch, String type, byte[] data, long publishedAtMillis, String idempotencyKey) {
    if (idempotencyKey == null) {
      return encode(epoch, type, data, publishedAtMillis);
    }
    byte[] e = epoch.getBytes(StandardCharsets.US_ASCII);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    byte[] k = idempotencyKey.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(1 + 1 + e.length + 8 + 2 + t.length + 2 + k.length + data.length);
    out.put(VERSION_WITH_KEY).put((byte) e.length).put(e).putLong(publishedAtMillis)
        .putShort((short) t.length).put(t).putShort((short) k.length).put(k).put(data);
    return out.array();
  }

  /** @return the {@code Idempotency-Key} a record was published with, or null */
  public static String idempotencyKey(byte[] record) {
    ByteBuffer in = ByteBuffer.wrap(record);
    if (in.get() != VERSION_WITH_KEY) {
      return null;
    }
    int epochLen = in.get();
    in.position(in.position() + epochLen + 8);
    int typeLen = in.getShort();
    in.position(in.position() + typeLen);
    byte[] k = new byte[in.getShort()];
    in.get(k);
    return new String(k, StandardCharsets.US_ASCII);
  }

  /** @return when the record's event was published, epoch millis */
  public static long publishedAtMillis(byte[] record) {
    ByteBuffer in = ByteBuffer.wrap(record);
    in.get();
    int epochLen = in.get();
    in.position(in.position() + epochLen);
    return in.getLong();
  }

  /** @return the epoch of the history a record was written to */
  public static String epoch(byte[] record) {
    return new String(record, 2, record[1], StandardCharsets.US_ASCII);
  }

  /** @return the event a record at {@code seq} of {@code stream}'s history stands for */
  public static StreamEvent decode(String stream, long seq, byte[] record) {
    ByteBuffer in = ByteBuffer.wrap(record);
    byte version = in.get();
    if (version != VERSION && version != VERSION_WITH_KEY) {
      throw new IllegalStateException("unknown history record version " + version);
    }
    byte[] e = new byte[in.get()];
    in.get(e);
    long publishedAt = in.getLong();
    byte[] t = new byte[in.getShort()];
    in.get(t);
    if (version == VERSION_WITH_KEY) {
      int keyLen = in.getShort();
      in.position(in.position() + keyLen);
    }
    byte[] data = new byte[in.remaining()];
    in.get(data);
    return new StreamEvent(stream, new String(e, StandardCharsets.US_ASCII), seq,
        new String(t, StandardCharsets.US_ASCII), data, publishedAt);
  }
}
