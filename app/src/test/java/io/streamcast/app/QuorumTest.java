package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node left below quorum (here: the other node of a 2-node cluster, whose expected size is 2, has
 * left) stops serving history: its open streams end with {@code event: error} {@code no_quorum},
 * {@code /ready} is 503, and publishes, deletes and new subscriptions answer {@code 503 no_quorum} with
 * {@code Retry-After: 2}, the publishes from Hazelcast's own split-brain protection (ADR 12).
 */
@ExtendWith(VertxExtension.class)
class QuorumTest {

  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void aNodeWithoutAMajorityRefusesHistoryAndEndsItsStreams(Vertx vertx) throws Exception {
    cluster = TestCluster.start(2);
    HttpClient http = LoopHttpClient.create(vertx);
    assertEquals(200, await(Publishing.get(http, cluster.edge(0) + "/ready")).status(), "both members: quorum");
    await(Publishing.publishSequence(http, cluster.publish(0), "q", "m", 0, 3));
    SseProbe open = await(SseProbe.open(vertx, http, cluster.edge(0) + "/streams/q?from=earliest"));
    await(open.awaitDataEvents(3, 10_000));

    cluster.stop(1);

    SseEvent error = await(open.awaitType("error", 5_000));
    assertEquals("no_quorum", new JsonObject(error.data()).getString("error"), error.data());
    await(open.awaitEnd(5_000));

    Publishing.Answer ready = await(Publishing.get(http, cluster.edge(0) + "/ready"));
    assertEquals(503, ready.status());
    assertFalse(ready.body().getBoolean("quorum"), ready.body().encode());
    assertTrue(ready.body().getString("reason").startsWith("no quorum: this node sees 1 of 2"), ready.body().encode());
    Publishing.Answer health = await(Publishing.get(http, cluster.edge(0) + "/health"));
    assertEquals(200, health.status(), "liveness stays up: a restart would not bring the majority back");
    assertFalse(health.body().getBoolean("quorum"), health.body().encode());

    assertNoQuorum(await(Publishing.publish(http, cluster.publish(0), "q", "lost?")), "publish");
    assertNoQuorum(await(Publishing.publish(http, cluster.publish(0), "new-stream", "lost?")), "publish, new stream");
    assertNoQuorum(await(Publishing.post(http, cluster.publish(0) + "/streams/q/complete", SseProbe.noBody(),
        Map.of())), "complete");
    assertNoQuorum(await(Publishing.request(http, HttpMethod.DELETE, cluster.publish(0) + "/streams/q")), "delete");
    assertNoQuorum(await(Publishing.get(http, cluster.edge(0) + "/streams/q?from=earliest", Map.of())), "subscribe");
  }

  private static void assertNoQuorum(Publishing.Answer answer, String what) {
    assertEquals(503, answer.status(), what + ": " + answer.body().encode());
    assertEquals("no_quorum", answer.body().getString("error"), what + ": " + answer.body().encode());
    assertEquals("2", answer.headers().get("Retry-After"), what);
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    return TestCluster.await(f);
  }
}
