package io.streamcast.app;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Real Streamcast nodes in this JVM, each its own clustered Vert.x and Hazelcast member, joined
 * over TCP-IP on 127.0.0.1 with free ports ({@link TestPorts}) and a cluster name of their own, so test
 * classes never join each other's clusters.
 */
public final class TestCluster implements AutoCloseable {

  private final List<StreamcastNode> nodes = new ArrayList<>();
  private final List<Integer> clusterPorts = new ArrayList<>();
  private final String clusterName = "test-" + UUID.randomUUID().toString().substring(0, 8);
  private final Map<NodeFlag, String> extra;
  /** Changes each node's resolved configuration (what no flag sets); identity for most tests. */
  private final UnaryOperator<NodeConfig> adjust;

  private TestCluster(Map<NodeFlag, String> extra, UnaryOperator<NodeConfig> adjust) {
    this.extra = extra;
    this.adjust = adjust;
  }

  /** Starts {@code size} nodes with both roles and default settings. */
  public static TestCluster start(int size) {
    return start(size, Map.of());
  }

  /** Starts {@code size} nodes with both roles and the given extra settings on every node. */
  public static TestCluster start(int size, Map<NodeFlag, String> extra) {
    return start(size, extra, UnaryOperator.identity());
  }

  /** As {@link #start(int, Map)}, with {@code adjust} applied to each node's resolved configuration. */
  public static TestCluster start(int size, Map<NodeFlag, String> extra, UnaryOperator<NodeConfig> adjust) {
    TestCluster cluster = new TestCluster(extra, adjust);
    for (int i = 0; i < size; i++) {
      cluster.clusterPorts.add(TestPorts.free());
    }
    try {
      for (int i = 0; i < size; i++) {
        cluster.nodes.add(await(StreamcastNode.start(cluster.config(i))));
      }
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** @return configuration of the {@code i}-th node (every node lists every cluster port) */
  NodeConfig config(int i) {
    Map<NodeFlag, String> flags = new EnumMap<>(NodeFlag.class);
    flags.put(NodeFlag.CLUSTER_NAME, clusterName);
    flags.put(NodeFlag.CLUSTER_HOST, "127.0.0.1");
    flags.put(NodeFlag.BIND_HOST, "127.0.0.1");
    flags.put(NodeFlag.CLUSTER_PORT, Integer.toString(clusterPorts.get(i)));
    flags.put(NodeFlag.MEMBERS, clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
    flags.put(NodeFlag.HTTP_PORT, Integer.toString(TestPorts.free()));
    flags.put(NodeFlag.PUBLISH_PORT, Integer.toString(TestPorts.free()));
    flags.put(NodeFlag.NODE_NAME, "node-" + (i + 1));
    flags.putAll(extra);
    return adjust.apply(NodeConfig.resolve(flags, Map.of(), Map.of(), false));
  }

  /** @return the {@code i}-th node (0-based) */
  public StreamcastNode node(int i) {
    return nodes.get(i);
  }

  /** @return base URL of node {@code i}'s edge port */
  public String edge(int i) {
    return "http://127.0.0.1:" + nodes.get(i).httpPort();
  }

  /** @return base URL of node {@code i}'s publish port */
  public String publish(int i) {
    return "http://127.0.0.1:" + nodes.get(i).publishPort();
  }

  /** @return number of nodes started */
  public int size() {
    return nodes.size();
  }

  /** Drains and stops node {@code i} (it stays in the list, stopped). */
  public void stop(int i) {
    await(nodes.get(i).stop());
  }

  /**
   * Closes what a test class started, either of which may be null (a set-up that failed half way): the
   * cluster's nodes, then the test's own Vert.x (and with it its clients).
   */
  public static void close(TestCluster cluster, io.vertx.core.Vertx vertx) {
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Override
  public void close() {
    for (StreamcastNode n : nodes) {
      try {
        await(n.stop());
      } catch (RuntimeException e) {
        // already stopped, or failed to stop: nothing more a test can do
      }
    }
  }


  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cluster operation failed: " + e.getMessage(), e);
    }
  }
}
