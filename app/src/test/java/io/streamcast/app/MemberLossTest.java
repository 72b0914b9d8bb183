package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node whose Hazelcast member goes away under it says so: {@code /health} 503 {@code DOWN} with
 * the reason, {@code /ready} 503, and its exit (a recorder here) is called with status 3. The
 * node's own {@code stop()} is not a loss. Two real nodes, so the survivor's view is checked too;
 * they are started here rather than by {@link TestCluster} to give each its own exit recorder.
 */
class MemberLossTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final List<StreamcastNode> nodes = new ArrayList<>();
  private final List<BlockingQueue<Integer>> exits = new ArrayList<>();

  @AfterEach
  void stopNodes() {
    for (StreamcastNode n : nodes) {
      try {
        TestCluster.await(n.stop());
      } catch (RuntimeException alreadyGone) {
        // a node without its member stops at once or not at all: nothing more to do
      }
    }
  }

  @Test
  void memberTerminatedUnderTheNodeTurnsHealthDownAndExitsWithStatus3() throws Exception {
    startCluster(2);
    StreamcastNode lost = nodes.get(0);
    long before = System.nanoTime();
    lost.hazelcast().getLifecycleService().terminate();

    HttpResponse<String> health = awaitStatus(edge(lost) + "/health", 503, Duration.ofSeconds(2));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
    JsonObject body = new JsonObject(health.body());
    assertEquals("DOWN", body.getString("status"), health.body());
    assertEquals("node-1", body.getString("node"), health.body());
    assertEquals("FAILED", body.getString("state"), health.body());
    assertTrue(body.getString("reason", "").contains("Hazelcast member"), health.body());
    assertTrue(body.getJsonArray("members").isEmpty(), health.body());
    assertTrue(millis < 2000, "DOWN within 2 s, took " + millis + " ms");

    HttpResponse<String> ready = get(edge(lost) + "/ready");
    assertEquals(503, ready.statusCode(), ready.body());
    assertEquals("FAILED", new JsonObject(ready.body()).getString("state"));

    assertEquals(Streamcast.EXIT_MEMBER_LOST, exits.get(0).poll(5, TimeUnit.SECONDS), "the lost node's exit ran");
    assertEquals(null, exits.get(0).poll(500, TimeUnit.MILLISECONDS), "once");

    HttpResponse<String> survivor = get(edge(nodes.get(1)) + "/health");
    assertEquals(200, survivor.statusCode(), survivor.body());
    assertEquals("UP", new JsonObject(survivor.body()).getString("status"));
    assertTrue(exits.get(1).isEmpty(), "the survivor's exit did not run");
  }

  @Test
  void theNodesOwnStopIsNoLoss() throws Exception {
    startCluster(2);
    TestCluster.await(nodes.get(0).stop());
    TestCluster.await(nodes.get(1).stop());
    // the watch would have called within its 500 ms poll; give it more than that
    assertEquals(null, exits.get(0).poll(1500, TimeUnit.MILLISECONDS), "stop() does not exit");
    assertTrue(exits.get(1).isEmpty(), "the last member's stop() does not exit either");
  }

  private void startCluster(int size) {
    String clusterName = "loss-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> clusterPorts = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      clusterPorts.add(TestPorts.free());
    }
    for (int i = 0; i < size; i++) {
      BlockingQueue<Integer> exit = new LinkedBlockingQueue<>();
      exits.add(exit);
      nodes.add(TestCluster.await(StreamcastNode.start(config(clusterName, clusterPorts, i), exit::add)));
    }
  }

  static NodeConfig config(String clusterName, List<Integer> clusterPorts, int i) {
    Map<NodeFlag, String> flags = new EnumMap<>(NodeFlag.class);
    flags.put(NodeFlag.CLUSTER_NAME, clusterName);
    flags.put(NodeFlag.CLUSTER_HOST, "127.0.0.1");
    flags.put(NodeFlag.BIND_HOST, "127.0.0.1");
    flags.put(NodeFlag.CLUSTER_PORT, Integer.toString(clusterPorts.get(i)));
    flags.put(NodeFlag.MEMBERS, clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
    flags.put(NodeFlag.HTTP_PORT, Integer.toString(TestPorts.free()));
    flags.put(NodeFlag.PUBLISH_PORT, Integer.toString(TestPorts.free()));
    flags.put(NodeFlag.NODE_NAME, "node-" + (i + 1));
    return NodeConfig.resolve(flags, Map.of(), Map.of(), false);
  }

  private static String edge(StreamcastNode node) {
    return "http://127.0.0.1:" + node.httpPort();
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> awaitStatus(String url, int status, Duration within)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    HttpResponse<String> last = get(url);
    while (last.statusCode() != status && System.nanoTime() < deadline) {
      Thread.sleep(50);
      last = get(url);
    }
    assertEquals(status, last.statusCode(), () -> url + " within " + within);
    return last;
  }
}
