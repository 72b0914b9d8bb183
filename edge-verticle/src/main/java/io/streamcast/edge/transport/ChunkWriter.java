package io.streamcast.edge.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
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
 * <p>Order: once a response has a writer, every chunk of its body (events, gap and error events,
 * heartbeats) goes through it, on the connection's event loop; only the head (before) and {@code
 * end()} (last) go through Vert.x, so Vert.x's own queue never holds a body chunk that a direct write
 * could overtake. Backpressure: the subscriber stops writing when {@link #writable()} turns false
 * (Netty's high-water mark, 64 KiB by default) and resumes from {@link #whenDrained}, which fires
 * once the socket took everything written before it.
 *
 * <p>Used only for a plain HTTP/1.1 chunked response whose pipeline is what Vert.x builds without
 * compression, idle timeout or traffic shaping ({@code httpEncoder}, then only inbound handlers
 * such as {@code h2c} or the WebSocket extension handler, which lets everything but an upgrade
 * response through, then the connection handler); anything else (HTTP/1.0, HTTP/2, compression) keeps the ordinary path.
 */
public final class ChunkWriter {

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
  public static ChunkWriter of(HttpServerRequest request) {
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
      // between them only handlers that never touch a body chunk on its way out: inbound-only ones
      // (h2c, which removes itself once the first request turns out not to be an upgrade) and the
      // WebSocket extension handler, which passes anything but an upgrade response through
      ChannelHandler h = pipeline.get(names.get(i));
      if (h instanceof ChannelOutboundHandler && !(h instanceof WebSocketServerExtensionHandler)) {
        return null;
      }
    }
    ChannelHandlerContext ctx = pipeline.context("httpEncoder");
    return ctx == null || !ctx.executor().inEventLoop() ? null : new ChunkWriter(ctx);
  }

  /**
   * Queues one chunk for this connection without flushing it; the flush follows at the end of the
   * event-loop turn (at once if the channel's buffer passes its high-water mark). Once a response
   * has a writer, every write of its body must go through it (see the class comment): the caller
   * checks {@link #writable()} and stops writing when it is false, as with {@code writeQueueFull}.
   *
   * @param framedChunk a chunk-framed buffer; a shared unreleasable one is written as a duplicate
   * @return false only off the connection's event loop (the caller then uses {@code response.write})
   */
  public boolean write(ByteBuf framedChunk) {
    if (!encoderContext.executor().inEventLoop()) {
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

  /**
   * Writes one chunk and flushes at once (with anything queued before it): for a caller that
   * already runs at the end of its event-loop turn, such as a feed's fan-out, where waiting for
   * the flush task would only delay the bytes.
   *
   * @param framedChunk a chunk-framed buffer; a shared unreleasable one is written as a duplicate
   * @return false only off the connection's event loop (the caller then uses {@code response.write})
   */
  public boolean writeAndFlush(ByteBuf framedChunk) {
    if (!encoderContext.executor().inEventLoop()) {
      return false;
    }
    encoderContext.writeAndFlush(framedChunk.duplicate(), encoderContext.voidPromise());
    return true;
  }

  /** @return false once the connection holds more unsent bytes than its high-water mark */
  boolean writable() {
    return encoderContext.channel().isWritable();
  }

  /**
   * Runs {@code then} on the event loop once everything written so far has gone to the socket (or
   * the connection closed): the drain signal for a subscriber that stopped at {@link #writable()}.
   */
  void whenDrained(Runnable then) {
    ChannelPromise p = encoderContext.newPromise();
    p.addListener(f -> then.run());
    encoderContext.writeAndFlush(Unpooled.EMPTY_BUFFER, p);
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
