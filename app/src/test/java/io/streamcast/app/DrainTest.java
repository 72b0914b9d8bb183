package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SIGTERM's drain, in order: /ready turns 503, then (after the drain delay) streams close. */
@ExtendWith(VertxExtension.class)
class DrainTest {

  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void readyTurns503BeforeStreamsCloseAndStreamsEndCleanly(Vertx vertx, VertxTestContext ctx) {
    cluster = TestCluster.start(1, Map.of(NodeFlag.DRAIN_DELAY_SECONDS, "2"));
    HttpClient http = LoopHttpClient.create(vertx);
    SseProbe.open(vertx, http, cluster.edge(0) + "/streams/drained")
        .compose(probe -> {
          cluster.node(0).stop();
          return vertx.timer(500)
              .compose(t -> Publishing.get(http, cluster.edge(0) + "/ready"))
              .compose(ready -> Publishing.publish(http, cluster.publish(0), "drained", "too late").map(pub -> {
                ctx.verify(() -> {
                  assertEquals(503, ready.status(), "not ready as soon as the drain starts");
                  assertEquals("1", ready.headers().get("Retry-After"));
                  assertEquals(503, pub.status(), "a draining node takes no new publishes: " + pub.body());
                  assertEquals("unavailable", pub.body().getString("error"));
                  assertEquals("1", pub.headers().get("Retry-After"));
                  assertFalse(probe.ended(), "streams stay open during the drain delay");
                });
                return probe;
              }));
        })
        .compose(probe -> probe.awaitEnd(10_000).map(probe))
        .onComplete(ar -> {
          ctx.verify(() -> {
            assertTrue(ar.succeeded(), () -> "the stream was ended by the drain: " + ar.cause());
            assertEquals(200, ar.result().status());
          });
          ctx.completeNow();
        });
  }
}
