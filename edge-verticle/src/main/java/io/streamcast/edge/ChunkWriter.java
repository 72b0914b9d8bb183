package io.streamcast.edge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.List;

/**
 * Coalesced writes of pre-framed HTTP chunks to one subscriber's connection.
 *
 * <p>Why: Vert.x 5's {@code HttpServerResponse.write} flushes every write that does not happen
 * while that same connection is reading ({@code VertxConnection.write}: {@code flush = !read &&
 * !draining}), so a fan-out turn costs one {@code write(2)} per event per connection, and it
 * allocates a promise, a message and an HTTP content object per write. This writer puts the
 * event's shared, already chunk-framed direct buffer ({@link io.streamcast.core.StreamEvent#sseChunk})
 * straight into the Netty channel <em>without</em> flushing, from the HTTP encoder's context (so
 * the encoder, which would frame it again, is skipped; its state stays "in chunked content"), and
 * one flush per connection runs in a task queued behind the current event-loop task. Events the
 * loop already holds (a burst of bus messages) therefore leave in one flush per connection, while a
 * lone event is flushed as soon as its fan-out turn ends.
 *
 * <p>Order with the ordinary Vert.x writes on the same response (headers, replay control events,
 * heartbeats, {@code end()}) holds because everything runs on the connection's event loop and a
 * direct write is made only while the channel is writable, i.e. while Vert.x holds nothing queued
 * for it (Vert.x queues a response's writes only while the channel is not writable, and drains its
 * queue as soon as it becomes writable again). When the channel is not writable the caller falls
 * back to {@code response.write}, whose queue and drain handler keep the backpressure contract.
 *
 * <p>Used only for a plain HTTP/1.1 chunked response whose pipeline is what Vert.x builds without
 * compression, idle timeout or traffic shaping ({@code httpEncoder}, then at most the WebSocket
 * extension handler, which lets everything but an upgrade response through, then the connection
 * handler); anything else (HTTP/1.0, HTTP/2, compression) keeps the ordinary path.
 */
final class ChunkWriter {

  private static final FastThreadLocal<Flusher> FLUSHERS = new FastThreadLocal<>() {
    @Override
    protected Flusher initialValue() {
      return new Flusher();
    }
  };

  private final ChannelHandlerContext encoderContext;
  private boolean dirty;

  private ChunkWriter(ChannelHandlerContext encoderContext) {
    this.encoderContext = encoderContext;
  }

  /**
   * @param request the subscriber's request, after its chunked response head was written
   * @return a writer for its connection, or null when the connection is not plain HTTP/1.1
   */
  static ChunkWriter of(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_1_1 || !request.response().isChunked()) {
      return null;
    }
    HttpConnection connection = request.connection();
    if (!(connection instanceof ConnectionBase base)) {
      return null;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    List<String> names = pipeline.names();
    int encoder = names.indexOf("httpEncoder");
    int handler = names.indexOf("handler");
    if (encoder < 0 || handler <= encoder) {
      return null;
    }
    for (int i = encoder + 1; i < handler; i++) {
      // between them only the WebSocket extension handler, which passes anything but an upgrade through
      if (!"webSocketExtensionHandler".equals(names.get(i))) {
        return null;
      }
    }
    ChannelHandlerContext ctx = pipeline.context("httpEncoder");
    return ctx == null || !ctx.executor().inEventLoop() ? null : new ChunkWriter(ctx);
  }

  /**
   * Queues one chunk for this connection without flushing it; the flush follows at the end of the
   * event-loop turn (at once if the channel's buffer passes its high-water mark).
   *
   * @param framedChunk a shared, unreleasable, chunk-framed buffer (a duplicate is written)
   * @return false when the caller must use {@code response.write} instead (channel not writable,
   *     or called off the connection's event loop)
   */
  boolean write(ByteBuf framedChunk) {
    if (!encoderContext.channel().isWritable() || !encoderContext.executor().inEventLoop()) {
      return false;
    }
    encoderContext.write(framedChunk.duplicate(), encoderContext.voidPromise());
    if (!encoderContext.channel().isWritable()) {
      // past the high-water mark: write out now rather than grow the buffer for the rest of the turn
      encoderContext.flush();
    } else if (!dirty) {
      dirty = true;
      FLUSHERS.get().add(this);
    }
    return true;
  }

  private void flush() {
    dirty = false;
    encoderContext.flush();
  }

  /** The connections of one event loop written since its last flush task. */
  private static final class Flusher implements Runnable {
    private final List<ChunkWriter> dirty = new ArrayList<>();
    private boolean scheduled;

    void add(ChunkWriter w) {
      dirty.add(w);
      if (!scheduled) {
        scheduled = true;
        w.encoderContext.executor().execute(this);
      }
    }

    @Override
    public void run() {
      scheduled = false;
      // index loop: a flush can fire handlers, which may (rarely) write and add more writers
      for (int i = 0; i < dirty.size(); i++) {
        dirty.get(i).flush();
      }
      dirty.clear();
    }
  }
}
