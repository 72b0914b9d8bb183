package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes started through {@code bin/streamcast}, as the README, the image and the manifests start them:
 * the launcher execs the JVM (same pid, so SIGTERM drains it) with the measured options; a
 * producer-only node configured through the environment (the ConfigMap's way) answers its probes; and
 * two nodes join through Hazelcast's Kubernetes DNS discovery against a stand-in resolver.
 *
 * <p>The stand-in resolver: Hazelcast's DNS mode resolves the headless service with
 * {@code InetAddress.getAllByName}, and the JDK answers that from a hosts file instead of the system's
 * resolver when started with {@code -Djdk.net.hosts.file}. The file maps the service name to two
 * loopback addresses, 127.0.0.2 and 127.0.0.3 (on Linux the whole 127/8 is the loopback), so the two
 * members bind and find each other exactly as two pods behind a headless service would, on one port.
 */
class LauncherScriptIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final List<Process> started = new ArrayList<>();

  @TempDir
  Path dir;

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private Process start(String name, Map<String, String> env, String... args) throws IOException {
    Path log = Path.of("target", "it-launcher-" + name + ".log");
    Process p = Launcher.builder(env, args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(p);
    return p;
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Waits (bounded) until {@code /ready} is 200 and {@code /health} lists {@code members} members. */
  private static JsonObject awaitReady(Process p, String edge, int members) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException(edge + ": node exited with " + p.exitValue());
      }
      try {
        if (get(edge + "/ready").statusCode() == 200) {
          JsonObject health = new JsonObject(get(edge + "/health").body());
          if (health.getJsonArray("members").size() >= members) {
            return health;
          }
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(edge + " not ready with " + members + " members within 90 s");
  }


  private static List<String> cmdline(long pid) throws IOException {
    byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
    return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
  }

  @Test
  void producerOnlyNodeConfiguredByEnvironmentRunsTheMeasuredJvmAndDrainsOnSigterm() throws Exception {
    int http = TestPorts.free();
    Map<String, String> env = new HashMap<>(Map.of(
        "STREAMCAST_ROLES", "producer", "STREAMCAST_BIND_HOST", "127.0.0.1",
        "STREAMCAST_HTTP_PORT", Integer.toString(http),
        "STREAMCAST_PUBLISH_PORT", Integer.toString(TestPorts.free()),
        "STREAMCAST_CLUSTER_PORT", Integer.toString(TestPorts.free()),
        "STREAMCAST_CLUSTER_NAME", "launcher-" + UUID.randomUUID(), "STREAMCAST_NODE_NAME", "producer-1",
        "STREAMCAST_DRAIN_SECONDS", "10"));
    Process node = start("producer", env, "node");
    String edge = "http://127.0.0.1:" + http;
    JsonObject health = awaitReady(node, edge, 1);
    assertEquals("UP", health.getString("status"));
    assertEquals("producer-1", health.getString("node"));
    HttpResponse<String> metrics = get(edge + "/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("streamcast_"), "the node's meters");

    // the launcher exec'd the JVM: the pid we started is java's, with the measured options
    List<String> cmd = cmdline(node.pid());
    assertTrue(cmd.get(0).endsWith("java"), cmd.toString());
    assertTrue(cmd.containsAll(LauncherScriptTest.MEASURED), cmd.toString());
    assertTrue(cmd.stream().anyMatch(o -> o.startsWith("-Xmx")), cmd.toString());

    node.destroy();   // SIGTERM to that pid: the node drains and exits 0
    assertTrue(node.waitFor(30, TimeUnit.SECONDS), "drains within its bound");
    assertEquals(0, node.exitValue());
  }

  @Test
  void twoNodesJoinThroughKubernetesDnsDiscovery() throws Exception {
    String service = "streamcast-hazelcast.streamcast-it.svc.cluster.local";
    Path hosts = dir.resolve("hosts");
    // as a StatefulSet's headless service: each pod has its own name (the first on its line, so it is
    // what its address resolves back to) and the service's name resolves to every pod; localhost stays
    Files.writeString(hosts, "127.0.0.1 localhost\n"
        + "127.0.0.2 streamcast-0." + service + "\n127.0.0.3 streamcast-1." + service + "\n"
        + "127.0.0.2 " + service + "\n127.0.0.3 " + service + "\n");
    // one member port on both addresses, as every pod of a StatefulSet has the same one
    int clusterPort = TestPorts.free("127.0.0.2");
    try (ServerSocket alsoFree = new ServerSocket()) {
      alsoFree.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), clusterPort));
    }
    String cluster = "k8s-dns-" + UUID.randomUUID().toString().substring(0, 8);
    List<Process> nodes = new ArrayList<>();
    List<String> edges = new ArrayList<>();
    List<String> publishes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      int http = TestPorts.free();
      int publish = TestPorts.free();
      edges.add("http://127.0.0.1:" + http);
      publishes.add("http://127.0.0.1:" + publish);
      Map<String, String> env = new HashMap<>(Map.of(
          "STREAMCAST_JAVA_OPTS", "-Djdk.net.hosts.file=" + hosts + " -XX:TieredStopAtLevel=1",
          "STREAMCAST_KUBERNETES_SERVICE_DNS", service,
          "STREAMCAST_EXPECTED_MEMBERS", "1", // the first pod is ready alone, as a StatefulSet's first must be
          "STREAMCAST_CLUSTER_HOST", "127.0.0." + (i + 2),
          "STREAMCAST_CLUSTER_PORT", Integer.toString(clusterPort),
          "STREAMCAST_CLUSTER_NAME", cluster,
          "STREAMCAST_NODE_NAME", "pod-" + i,
          "STREAMCAST_BIND_HOST", "127.0.0.1",
          "STREAMCAST_HTTP_PORT", Integer.toString(http),
          "STREAMCAST_PUBLISH_PORT", Integer.toString(publish)));
      nodes.add(start("dns-" + i, env, "node"));
      if (i == 0) {
        // the first pod forms the cluster alone, as under the StatefulSet's ordered start
        awaitReady(nodes.get(0), edges.get(0), 1);
      }
    }
    JsonObject second = awaitReady(nodes.get(1), edges.get(1), 2);
    assertEquals(List.of("pod-0", "pod-1"), second.getJsonArray("members").getList());
    JsonObject first = awaitReady(nodes.get(0), edges.get(0), 2);
    assertEquals(List.of("pod-0", "pod-1"), first.getJsonArray("members").getList());
    // one history across them: published on pod-1, the stream is known on pod-0
    HttpResponse<String> published = HTTP.send(HttpRequest.newBuilder(URI.create(publishes.get(1) + "/streams/dns-join"))
            .POST(HttpRequest.BodyPublishers.ofString("hello")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, published.statusCode(), published.body());
    JsonObject info = new JsonObject(get(edges.get(0) + "/streams/dns-join/info").body());
    assertEquals(1, info.getInteger("retained"));
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      assertTrue(p.waitFor(40, TimeUnit.SECONDS));
    }
  }
}
