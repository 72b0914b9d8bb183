package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Restartable jobs (issue 12) on a real 2-node cluster: a {@code progress} job whose node drains, or
 * whose member leaves without a drain, goes on on the other node from its last checkpoint, and its
 * subscriber gets every step exactly once, in order, then {@code done} and {@code complete}. Each test
 * has a cluster of its own (each takes a node away). {@code --expected-members 1}: the survivor alone
 * keeps serving history (with the default, 2, a lone survivor has no quorum and refuses every publish).
 */
@ExtendWith(VertxExtension.class)
class JobRestartTest {

  private static final int STEPS = 100;
  private TestCluster cluster;
  private Vertx vertx;
  private HttpClient http;

  @BeforeEach
  void start() {
    cluster = TestCluster.start(2, Map.of(NodeFlag.EXPECTED_MEMBERS, "1"));
    vertx = Vertx.vertx();
    http = LoopHttpClient.create(vertx);
  }

  @AfterEach
  void stop() {
    TestCluster.close(cluster, vertx);
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void aProgressJobGoesOnOnTheOtherNodeWhenItsNodeDrains() {
    Moved moved = startAndWatch();
    cluster.stop(moved.runs);
    moved.assertEveryStepOnceThenDone(cluster, "drain");
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void aProgressJobWhoseMemberLeftWithoutADrainIsAdoptedByTheOtherNode() {
    Moved moved = startAndWatch();
    // no drain, no handover: the member is gone under the node, as when its process dies
    cluster.node(moved.runs).hazelcast().getLifecycleService().terminate();
    moved.assertEveryStepOnceThenDone(cluster, "member left");
  }

  /** Starts a progress job and a subscriber on the node that does not run it; returns once steps arrive. */
  private Moved startAndWatch() {
    // a member lost while partitions still migrate to the one that just joined takes the entries whose
    // backups were not copied yet: history, records and checkpoints alike (Hazelcast keeps one backup). The
    // tests are about jobs, so they start once the cluster is safe, as a cluster in service is
    long deadline = System.currentTimeMillis() + 30_000;
    while (!cluster.node(0).hazelcast().getPartitionService().isClusterSafe()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the cluster's partitions did not settle within 30 s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    JsonObject job = request("POST", 0, "/jobs/progress",
        new JsonObject().put("steps", STEPS).put("stepMillis", 100), 201);
    int runs = job.getString("node").equals("node-1") ? 0 : 1;
    int other = 1 - runs;
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(other) + job.getString("url")));
    TestCluster.await(probe.awaitDataEvents(5, 20_000));
    return new Moved(job, runs, other, probe);
  }

  /** A job on node {@code runs}, watched from node {@code other}. */
  private record Moved(JsonObject job, int runs, int other, SseProbe probe) {

    void assertEveryStepOnceThenDone(TestCluster cluster, String how) {
      try {
        TestCluster.await(probe.awaitType("complete", 60_000));
      } catch (IllegalStateException e) {
        // what the subscriber got and what the cluster says, to tell a stalled job from a dropped stream
        throw new AssertionError(how + ": no complete; stream " + (probe.ended() ? "ended" : "open") + ", events "
            + probe.events + ", record " + request(cluster, "GET", other, "/jobs/" + job.getString("job"), null, 200),
            e);
      }
      List<String> types = new ArrayList<>();
      List<Integer> steps = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (SseEvent e : probe.events) {
        types.add(e.type());
        ids.add(e.id());
        if (e.type().equals("progress")) {
          steps.add(new JsonObject(e.data()).getInteger("step"));
        }
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 1; i <= STEPS; i++) {
        expected.add(i);
      }
      assertEquals(expected, steps, how + ": every step exactly once, in order; events " + types);
      assertTrue(!types.contains("error"), how + ": no error event; events " + types);
      assertEquals(List.of("done", "complete"), types.subList(types.size() - 2, types.size()), how + ": " + types);
      assertEquals(ids.size(), ids.stream().distinct().count(), how + ": ids " + ids);
      JsonObject record = request(cluster, "GET", other, "/jobs/" + job.getString("job"), null, 200);
      assertEquals("completed", record.getString("state"), record.encode());
      assertEquals("node-" + (other + 1), record.getString("node"), record.encode());
      assertEquals(1, record.getInteger("restarts"), record.encode());
    }
  }

  private JsonObject request(String method, int node, String path, JsonObject body, int status) {
    return request(cluster, method, node, path, body, status);
  }

  private static JsonObject request(TestCluster cluster, String method, int node, String path, JsonObject body,
      int status) {
    return JobsHttp.call(method, cluster.edge(node) + path, body == null ? null : body.encode(), null, status);
  }
}
