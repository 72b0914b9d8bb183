package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every role has health (issue 14): a node started with {@code --roles producer} answers
 * {@code /health}, {@code /ready} and {@code /metrics} on its edge port, as a node with the edge does,
 * so a producer-only pod's probes and scrapes work; it serves no streams and no dashboard there.
 */
class RoleHealthTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static TestCluster cluster;
  /** A node with both roles: its edge verticle serves the probes, not the operations verticle. */
  private static TestCluster full;

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.ROLES, "producer"));
    full = TestCluster.start(1);
  }

  @AfterAll
  static void stop() {
    for (TestCluster c : new TestCluster[] {cluster, full}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(cluster.edge(0) + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void producerOnlyNodeAnswersHealthReadyAndMetricsOnItsEdgePort() throws Exception {
    assertTrue(cluster.node(0).httpPort() > 0, "the edge port is open without the edge role");

    HttpResponse<String> health = get("/health");
    assertEquals(200, health.statusCode(), health.body());
    JsonObject body = new JsonObject(health.body());
    assertEquals("UP", body.getString("status"));
    assertEquals("node-1", body.getString("node"));
    assertEquals("node-1", body.getJsonArray("members").getString(0));

    HttpResponse<String> ready = get("/ready");
    assertEquals(200, ready.statusCode(), ready.body());
    assertEquals(true, new JsonObject(ready.body()).getBoolean("ready"));

    // a publish, so the node's own meters have something to show
    HttpResponse<String> published = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.publish(0) + "/streams/rolehealth"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, published.statusCode(), published.body());

    HttpResponse<String> metrics = get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
        metrics.headers().toString());
    assertTrue(metrics.body().contains("streamcast_events_published_total"), "the node's own meters are there");
    assertTrue(metrics.body().contains("node=\"node-1\""), "labelled with the node name");
  }

  @Test
  void producerOnlyNodeServesNoStreamsAndNoDashboard() throws Exception {
    HttpResponse<String> stream = get("/streams/rolehealth");
    assertEquals(404, stream.statusCode());
    assertEquals("not_found", new JsonObject(stream.body()).getString("error"));
    assertEquals(404, get("/dashboard").statusCode());
  }

  /** Load balancers and uptime checkers probe with HEAD: the GET's status and headers, no body, on both verticles. */
  @Test
  void probesAnswerHeadAsTheyAnswerGet() throws Exception {
    for (String base : new String[] {cluster.edge(0), full.edge(0)}) {
      for (String path : new String[] {"/health", "/ready"}) {
        HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode(), base + path);
        assertEquals("", head.body(), base + path);
        assertTrue(head.headers().firstValue("content-type").orElse("").startsWith("application/json"), base + path);
      }
      HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health"))
          .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode(), base);
      assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""), base);
    }
  }
}
