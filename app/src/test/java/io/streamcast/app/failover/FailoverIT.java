package io.streamcast.app.failover;

import io.streamcast.app.TestPorts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.app.NodeProcess;
import io.streamcast.app.TestPorts;
import io.streamcast.client.Backoff;
import io.streamcast.client.IdempotentPublisher;
import io.streamcast.client.PublisherOptions;
import io.streamcast.client.StartPosition;
import io.streamcast.client.StreamSubscriber;
import io.streamcast.client.SubscriberOptions;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The failover drill, small: 3 node processes of the shaded jar ({@code java -jar streamcast.jar node}),
 * 30 resuming subscribers spread over them, a publisher at 20 events/s with idempotency keys; then
 * {@code kill -9} of the publisher's node (restarted afterwards) and a rolling restart of all three
 * with {@code SIGTERM}. Every client must get every acknowledged event exactly once, in stream order,
 * with no gap, and resume within 5 s; every {@code SIGTERM} must drain and exit 0.
 *
 * <p>A failsafe test (after {@code package}): {@code kill -9} needs real processes, and the jar is what
 * users run. {@code mvn -B -pl app verify -Dit.test=FailoverIT}.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FailoverIT {

  private static final int CLIENTS = 30;
  private static final int RATE = 20;
  private static final long MAX_RESUME_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<StreamSubscriber> subscribers = new ArrayList<>();
  private final List<Client> clients = new ArrayList<>();
  private final Map<Integer, String> acked = new ConcurrentHashMap<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger(1);
  private final AtomicInteger inFlight = new AtomicInteger();
  private Vertx vertx;
  private IdempotentPublisher publisher;
  private long timer = -1;

  @BeforeEach
  void startCluster() throws Exception {
    String cluster = "failover-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> clusterPorts = List.of(TestPorts.free(), TestPorts.free(), TestPorts.free());
    for (int i = 0; i < 3; i++) {
      nodes.add(new NodeProcess("node-" + (i + 1), cluster, clusterPorts.get(i), TestPorts.free(), TestPorts.free(), clusterPorts));
    }
    for (NodeProcess n : nodes) {
      n.start();
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(3, Duration.ofSeconds(60));
    }
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (vertx != null) {
      vertx.cancelTimer(timer);
      subscribers.forEach(StreamSubscriber::close);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    for (NodeProcess n : nodes) {
      n.kill();
    }
  }

  @Test
  void noClientLosesOrRepeatsAnEventWhenANodeIsKilledOrTheClusterIsRolled() throws Exception {
    String stream = "failover.it";
    publisher = IdempotentPublisher.create(vertx, PublisherOptions.builder()
        .nodes(nodes.stream().map(NodeProcess::publishUrl).toList())
        .maxAttempts(20).backoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.2)).build());
    List<String> edges = nodes.stream().map(NodeProcess::edgeUrl).toList();
    for (int i = 0; i < CLIENTS; i++) {
      Client c = new Client();
      StreamSubscriber s = StreamSubscriber.create(vertx, SubscriberOptions.builder()
          .nodes(List.of(edges.get(i % 3), edges.get((i + 1) % 3), edges.get((i + 2) % 3)))
          .stream(stream).startPosition(StartPosition.earliest())
          .backoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 0.5))
          .maxReconnectAttempts(50).build());
      s.eventHandler(e -> c.onEvent(e.type(), e.id(), e.data()))
          .connectHandler(o -> c.connected.incrementAndGet())
          .reconnectHandler(r -> c.onDrop());
      s.end().onFailure(e -> problems.add("a subscriber gave up: " + e.getMessage()));
      clients.add(c);
      subscribers.add(s);
      s.start();
    }
    awaitTrue("every client connected", Duration.ofSeconds(30), () -> clients.stream().allMatch(c -> c.connected.get() > 0));
    startPublishing(stream);
    Thread.sleep(2000);

    // scenario 1: kill -9 the node the publisher uses (its first node), restart it
    NodeProcess victim = nodes.get(0);
    victim.kill();
    Thread.sleep(3000);
    victim.start();
    victim.awaitReady(3, Duration.ofSeconds(60));
    Thread.sleep(2000);
    assertTrue(clients.stream().allMatch(c -> c.received.size() > 0), "events flow after the kill");

    // scenario 2: rolling restart with SIGTERM, one node at a time
    for (NodeProcess n : nodes) {
      int status = n.terminate(Duration.ofSeconds(30));
      assertEquals(0, status, n.name + " drains and exits 0 on SIGTERM");
      n.start();
      n.awaitReady(3, Duration.ofSeconds(60));
      Thread.sleep(1000);
    }
    Thread.sleep(2000);
    vertx.cancelTimer(timer);
    awaitTrue("every publish answered", Duration.ofSeconds(30), () -> inFlight.get() == 0);
    int last = next.get() - 1;
    try {
      awaitTrue("every client has every acknowledged event", Duration.ofSeconds(30),
          () -> clients.stream().allMatch(c -> c.hasAll(acked.keySet())));
    } catch (AssertionError e) {
      StringBuilder missing = new StringBuilder();
      for (int i = 0; i < clients.size(); i++) {
        java.util.Set<Integer> m = new java.util.TreeSet<>(acked.keySet());
        m.removeAll(clients.get(i).received);
        if (!m.isEmpty()) {
          missing.append("\n  client ").append(i).append(" misses ").append(m.size()).append(": ")
              .append(m.stream().limit(10).toList()).append(" (received ").append(clients.get(i).received.size())
              .append(", gaps ").append(clients.get(i).gaps).append(", odd ").append(clients.get(i).odd).append(")");
        }
      }
      throw new AssertionError(e.getMessage() + " of " + acked.size() + "; problems " + problems + missing, e);
    }

    assertEquals(List.of(), problems, "publishes and subscriptions without failures");
    assertEquals(last, acked.size(), "every publish acknowledged");
    for (int i = 0; i < clients.size(); i++) {
      Client c = clients.get(i);
      synchronized (c) {
        assertEquals(0, c.gaps, "client " + i + ": no gap signalled");
        assertEquals(0, c.duplicates, "client " + i + ": no event twice");
        assertEquals(0, c.outOfOrder, "client " + i + ": events in stream order");
        assertEquals(0, c.holes, "client " + i + ": no stream position skipped");
        assertEquals(acked.size(), c.received.size(), "client " + i + ": every acknowledged event");
        assertTrue(c.drops > 0, "client " + i + " was disconnected at least once (else the test proves nothing)");
        assertTrue(c.maxResumeNanos < MAX_RESUME_NANOS,
            "client " + i + " resumed within 5 s, took " + c.maxResumeNanos / 1_000_000 + " ms");
      }
    }
  }

  private void startPublishing(String stream) {
    long start = System.nanoTime();
    timer = vertx.setPeriodic(10, id -> {
      long due = 1 + (System.nanoTime() - start) * RATE / 1_000_000_000L;
      while (next.get() <= due) {
        int n = next.getAndIncrement();
        inFlight.incrementAndGet();
        publisher.publish(stream, null, "{\"n\":" + n + "}", "it-" + n).onComplete(ar -> {
          inFlight.decrementAndGet();
          if (ar.succeeded()) {
            acked.put(n, ar.result().id());
          } else {
            problems.add("publish " + n + " failed: " + ar.cause().getMessage());
          }
        });
      }
    });
  }

  private static void awaitTrue(String what, Duration timeout, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out: " + what);
      }
      Thread.sleep(50);
    }
  }


  /** What one subscriber saw; written on its event loop, read by the test thread. */
  private static final class Client {
    final AtomicInteger connected = new AtomicInteger();
    final java.util.Set<Integer> received = ConcurrentHashMap.newKeySet();
    long lastSeq = -1;
    int gaps;
    int duplicates;
    int outOfOrder;
    long holes;
    int drops;
    long dropNanos = -1;
    long maxResumeNanos;
    String odd;

    synchronized void onDrop() {
      drops++;
      if (dropNanos < 0) {
        dropNanos = System.nanoTime();
      }
    }

    synchronized void onEvent(String type, String id, String data) {
      if (type.equals("gap")) {
        gaps++;
        return;
      }
      if (!type.equals("message")) {
        return;
      }
      int n = Integer.parseInt(data.replaceAll("\\D", ""));
      if (n > 100_000 && odd == null) {
        odd = id + " " + data;
      }
      long seq = Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
      if (!received.add(n)) {
        duplicates++;
      } else if (seq <= lastSeq) {
        outOfOrder++;
      } else if (lastSeq >= 0 && seq > lastSeq + 1) {
        holes += seq - lastSeq - 1;
      }
      lastSeq = Math.max(lastSeq, seq);
      if (dropNanos >= 0) {
        maxResumeNanos = Math.max(maxResumeNanos, System.nanoTime() - dropNanos);
        dropNanos = -1;
      }
    }

    synchronized boolean hasAll(java.util.Set<Integer> expected) {
      return received.containsAll(expected);
    }
  }
}
