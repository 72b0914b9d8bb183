package io.streamcast.bench;

import io.streamcast.core.StreamEvent;
import io.streamcast.edge.delivery.FanoutBatch;
import io.streamcast.edge.transport.BatchEncodings;
import io.streamcast.edge.transport.ChunkWriter;
import io.streamcast.edge.transport.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Local fan-out of encoded events to N subscribers: <b>real Vert.x HTTP/1.1 chunked responses on
 * loopback sockets</b> (not embedded channels), so the figure includes Netty's pipeline and the
 * {@code write(2)}/{@code writev(2)} system calls, as on a node. The N client sockets live in this
 * JVM and are drained by one NIO reader thread (on the other core of a 2-core machine).
 *
 * <p>One operation = {@code burst} events, each written to all N subscribers in one event-loop task
 * (as when the bus hands the feed several events in one turn), then waiting until the writes are
 * flushed. Modes: {@code vertx} = {@code HttpServerResponse.write(Buffer)} per subscriber (the
 * baseline; Vert.x flushes every such write); {@code coalesced} = {@link ChunkWriter} with the
 * event's shared pre-framed chunk (one flush per connection at the end of the turn); {@code
 * batched} = what a feed's fan-out does since ADR 7: the burst as one {@link FanoutBatch}, one
 * shared chunk holding every event ({@link BatchEncodings}), one write and flush per connection.
 * Divide the time per op by {@code subscribers * burst} for the cost per delivered event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class FanoutBenchmark {

  @Param({"1000"})
  public int subscribers;

  @Param({"1", "8"})
  public int burst;

  @Param({"vertx", "coalesced", "batched"})
  public String mode;

  @Param({"true"})
  public boolean nativeTransport;

  private Vertx vertx;
  private HttpServer server;
  private Context context;
  private final List<HttpServerResponse> responses = new ArrayList<>();
  private final List<ChunkWriter> writers = new ArrayList<>();
  private final List<SocketChannel> clients = new ArrayList<>();
  private Selector selector;
  private Thread reader;
  private volatile boolean running = true;
  private final AtomicLong bytesRead = new AtomicLong();
  private StreamEvent[] events;
  private long seq;
  private long fallbacks;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(nativeTransport).setEventLoopPoolSize(1));
    CompletableFuture<Void> allIn = new CompletableFuture<>();
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true)
            .setAcceptBacklog(4096))
        .requestHandler(req -> {
          HttpServerResponse r = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
          r.writeHead();
          context = vertx.getOrCreateContext();
          responses.add(r);
          ChunkWriter w = ChunkWriter.of(req);
          if (w == null && !"vertx".equals(mode)) {
            allIn.completeExceptionally(new IllegalStateException("ChunkWriter not applicable to this pipeline: "
                + ((io.vertx.core.net.impl.ConnectionBase) req.connection()).channel().pipeline().names()
                + " " + req.version() + " chunked=" + req.response().isChunked()));
          }
          writers.add(w);
          if (responses.size() == subscribers) {
            allIn.complete(null);
          }
        });
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    int port = server.actualPort();
    selector = Selector.open();
    byte[] get = ("GET /streams/bench HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < subscribers; i++) {
      SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      c.write(ByteBuffer.wrap(get));
      c.configureBlocking(false);
      clients.add(c);
    }
    for (SocketChannel c : clients) {
      c.register(selector, SelectionKey.OP_READ);
    }
    reader = new Thread(this::drainClients, "fanout-bench-reader");
    reader.setDaemon(true);
    reader.start();
    allIn.get(30, TimeUnit.SECONDS);
    events = new StreamEvent[burst];
  }

  private void drainClients() {
    ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
    try {
      while (running) {
        if (selector.select(100) == 0) {
          continue;
        }
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          int n;
          while ((n = ((SocketChannel) k.channel()).read(buf)) > 0) {
            bytesRead.addAndGet(n);
            buf.clear();
          }
          if (n < 0) {
            k.cancel();
          }
        }
      }
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  @Benchmark
  public long fanout() throws Exception {
    byte[] data = ("t=" + System.nanoTime() + ";" + "x".repeat(77)).getBytes(StandardCharsets.UTF_8);
    for (int b = 0; b < burst; b++) {
      events[b] = new StreamEvent("bench", "mww0gu5l51", seq++, "message", data, 0L);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    boolean coalesced = "coalesced".equals(mode);
    if ("batched".equals(mode)) {
      context.runOnContext(v -> {
        FanoutBatch batch = new FanoutBatch();
        for (StreamEvent e : events) {
          batch.add(e);
        }
        for (int i = responses.size() - 1; i >= 0; i--) {
          if (!writers.get(i).writeAndFlush(BatchEncodings.chunk(batch, WireFormat.SSE))) {
            fallbacks++;
          }
        }
        done.complete(null);
      });
      done.get(10, TimeUnit.SECONDS);
      return fallbacks;
    }
    context.runOnContext(v -> {
      for (StreamEvent e : events) {
        for (int i = responses.size() - 1; i >= 0; i--) {
          HttpServerResponse r = responses.get(i);
          if (coalesced && writers.get(i).write(e.sseChunk())) {
            continue;
          }
          if (coalesced) {
            fallbacks++;
          }
          if (!r.writeQueueFull()) {
            r.write(e.sse());
          }
        }
      }
      // queued behind the coalesced flush task (scheduled at the turn's first write)
      context.runOnContext(x -> done.complete(null));
    });
    done.get(10, TimeUnit.SECONDS);
    return fallbacks;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    running = false;
    reader.join(1000);
    for (SocketChannel c : clients) {
      c.close();
    }
    selector.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    System.out.println("\nbytes read by clients: " + bytesRead.get() + ", coalesced writes that fell back: " + fallbacks);
  }
}
