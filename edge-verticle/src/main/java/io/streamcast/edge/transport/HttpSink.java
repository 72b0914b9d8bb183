package io.streamcast.edge.transport;

import io.streamcast.core.ApiError;
import io.streamcast.core.EventType;
import io.streamcast.core.StreamEvent;
import io.streamcast.edge.delivery.FanoutBatch;
import io.streamcast.edge.delivery.Sink;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;

/**
 * A subscription's HTTP/1.x response as a {@link Sink}: a chunked {@code 200} in the negotiated
 * {@link WireFormat}, written through a {@link ChunkWriter} (coalesced direct writes of pre-framed
 * chunks, ADR 5) where the connection allows it, through {@code HttpServerResponse} otherwise; for an
 * HTTP/1.0 request, the same bytes unchunked up to the connection's close.
 */
public final class HttpSink implements Sink {

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final WireFormat format;
  /** Coalesced direct writes once the head is out; null: plain response writes. */
  private ChunkWriter chunks;
  private boolean headSent;

  /**
   * @param request the subscriber's request
   * @param format the wire format it asked for
   */
  public HttpSink(HttpServerRequest request, WireFormat format) {
    this.request = request;
    this.response = request.response();
    this.format = format;
  }

  @Override
  public void onClose(Handler<Void> closed, Handler<Throwable> failed) {
    response.closeHandler(closed);
    response.exceptionHandler(failed);
  }

  @Override
  public void open() {
    if (headSent) {
      return;
    }
    headSent = true;
    response.setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, format.contentType())
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    if (request.version() == HttpVersion.HTTP_1_0) {
      // HTTP/1.0 (nginx's default towards upstreams, old clients) has no chunks: the body runs to the
      // connection's close. Vert.x refuses writeHead() without a length there but sends the head with
      // a first write, so a heartbeat carries it out now, as writeHead() does for HTTP/1.1.
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      response.write(format.heartbeat());
      return;
    }
    // flush the headers now: a subscriber of a quiet stream must see the 200 before any event
    response.setChunked(true).writeHead();
    chunks = ChunkWriter.of(request);
  }

  @Override
  public boolean isOpen() {
    return headSent;
  }

  @Override
  public int write(StreamEvent e, boolean shared) {
    Buffer encoded = format.encode(e);
    // the feed's events carry a shared chunk-framed direct buffer; one read from history (this
    // client's own copy) is framed on the heap rather than allocating direct memory for it
    if (chunks == null || !chunks.write(shared ? format.chunk(e) : StreamEvent.httpChunkHeap(encoded))) {
      response.write(encoded);
    }
    return encoded.length();
  }

  @Override
  public int write(FanoutBatch batch) {
    // one write and one flush for the whole batch: this runs at the end of the loop's turn already
    if (chunks == null || !chunks.writeAndFlush(BatchEncodings.chunk(batch, format))) {
      response.write(BatchEncodings.encoded(batch, format));
    }
    return BatchEncodings.encoded(batch, format).length();
  }

  @Override
  public int gap(String requested, String resumedAfter) {
    return control(format.control(resumedAfter, EventType.GAP,
        new JsonObject().put("requested", requested).put("resumedAfter", resumedAfter)));
  }

  @Override
  public int error(String code, String message, int retryAfterSeconds) {
    return control(format.error(code, message, retryAfterSeconds));
  }

  /** A control event (gap, error): not an event of the stream. */
  private int control(Buffer b) {
    if (chunks == null || !chunks.write(StreamEvent.httpChunkHeap(b))) {
      response.write(b);
    }
    return b.length();
  }

  @Override
  public void heartbeat() {
    if (chunks == null || !chunks.write(format.heartbeatChunk())) {
      response.write(format.heartbeat());
    }
  }

  @Override
  public boolean writable() {
    return chunks != null ? chunks.writable() : !response.writeQueueFull();
  }

  @Override
  public void whenDrained(Runnable then) {
    if (chunks != null) {
      chunks.whenDrained(then);
    } else {
      response.drainHandler(v -> {
        response.drainHandler(null);
        then.run();
      });
    }
  }

  @Override
  public void end() {
    if (request.version() == HttpVersion.HTTP_1_0) {
      // the end of an HTTP/1.0 body is the connection's close, even if the client asked to keep it
      response.end().onComplete(done -> request.connection().close());
    } else {
      response.end();
    }
  }

  @Override
  public void abort() {
    response.reset();
  }

  @Override
  public void refuse(ApiError error, String message, int retryAfterSeconds) {
    error.send(response, message, retryAfterSeconds);
  }
}
