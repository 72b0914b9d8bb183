package io.streamcast.edge.transport;

import io.streamcast.core.EventType;
import io.streamcast.core.NdjsonEncoder;
import io.streamcast.core.SseEncoder;
import io.streamcast.core.StreamEvent;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** The two encodings a subscriber can ask for on the same URL. */
public enum WireFormat {
  SSE("text/event-stream") {
    @Override
    Buffer encode(StreamEvent e) {
      return e.sse();
    }

    @Override
    ByteBuf chunk(StreamEvent e) {
      return e.sseChunk();
    }

    @Override
    Buffer control(String id, String type, JsonObject data) {
      return SseEncoder.event(id, type, data);
    }

    @Override
    Buffer heartbeat() {
      return SseEncoder.heartbeat();
    }
  },
  NDJSON("application/x-ndjson") {
    @Override
    Buffer encode(StreamEvent e) {
      return e.ndjson();
    }

    @Override
    ByteBuf chunk(StreamEvent e) {
      return e.ndjsonChunk();
    }

    @Override
    Buffer control(String id, String type, JsonObject data) {
      return NdjsonEncoder.event(id, type, data.encode());
    }

    @Override
    Buffer heartbeat() {
      return NdjsonEncoder.heartbeat();
    }
  };

  private final String contentType;
  private volatile ByteBuf heartbeatChunk;

  WireFormat(String contentType) {
    this.contentType = contentType;
  }

  /** @return {@link #heartbeat} framed as one HTTP/1.1 chunk (shared, unreleasable; event loop only) */
  ByteBuf heartbeatChunk() {
    if (heartbeatChunk == null) {
      heartbeatChunk = StreamEvent.httpChunk(heartbeat());
    }
    return heartbeatChunk;
  }

  /** @return the response content type */
  String contentType() {
    return contentType;
  }

  /** @return the event's encoding, shared by all subscribers of this format */
  abstract Buffer encode(StreamEvent e);

  /** @return {@link #encode} framed as one HTTP/1.1 chunk, shared by all subscribers (see {@link ChunkWriter}) */
  abstract ByteBuf chunk(StreamEvent e);

  /** @return a server-made event (gap, error) */
  abstract Buffer control(String id, String type, JsonObject data);

  /** @return the keep-alive written to idle connections */
  abstract Buffer heartbeat();

  /** @return an {@code error} event with the contract's JSON, and {@code retryAfter} when positive */
  Buffer error(String code, String message, int retryAfterSeconds) {
    JsonObject data = new JsonObject().put("error", code).put("message", message);
    if (retryAfterSeconds > 0) {
      data.put("retryAfter", retryAfterSeconds);
    }
    return control(null, EventType.ERROR, data);
  }

  /** Picks NDJSON only when asked for by {@code Accept}; SSE otherwise (EventSource, curl). */
  public static WireFormat negotiate(String accept) {
    if (accept != null && accept.contains("application/x-ndjson") && !accept.contains("text/event-stream")) {
      return NDJSON;
    }
    return SSE;
  }
}
