package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import io.streamcast.client.SseEvent;
import io.streamcast.core.StreamState;
import io.streamcast.core.history.HazelcastStreamHistory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Streams end and are forgotten (issue 10): deletion after retention and after idleness, {@code
 * DELETE}, {@code 204} for a deleted completed stream, and {@code gap} when the byte bound or the
 * node-wide budget trims. Real Hazelcast members and real HTTP; the test thread waits on the
 * nodes' futures, never an event loop.
 */
@ExtendWith(VertxExtension.class)
class StreamLifecycleTest {

  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void aCompletedStreamIsDeletedEverywhereAfterItsRetentionAndStillAnswers204(Vertx vertx) throws Exception {
    cluster = TestCluster.start(2, Map.of(NodeFlag.COMPLETED_RETENTION_SECONDS, "2",
        NodeFlag.TOMBSTONE_SECONDS, "4", NodeFlag.METRICS_STREAM_LABELS, "true"));
    HttpClient http = LoopHttpClient.create(vertx);
    SseProbe probe = await(SseProbe.open(vertx, http, cluster.edge(1) + "/streams/answer"));
    await(Publishing.publishSequence(http, cluster.publish(0), "answer", "token", 0, 3));
    String completeId = await(Publishing.post(http, cluster.publish(0) + "/streams/answer/complete",
        SseProbe.noBody(), Map.of())).id();
    await(probe.awaitEnd(10_000));
    assertEquals(List.of("token0", "token1", "token2"), probe.dataEvents().stream().map(SseEvent::data).toList());

    // within its retention it is resumable as any completed stream
    SseProbe resumed = await(SseProbe.open(vertx, http, cluster.edge(0) + "/streams/answer?from=earliest"));
    await(resumed.awaitEnd(10_000));
    assertEquals(4, resumed.events.size(), "3 events and the complete: " + resumed.events);

    // after it: a tombstone, on every member, with no events and no feed left anywhere
    waitFor(() -> state(0, "answer") != null && state(0, "answer").tombstone(), 15_000, "stream buried");
    JsonObject info = await(Publishing.get(http, cluster.edge(1) + "/streams/answer/info")).body();
    assertEquals(0, info.getInteger("retained"), info.encode());
    assertTrue(info.getBoolean("deleted"), info.encode());
    assertEquals(completeId, info.getString("lastId"), info.encode());
    waitFor(() -> !cluster.node(0).hasFeed("answer") && !cluster.node(1).hasFeed("answer"), 5_000, "feeds closed");
    Publishing.Answer late = await(Publishing.get(http, cluster.edge(1) + "/streams/answer",
        Map.of("Last-Event-ID", completeId)));
    assertEquals(204, late.status(), "an EventSource reconnecting at the complete must stop, not start a new stream");
    assertEquals(409, await(Publishing.publish(http, cluster.publish(1), "answer", "more")).status());

    // after the tombstone's time: gone from every structure of every member
    waitFor(() -> state(0, "answer") == null, 20_000, "tombstone forgotten");
    assertGoneFromEveryMember("answer");
    String scraped = scrape(http, cluster.edge(1));
    assertEquals(List.of(), scraped.lines().filter(l -> l.contains("stream=\"answer\"")).toList(),
        "no series of the deleted stream is left");
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void aStreamIdleWithoutSubscribersIsForgottenAndOneWithASubscriberIsKept(Vertx vertx) throws Exception {
    cluster = TestCluster.start(2, Map.of(NodeFlag.STREAM_IDLE_SECONDS, "3"));
    HttpClient http = LoopHttpClient.create(vertx);
    await(Publishing.publish(http, cluster.publish(0), "abandoned", "x"));
    await(Publishing.publish(http, cluster.publish(0), "watched", "y"));
    SseProbe watcher = await(SseProbe.open(vertx, http, cluster.edge(1) + "/streams/watched"));

    waitFor(() -> state(1, "abandoned") == null, 20_000, "idle stream forgotten");
    assertGoneFromEveryMember("abandoned");
    assertNotNull(state(0, "watched"), "a stream with a subscriber is not idle");
    assertFalse(watcher.ended());
    // the name is free again: a new stream with a new epoch
    Publishing.Answer again = await(Publishing.publish(http, cluster.publish(1), "abandoned", "z"));
    assertEquals(201, again.status(), again.body().encode());
    assertTrue(again.id().endsWith("-0"), again.id());
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void deleteEndsEverySubscriberAndLeavesATombstone(Vertx vertx) throws Exception {
    cluster = TestCluster.start(2);
    HttpClient http = LoopHttpClient.create(vertx);
    await(Publishing.publishSequence(http, cluster.publish(0), "job", "row", 0, 5));
    SseProbe onB = await(SseProbe.open(vertx, http, cluster.edge(1) + "/streams/job"));
    SseProbe onA = await(SseProbe.open(vertx, http, cluster.edge(0) + "/streams/job"));
    String firstId = await(SseProbe.open(vertx, http, cluster.edge(0) + "/streams/job?from=earliest")
        .compose(p -> p.awaitDataEvents(5, 5_000).map(events -> {
          p.close();
          return events.get(0).id();
        })));

    Publishing.Answer deleted = await(Publishing.request(http, HttpMethod.DELETE, cluster.publish(1) + "/streams/job"));
    assertEquals(200, deleted.status(), deleted.body().encode());
    assertTrue(deleted.body().getBoolean("deleted"));
    String lastId = deleted.body().getString("lastId");
    assertTrue(lastId.endsWith("-4"), lastId);

    for (SseProbe p : List.of(onA, onB)) {
      SseEvent error = await(p.awaitType("error", 5_000));
      assertEquals("stream_deleted", new JsonObject(error.data()).getString("error"));
      await(p.awaitEnd(5_000));
    }
    Publishing.Answer publish = await(Publishing.publish(http, cluster.publish(0), "job", "late"));
    assertEquals(409, publish.status());
    assertEquals("stream_deleted", publish.body().getString("error"));

    // a client that was mid-stream learns what it lost, positioned at the end: its next reconnect stops
    SseProbe behind = await(SseProbe.open(vertx, http, cluster.edge(1) + "/streams/job",
        Map.of("Last-Event-ID", firstId)));
    await(behind.awaitEnd(5_000));
    assertEquals(200, behind.status());
    assertEquals(1, behind.events.size(), behind.raw());
    assertEquals("gap", behind.events.get(0).type());
    assertEquals(lastId, behind.events.get(0).id());
    assertEquals(204, await(Publishing.get(http, cluster.edge(0) + "/streams/job", Map.of("Last-Event-ID", lastId)))
        .status());
    assertEquals(204, await(Publishing.get(http, cluster.edge(0) + "/streams/job", Map.of())).status());

    Publishing.Answer unknown = await(Publishing.request(http, HttpMethod.DELETE, cluster.publish(0) + "/streams/nope"));
    assertEquals(404, unknown.status());
    assertEquals("not_found", unknown.body().getString("error"));
    Publishing.Answer badName = await(Publishing.request(http, HttpMethod.DELETE, cluster.publish(0) + "/streams/a%20b"));
    assertEquals(400, badName.status());
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void theByteBoundTrimsAndASubscriberBehindItGetsAGap(Vertx vertx) throws Exception {
    cluster = TestCluster.start(2, Map.of(NodeFlag.HISTORY_MAX_BYTES, "2048"));
    HttpClient http = LoopHttpClient.create(vertx);
    String padding = "p".repeat(200);
    await(Publishing.publishSequence(http, cluster.publish(0), "big", "e", 0, 30, padding));
    StreamState s = state(1, "big");
    assertTrue(s.bounds().retained() < 30 && s.bounds().retained() >= 5, "about 2 KiB of 210-byte events: " + s);

    SseProbe probe = await(SseProbe.open(vertx, http, cluster.edge(1) + "/streams/big",
        Map.of("Last-Event-ID", s.epoch() + "-0")));
    SseEvent gap = await(probe.awaitType("gap", 5_000));
    assertEquals(s.epoch() + "-0", new JsonObject(gap.data()).getString("requested"));
    List<SseEvent> events = await(probe.awaitDataEvents((int) s.bounds().retained(), 5_000));
    assertEquals(s.epoch() + "-" + s.headSeq(), events.get(0).id(), "resumes at the oldest event held");
    assertEquals(s.epoch() + "-29", events.get(events.size() - 1).id());
    probe.close();
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void theNodeWideBudgetTrimsTheLeastRecentlyAppendedStreamWithAGap(Vertx vertx) throws Exception {
    // one member owns everything, so its budget is the cluster's; sweeps run every second
    cluster = TestCluster.start(1, Map.of(NodeFlag.HISTORY_BUDGET_BYTES, "8000",
        NodeFlag.COMPLETED_RETENTION_SECONDS, "2"));
    HttpClient http = LoopHttpClient.create(vertx);
    String padding = "p".repeat(500);
    await(Publishing.publishSequence(http, cluster.publish(0), "older", "o", 0, 10, padding));
    await(Publishing.publishSequence(http, cluster.publish(0), "newer", "n", 0, 10, padding));

    waitFor(() -> state(0, "older").bounds().retained() == 0, 10_000, "older stream trimmed");
    assertEquals(10, state(0, "newer").bounds().retained(), "the most recently appended stream keeps its events");
    StreamState older = state(0, "older");
    SseProbe probe = await(SseProbe.open(vertx, http, cluster.edge(0) + "/streams/older",
        Map.of("Last-Event-ID", older.epoch() + "-3")));
    SseEvent gap = await(probe.awaitType("gap", 5_000));
    assertEquals(older.epoch() + "-3", new JsonObject(gap.data()).getString("requested"));
    // the stream goes on: new events reach the subscriber after the gap
    await(Publishing.publish(http, cluster.publish(0), "older", "after"));
    assertEquals("after", await(probe.awaitDataEvents(1, 5_000)).get(0).data());
    probe.close();
  }

  private StreamState state(int node, String stream) {
    return await(cluster.node(node).history().state(stream));
  }

  /** No member holds the stream as owner or as backup, and no edge holds a feed of it. */
  private void assertGoneFromEveryMember(String stream) {
    int primaries = 0;
    long backups = 0;
    for (int i = 0; i < cluster.size(); i++) {
      IMap<String, ?> map = cluster.node(i).hazelcast().getMap(HazelcastStreamHistory.MAP);
      assertFalse(map.localKeySet().contains(stream), "member " + i + " still owns " + stream);
      assertFalse(cluster.node(i).hasFeed(stream), "node " + i + " still has a feed of " + stream);
      primaries += map.getLocalMapStats().getOwnedEntryCount();
      backups += map.getLocalMapStats().getBackupEntryCount();
    }
    assertNull(state(0, stream));
    // every backup belongs to an entry that still exists: none is left of the deleted stream
    assertEquals(primaries, backups, "backups mirror the remaining entries exactly");
  }

  private static String scrape(HttpClient http, String edge) {
    return await(LoopHttpClient.call(http, () -> http.request(HttpMethod.GET, port(edge), "127.0.0.1", "/metrics")
        .compose(r -> r.send()).compose(r -> r.body()))).toString();
  }

  private static int port(String base) {
    return Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
  }

  private static void waitFor(BooleanSupplier done, long timeoutMillis, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(100);
    }
  }

  private static <T> T await(Future<T> f) {
    return TestCluster.await(f);
  }
}
