package io.streamcast.core;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Encodes events as newline-delimited JSON: one {@code {"id":..,"event":..,"data":..}} object per
 * line. JSON string escaping keeps every line break of the data inside its object.
 */
public final class NdjsonEncoder {

  private static final Buffer HEARTBEAT = Buffer.buffer("\n");

  private NdjsonEncoder() {
  }

  /**
   * @param id event id, or null (encoded as JSON null)
   * @param type event type
   * @param data event data
   * @return one line of NDJSON, newline included
   */
  public static Buffer event(String id, String type, String data) {
    JsonObject line = new JsonObject().put("id", id).put("event", type).put("data", data);
    return line.toBuffer().appendByte((byte) '\n');
  }

  /** @return the keep-alive line: an empty line, which NDJSON readers skip */
  public static Buffer heartbeat() {
    return HEARTBEAT;
  }
}
