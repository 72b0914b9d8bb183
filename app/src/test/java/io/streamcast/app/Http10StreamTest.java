package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stream read over HTTP/1.0, as nginx asks an upstream by default ({@code proxy_http_version 1.0}) and
 * old clients do: no chunked encoding exists there, so the events come unframed and the body ends when the
 * node closes the connection. Before, the node threw on the head ("You must set the Content-Length
 * header") and the client got a {@code 200} and then nothing.
 */
class Http10StreamTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static TestCluster cluster;

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(1);
  }

  @AfterAll
  static void stop() {
    TestCluster.close(cluster, null);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aCompletedStreamReadOverHttp10IsEveryEventUnframedThenTheClose() throws Exception {
    List<String> ids = publishThenComplete("old.sse", "one", "two\nlines", "three");
    String answer = read("old.sse", "text/event-stream");
    String head = answer.substring(0, answer.indexOf("\r\n\r\n"));
    String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    assertTrue(head.startsWith("HTTP/1.0 200"), head);
    assertTrue(head.toLowerCase().contains("content-type: text/event-stream"), head);
    assertFalse(head.toLowerCase().contains("transfer-encoding"), head);
    String events = "id: " + ids.get(0) + "\ndata: one\n\n"
        + "id: " + ids.get(1) + "\ndata: two\ndata: lines\n\n"
        + "id: " + ids.get(2) + "\ndata: three\n\n";
    assertTrue(body.contains(events), body);
    assertTrue(body.contains("event: complete\n"), body);
    // the body ended with the connection (read() saw EOF); nothing but SSE text in it, no chunk sizes
    for (String line : body.split("\n")) {
      assertTrue(line.isEmpty() || line.startsWith(":") || line.matches("^(id|data|event|retry): ?.*"), line);
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void ndjsonOverHttp10Too() throws Exception {
    List<String> ids = publishThenComplete("old.nd", "a", "b");
    String answer = read("old.nd", "application/x-ndjson");
    assertTrue(answer.startsWith("HTTP/1.0 200"), answer);
    String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    List<JsonObject> lines = body.lines().filter(l -> !l.isBlank()).map(JsonObject::new).toList();
    assertEquals(ids.get(0), lines.get(0).getString("id"));
    assertEquals("a", lines.get(0).getString("data"));
    assertEquals(ids.get(1), lines.get(1).getString("id"));
    assertEquals("complete", lines.get(lines.size() - 1).getString("event"));
  }

  private static List<String> publishThenComplete(String stream, String... data) throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    for (String d : data) {
      ids.add(post("/streams/" + stream, d).getString("id"));
    }
    post("/streams/" + stream + "/complete", "");
    return ids;
  }

  private static JsonObject post(String path, String body) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.publish(0) + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  /** GETs the stream from its start over HTTP/1.0 on a raw socket and reads until the node closes it. */
  private static String read(String stream, String accept) throws IOException {
    URI edge = URI.create(cluster.edge(0));
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(edge.getHost(), edge.getPort()), 5_000);
      // heartbeats keep a socket timeout from firing, and a blocked read ignores the test's timeout: a
      // deadline of its own bounds the wait for the close
      socket.setSoTimeout(500);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      socket.getOutputStream().write(("GET /streams/" + stream + "?from=earliest HTTP/1.0\r\nHost: 127.0.0.1\r\n"
          + "Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      while (true) {
        try {
          int n = in.read(buf);
          if (n == -1) {
            return all.toString(StandardCharsets.UTF_8);
          }
          all.write(buf, 0, n);
        } catch (SocketTimeoutException notYet) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("the node did not end the HTTP/1.0 stream within 15 s; read: "
                + all.toString(StandardCharsets.UTF_8));
          }
        }
      }
    }
  }
}
