package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Jobs without a database (issue 12), auth on: the {@code job_kinds} claim, token batching of the
 * {@code tokens} kind, and a node drain interrupting its jobs of kinds that are not restartable (last:
 * it stops a node).
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobLifecycleTest {

  private static final String SECRET = "jobs-test-secret-of-a-reasonable-length-0123456789";
  private static TestCluster cluster;
  private static Vertx vertx;
  private static HttpClient http;
  private static JWTAuth signer;

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(2, Map.of(NodeFlag.JWT_SECRET, SECRET));
    vertx = Vertx.vertx();
    http = LoopHttpClient.create(vertx);
    signer = Tokens.hs256(vertx, SECRET);
  }

  @AfterAll
  static void stop() {
    TestCluster.close(cluster, vertx);
  }

  private static String token(String... kinds) {
    JsonObject claims = new JsonObject().put("sub", "alice").put("sub_streams", new JsonArray().add("job.*"));
    if (kinds.length > 0) {
      claims.put("job_kinds", new JsonArray(java.util.List.of(kinds)));
    }
    return signer.generateToken(claims, new JWTOptions().setExpiresInSeconds(120));
  }

  @Test
  @Order(1)
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void startingAJobNeedsAJobKindsClaimCoveringTheKind() {
    JsonObject params = new JsonObject().put("prompt", "hello").put("tokens", 3);
    assertEquals("unauthorized", request("POST", 0, "/jobs/tokens", params, null, 401).getString("error"));
    assertEquals("forbidden", request("POST", 0, "/jobs/tokens", params, token(), 403).getString("error"));
    assertEquals("forbidden", request("POST", 0, "/jobs/tokens", params, token("progress"), 403).getString("error"));
    JsonObject job = request("POST", 0, "/jobs/tokens", params, token("tok*"), 201);
    assertEquals("tokens", request("GET", 1, "/jobs/" + job.getString("job"), null, token("tokens"), 200)
        .getString("kind"));
    assertEquals("forbidden", request("GET", 1, "/jobs/" + job.getString("job"), null, token("progress"), 403)
        .getString("error"));
  }

  @Test
  @Order(2)
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void tokensWrittenFasterThanAppendsShareEvents() {
    JsonObject job = request("POST", 1, "/jobs/tokens",
        new JsonObject().put("prompt", "a fast answer").put("tokens", 300).put("rate", 1000), token("tokens"), 201);
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http,
        cluster.edge(0) + job.getString("url") + "&access_token=" + token()));
    TestCluster.await(probe.awaitType("complete", 20_000));
    long tokenEvents = probe.events.stream().filter(e -> e.type().equals("token")).count();
    JsonObject done = new JsonObject(probe.events.stream().filter(e -> e.type().equals("done")).findFirst()
        .orElseThrow().data());
    assertEquals(300, done.getInteger("tokens"));
    assertEquals(tokenEvents, done.getLong("events"));
    // 1,000 tokens a second with a 20 ms linger: about 20 tokens an event
    assertTrue(tokenEvents <= 100, "300 tokens took " + tokenEvents + " events");
    StringBuilder text = new StringBuilder();
    probe.events.stream().filter(e -> e.type().equals("token")).forEach(e -> text.append(e.data()));
    assertEquals(300, text.toString().split(" ").length);
  }

  @Test
  @Order(3)
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aDrainingNodeInterruptsItsJobsOfKindsThatAreNotRestartable() {
    // tokens is not restartable (progress is: JobRestartTest)
    JsonObject job = request("POST", 0, "/jobs/tokens",
        new JsonObject().put("prompt", "a long answer").put("tokens", 1000).put("rate", 20), token("tokens"), 201);
    int runs = job.getString("node").equals("node-1") ? 0 : 1;
    int other = 1 - runs;
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http,
        cluster.edge(other) + job.getString("url") + "&access_token=" + token()));
    TestCluster.await(probe.awaitDataEvents(2, 10_000));
    cluster.stop(runs);
    SseEvent error = TestCluster.await(probe.awaitType("error", 20_000));
    assertEquals("job_interrupted", new JsonObject(error.data()).getString("error"));
    TestCluster.await(probe.awaitEnd(10_000));
    JsonObject record = request("GET", other, "/jobs/" + job.getString("job"), null, token("tokens"), 200);
    assertEquals("interrupted", record.getString("state"), record.encode());
  }

  private static JsonObject request(String method, int node, String path, JsonObject body, String token, int status) {
    return JobsHttp.call(method, cluster.edge(node) + path, body == null ? null : body.encode(), token, status);
  }
}
