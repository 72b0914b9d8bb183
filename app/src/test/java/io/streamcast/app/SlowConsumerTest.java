package io.streamcast.app;

import static io.streamcast.app.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code --slow-consumer-timeout-seconds} on a real node over a real socket: a client that stops reading
 * while events keep coming fills its connection; once the connection has taken no bytes for the timeout the
 * node drops it (nothing in-band can reach a client that reads nothing), counts it in {@code
 * streamcast_slow_consumer_disconnects_total}, and the client, reading again, finds the connection closed
 * and resumes with its last id from history without losing an event.
 */
@ExtendWith(VertxExtension.class)
class SlowConsumerTest {

  private static final String DISCONNECTS = "streamcast_slow_consumer_disconnects_total";
  private static final Pattern ID = Pattern.compile("(?m)^id: (\\S+)$");
  private static TestCluster cluster;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.SLOW_CONSUMER_TIMEOUT_SECONDS, "2",
        // history holds everything this test publishes, so the resume below is exact (no gap)
        NodeFlag.HISTORY_MAX_BYTES, Integer.toString(64 << 20)));
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static double disconnects() throws IOException, InterruptedException {
    return PrometheusText.scrape(cluster.edge(0)).value(DISCONNECTS);
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aClientThatStopsReadingIsDroppedAndResumesWithoutLoss(Vertx vertx) throws Exception {
    String stream = "slow.reader";
    HttpClient http = LoopHttpClient.create(vertx);
    URI edge = URI.create(cluster.edge(0));
    double before = disconnects();
    try (Socket socket = new Socket()) {
      // a small receive window: the node's side of the connection fills after a few MB
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress(edge.getHost(), edge.getPort()), 5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /streams/" + stream + " HTTP/1.1\r\nHost: " + edge.getAuthority()
          + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      socket.setSoTimeout(10_000);
      readUntil(in, received, "\r\n\r\n");
      assertTrue(received.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"), received.toString());

      // the client reads nothing more while ~13 MB are published
      String pad = "x".repeat(16 * 1024);
      await(Publishing.publishSequence(http, cluster.publish(0), stream, "e", 0, 800, pad));
      long deadline = System.currentTimeMillis() + 30_000;
      while (disconnects() < before + 1 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertEquals(before + 1, disconnects(), "dropped once the connection took nothing for 2 s, and counted");

      // reading again: what the kernel held, then the end of the connection
      socket.setSoTimeout(20_000);
      boolean closed = drain(in, received);
      assertTrue(closed, "the node closed the connection");
      String wire = new String(received.toByteArray(), StandardCharsets.UTF_8);
      // only whole events count: the connection may have ended in the middle of one
      wire = wire.substring(0, wire.lastIndexOf("\n\n") + 2);
      String lastId = null;
      for (Matcher m = ID.matcher(wire); m.find(); ) {
        lastId = m.group(1);
      }
      assertNotNull(lastId, "some events arrived before the connection filled up");
      long lastSeq = seq(lastId);
      assertTrue(lastSeq < 799, "the client was behind when it was dropped: last id " + lastId);

      // the client resumes with its last id and gets the rest, from the very next event
      SseProbe resumed = await(SseProbe.open(vertx, http, cluster.edge(0) + "/streams/" + stream,
          Map.of("Last-Event-ID", lastId)));
      int missing = (int) (799 - lastSeq);
      await(resumed.awaitDataEvents(missing, 30_000));
      SseEvent first = resumed.dataEvents().get(0);
      assertEquals(lastSeq + 1, seq(first.id()), "no event lost across the drop");
      assertEquals(799, seq(resumed.dataEvents().get(missing - 1).id()));
      assertTrue(resumed.events.stream().noneMatch(e -> e.type().equals("gap")), "history held it all: no gap");
    }
  }

  private static long seq(String id) {
    return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
  }

  private static void readUntil(InputStream in, ByteArrayOutputStream into, String marker) throws IOException {
    while (!into.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before " + marker.trim() + ": " + into);
      }
      into.write(b);
    }
  }

  /** Reads to the end of the connection; true when the peer closed or reset it, false on a read time-out. */
  private static boolean drain(InputStream in, ByteArrayOutputStream into) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        into.write(chunk, 0, n);
      }
      return true;
    } catch (SocketException reset) {
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    }
  }
}
