package io.streamcast.core.history;

import io.streamcast.core.EventType;
import io.streamcast.core.StreamEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte form of one event inside a {@link StreamLog}:
 * {@code publishedAtMillis:8 | typeLen:1 | type (ASCII) | data (UTF-8)}, with {@code typeLen 0} for
 * {@code message}, the usual type.
 *
 * <p>Neither the stream, the epoch nor the sequence is stored: the log holds them once for all its
 * events, so a 100-byte event costs 109 bytes plus the array header.
 */
final class LogRecord {

  private LogRecord() {
  }

  static byte[] encode(String type, byte[] data, long publishedAtMillis) {
    byte[] t = EventType.MESSAGE.equals(type) ? new byte[0] : type.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(8 + 1 + t.length + data.length);
    out.putLong(publishedAtMillis).put((byte) t.length).put(t).put(data);
    return out.array();
  }

  static long publishedAtMillis(byte[] record) {
    return ByteBuffer.wrap(record).getLong(0);
  }

  static StreamEvent decode(String stream, String epoch, long seq, byte[] record) {
    ByteBuffer in = ByteBuffer.wrap(record);
    long publishedAt = in.getLong();
    int typeLen = in.get() & 0xff;
    String type = typeLen == 0 ? EventType.MESSAGE : new String(record, 9, typeLen, StandardCharsets.US_ASCII);
    byte[] data = new byte[record.length - 9 - typeLen];
    System.arraycopy(record, 9 + typeLen, data, 0, data.length);
    return new StreamEvent(stream, epoch, seq, type, data, publishedAt);
  }
}
