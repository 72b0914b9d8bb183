package io.streamcast.core;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Encodes events as {@code text/event-stream}.
 *
 * <p>Data is split on {@code \r\n}, {@code \r} and {@code \n} alike, each line becoming its own
 * {@code data:} field, so no byte of a payload can start a new field or end the event early. The
 * id and type are checked never to hold a line break. The split works on UTF-8 bytes: CR and LF
 * never occur inside a multi-byte sequence, so no decoding is needed.
 */
public final class SseEncoder {

  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final Buffer HEARTBEAT = Buffer.buffer(":\n");

  private SseEncoder() {
  }

  /**
   * @param id event id (no line breaks), or null for none
   * @param type event type; {@code message} is left out
   * @param data UTF-8 data
   * @return the encoded event, ending with the blank line that dispatches it
   */
  public static Buffer event(String id, String type, byte[] data) {
    Buffer out = Buffer.buffer(data.length + 48);
    if (id != null) {
      out.appendBytes(ID).appendBytes(singleLine(id, "id")).appendByte((byte) '\n');
    }
    if (type != null && !EventType.MESSAGE.equals(type)) {
      out.appendBytes(EVENT).appendBytes(singleLine(type, "type")).appendByte((byte) '\n');
    }
    int start = 0;
    int i = 0;
    while (i < data.length) {
      byte b = data[i];
      if (b == '\n' || b == '\r') {
        out.appendBytes(DATA).appendBytes(data, start, i - start).appendByte((byte) '\n');
        i += (b == '\r' && i + 1 < data.length && data[i + 1] == '\n') ? 2 : 1;
        start = i;
      } else {
        i++;
      }
    }
    out.appendBytes(DATA).appendBytes(data, start, data.length - start).appendByte((byte) '\n');
    return out.appendByte((byte) '\n');
  }

  /** @return an event whose data is a JSON object (gap, error, complete) */
  public static Buffer event(String id, String type, JsonObject data) {
    return event(id, type, data.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** @return the heartbeat comment line (a shared, read-only buffer) */
  public static Buffer heartbeat() {
    return HEARTBEAT;
  }

  private static byte[] singleLine(String value, String what) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\n' || c == '\r' || c == 0) {
        throw new IllegalArgumentException("SSE " + what + " must not contain a line break");
      }
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
