package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher's real exit: a node process whose member is shut down from outside (here a
 * cluster-wide shutdown asked for by another member, an in-JVM node) ends with status 3 within
 * seconds, having logged why, so an orchestrator restarts it.
 */
class MemberLossIT {

  @Test
  void aNodeProcessWhoseMemberIsShutDownExitsWithStatus3() throws Exception {
    String clusterName = "lossit-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> clusterPorts = List.of(TestPorts.free(), TestPorts.free());
    // no exit: the asking member goes down too (last, in its own time), and must not end this JVM
    StreamcastNode inJvm = TestCluster.await(
        StreamcastNode.start(MemberLossTest.config(clusterName, clusterPorts, 0), status -> { }));
    NodeProcess process = new NodeProcess("node-p", clusterName, clusterPorts.get(1), TestPorts.free(),
        TestPorts.free(), clusterPorts);
    try {
      process.start();
      process.awaitReady(2, Duration.ofSeconds(60));

      awaitClusterSafe(inJvm);
      long before = System.nanoTime();
      // on a thread of its own: the asking member waits long for its own part of the shutdown
      Thread shutdown = new Thread(() -> inJvm.hazelcast().getCluster().shutdown(), "cluster-shutdown");
      shutdown.setDaemon(true);
      shutdown.start();
      int status = process.awaitExit(Duration.ofSeconds(15));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);

      String log = Files.readString(process.log());
      assertEquals(Streamcast.EXIT_MEMBER_LOST, status, "exit status; see " + process.log());
      assertTrue(millis < 10_000, "exited within seconds, took " + millis + " ms");
      assertTrue(log.contains("SEVERE") && log.contains("lost its cluster member"), log);
    } finally {
      process.close();
      // not awaited: its member is on its way out already, and takes its time
      inJvm.stop();
    }
  }

  /** A cluster-wide shutdown is refused while partitions still migrate after the join. */
  private static void awaitClusterSafe(StreamcastNode node) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!node.hazelcast().getPartitionService().isClusterSafe() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }
}
