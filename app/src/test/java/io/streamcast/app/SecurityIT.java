package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17 on node processes of the shaded jar, as an operator starts them: a node with auth off
 * bound beyond loopback says so (one warning in its log, {@code "auth":"off"} in {@code /health}),
 * and a node with auth on keeps its secret and its clients' tokens out of its whole log and of
 * {@code /metrics} after an authenticated session. Every request goes to 127.0.0.1.
 */
class SecurityIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private static final String OPEN_WARNING = "AUTH IS OFF";

  private final List<NodeProcess> started = new ArrayList<>();

  @AfterEach
  void stopNodes() throws InterruptedException {
    for (NodeProcess node : started) {
      node.close();
    }
  }

  private NodeProcess start(String name, String bindHost, List<String> flags) throws Exception {
    int clusterPort = TestPorts.free();
    NodeProcess node = new NodeProcess(name, "sec-" + UUID.randomUUID().toString().substring(0, 8), clusterPort,
        TestPorts.free(), TestPorts.free(), List.of(clusterPort),
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), bindHost, flags, Map.of());
    started.add(node);
    node.start();
    node.awaitReady(1, Duration.ofSeconds(60));
    return node;
  }

  private static HttpResponse<String> get(String url, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "text/plain");
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void nodeWithAuthOffBoundBeyondLoopbackWarnsOnceAndSaysSoInHealth() throws Exception {
    // bound to every interface, as a node starts by default; the test itself only talks to 127.0.0.1
    NodeProcess node = start("node-open", "0.0.0.0", List.of());

    HttpResponse<String> health = get(node.edgeUrl() + "/health");
    assertEquals(200, health.statusCode());
    assertEquals("off", new JsonObject(health.body()).getString("auth"), health.body());
    // system streams stay the nodes' own with auth off too
    HttpResponse<String> forged = post(node.publishUrl() + "/streams/_cluster.stats", "{}");
    assertEquals(403, forged.statusCode(), forged.body());
    assertEquals("forbidden", new JsonObject(forged.body()).getString("error"));

    assertEquals(0, node.terminate(Duration.ofSeconds(30)), "drains and exits 0");
    List<String> warnings = Files.readAllLines(node.log(), StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains(OPEN_WARNING)).toList();
    assertEquals(1, warnings.size(), "one warning: " + warnings);
    String warning = warnings.get(0);
    assertTrue(warning.contains("WARNING"), warning);
    assertTrue(warning.contains("0.0.0.0:" + URI.create(node.edgeUrl()).getPort())
        && warning.contains("0.0.0.0:" + URI.create(node.publishUrl()).getPort()), "names the open ports: " + warning);
    assertTrue(warning.contains("--jwt-secret") && warning.contains("--bind-host"), "says what to do: " + warning);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void secretAndTokensNeverReachTheLogOrMetrics() throws Exception {
    String secret = "s3cret-" + UUID.randomUUID();
    NodeProcess node = start("node-secured", "127.0.0.1", List.of("--jwt-secret", secret));
    String edge = node.edgeUrl();
    String pub = node.publishUrl();

    Vertx vertx = Vertx.vertx();
    List<String> tokens = new ArrayList<>();
    String reader;
    String writer;
    try {
      JWTAuth signer = Tokens.hs256(vertx, secret);
      JWTOptions minute = new JWTOptions().setExpiresInSeconds(60);
      reader = signer.generateToken(new JsonObject().put("sub", "reader")
          .put("sub_streams", new JsonArray().add("leak.*").add("_cluster.*")), minute);
      writer = signer.generateToken(new JsonObject().put("sub", "writer")
          .put("pub_streams", new JsonArray().add("leak.*")), minute);
      tokens.add(reader);
      tokens.add(writer);
      tokens.add(Tokens.hs256(vertx, "not-the-node-secret-" + UUID.randomUUID())
          .generateToken(new JsonObject().put("sub", "forger").put("sub_streams", new JsonArray().add("*")), minute));
      tokens.add(signer.generateToken(new JsonObject().put("sub", "late").put("sub_streams", new JsonArray().add("*"))
          .put("exp", System.currentTimeMillis() / 1000 - 60), new JWTOptions()));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    String forged = tokens.get(2);
    String expired = tokens.get(3);
    String garbage = "garbage-token-" + UUID.randomUUID();
    tokens.add(garbage);

    // an authenticated session: subscribe with the token in the query (as EventSource does), publish
    // with it in the header, then what refusals and errors answer
    HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(
            URI.create(edge + "/streams/leak.events?access_token=" + reader)).header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, stream.statusCode());
    HttpResponse<String> published = post(pub + "/streams/leak.events", "hello", "Authorization", "Bearer " + writer);
    assertEquals(201, published.statusCode(), published.body());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = lines.readLine();
      } while (line != null && !line.equals("data: hello"));
      assertEquals("data: hello", line, "the subscriber got the event");
    }

    List<HttpResponse<String>> answers = new ArrayList<>();
    answers.add(post(pub + "/streams/leak.events/complete", "", "Cookie", "streamcast_token=" + reader));
    answers.add(get(edge + "/streams/leak.events", "Authorization", "Bearer " + forged));
    answers.add(get(edge + "/streams/leak.events?access_token=" + expired));
    answers.add(get(edge + "/streams/leak.events", "Cookie", "streamcast_token=" + garbage));
    answers.add(get(edge + "/streams/other?access_token=" + reader));
    answers.add(get(edge + "/streams/leak.events?from=middle&access_token=" + reader));
    answers.add(post(pub + "/streams/_cluster.stats", "x", "Authorization", "Bearer " + writer));
    answers.add(post(pub + "/streams/leak.events?event=gap", "x", "Authorization", "Bearer " + writer));
    answers.add(get(edge + "/no-such-endpoint?access_token=" + reader));
    int[] status = {403, 401, 401, 401, 403, 400, 403, 400, 404};
    for (int i = 0; i < status.length; i++) {
      HttpResponse<String> a = answers.get(i);
      assertEquals(status[i], a.statusCode(), "case " + i + ": " + a.body());
      assertNoSecret("error body " + i, a.body() + a.headers().map(), secret, tokens);
    }
    HttpResponse<String> dashboard = get(edge + "/dashboard?access_token=" + reader);
    assertEquals(200, dashboard.statusCode());
    assertNoSecret("dashboard page", dashboard.body(), secret, tokens);
    assertNoSecret("/health", get(edge + "/health").body(), secret, tokens);

    // the subscriber's stream closed above: wait for its log line, so the log holds the whole session
    awaitLogLine(node, "stream closed: stream=leak.events");
    HttpResponse<String> metrics = get(edge + "/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("streamcast_requests_refused_total"), "the refusals were counted");
    assertNoSecret("/metrics", metrics.body(), secret, tokens);

    assertEquals(0, node.terminate(Duration.ofSeconds(30)), "drains and exits 0");
    String log = Files.readString(node.log(), StandardCharsets.UTF_8);
    assertTrue(log.contains("node node-secured serving"), "the log is the node's: " + log);
    assertFalse(log.contains(OPEN_WARNING), "auth is on: no warning");
    // Vert.x re-registers its own gauges on purpose; Micrometer's warning about it is not an operator's concern
    assertFalse(log.contains("This Gauge has been already registered"), "no warning about Vert.x's gauges: " + log);
    assertNoSecret("the node's log", log, secret, tokens);
  }

  /** Neither the secret nor any token, nor a token's payload or signature part alone, is in {@code text}. */
  private static void assertNoSecret(String where, String text, String secret, List<String> tokens) {
    assertFalse(text.contains(secret), where + " holds the secret");
    for (String token : tokens) {
      assertFalse(text.contains(token), where + " holds a token");
      String[] parts = token.split("\\.");
      // the header part ({"alg":"HS256","typ":"JWT"}) is the same in every token: not a secret
      for (int i = 1; i < parts.length; i++) {
        assertFalse(parts[i].length() >= 16 && text.contains(parts[i]), where + " holds part " + i + " of a token");
      }
    }
  }

  private static void awaitLogLine(NodeProcess node, String needle) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.readString(node.log(), StandardCharsets.UTF_8).contains(needle)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no '" + needle + "' in " + node.log());
  }
}
