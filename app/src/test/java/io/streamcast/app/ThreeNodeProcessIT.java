package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.client.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three {@code node} processes from the shaded jar, started as the README shows, form one cluster;
 * events published on node 1 reach subscribers on nodes 2 and 3; SIGTERM drains and exits 0.
 */
@ExtendWith(VertxExtension.class)
class ThreeNodeProcessIT {

  private final List<NodeProcess> nodes = new ArrayList<>();

  @BeforeEach
  void startNodes() throws Exception {
    String clusterName = "it-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> ports = List.of(TestPorts.free(), TestPorts.free(), TestPorts.free());
    for (int i = 0; i < 3; i++) {
      NodeProcess n = new NodeProcess("node-" + (i + 1), clusterName, ports.get(i), TestPorts.free(),
          TestPorts.free(), ports);
      nodes.add(n);
      n.start();
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(3, Duration.ofSeconds(60));
    }
  }

  @AfterEach
  void stopNodes() throws InterruptedException {
    for (NodeProcess n : nodes) {
      n.close();
    }
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void threeProcessesFormOneClusterAndFanOutAcrossIt(Vertx vertx, VertxTestContext ctx) {
    HttpClient http = LoopHttpClient.create(vertx);
    NodeProcess n1 = nodes.get(0);
    List<SseProbe> probes = new ArrayList<>();
    Publishing.get(http, n1.edgeUrl() + "/health")
        .compose(health -> {
          ctx.verify(() -> assertEquals(Set.of("node-1", "node-2", "node-3"),
              health.body().getJsonArray("members").stream().map(Object::toString).collect(Collectors.toSet()),
              health.body().encode()));
          return Future.all(SseProbe.open(vertx, http, nodes.get(1).edgeUrl() + "/streams/it").onSuccess(probes::add),
              SseProbe.open(vertx, http, nodes.get(2).edgeUrl() + "/streams/it").onSuccess(probes::add));
        })
        .compose(v -> Publishing.publishSequence(http, n1.publishUrl(), "it", "m", 0, 10))
        .compose(v -> Future.all(probes.get(0).awaitDataEvents(10, 10_000), probes.get(1).awaitDataEvents(10, 10_000)))
        .compose(v -> vertx.executeBlocking(() -> nodes.get(2).terminate(Duration.ofSeconds(30))))
        .onComplete(ctx.succeeding(exit -> ctx.verify(() -> {
          for (SseProbe p : probes) {
            assertEquals(List.of("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"),
                p.dataEvents().stream().map(SseEvent::data).collect(Collectors.toList()));
          }
          assertEquals(0, exit, "SIGTERM drains and exits 0");
          ctx.completeNow();
        })));
  }
}
