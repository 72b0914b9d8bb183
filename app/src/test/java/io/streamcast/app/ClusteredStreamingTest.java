package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The clustered end-to-end path on two real nodes (two Hazelcast members on loopback, real HTTP
 * over sockets): publish on one node, subscribe on the other, resume anywhere.
 */
@ExtendWith(VertxExtension.class)
class ClusteredStreamingTest {

  /** Small enough that the gap test can outrun it quickly, large enough for the resume test. */
  private static final int HISTORY_CAPACITY = 250;

  private static TestCluster cluster;
  private HttpClient http;
  private String a;
  private String b;
  private String pubA;
  private String pubB;

  @BeforeAll
  static void startCluster() {
    cluster = TestCluster.start(2, Map.of(
        NodeFlag.HISTORY_CAPACITY, Integer.toString(HISTORY_CAPACITY),
        NodeFlag.HEARTBEAT_SECONDS, "1"));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void client(Vertx vertx) {
    http = LoopHttpClient.create(vertx, new PoolOptions().setHttp1MaxSize(16));
    a = cluster.edge(0);
    b = cluster.edge(1);
    pubA = cluster.publish(0);
    pubB = cluster.publish(1);
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void eventsPublishedOnOneNodeReachSubscribersOnAnotherInOrder(Vertx vertx, VertxTestContext ctx) {
    SseProbe.open(vertx, http, b + "/streams/cross")
        .compose(probe -> {
          ctx.verify(() -> {
            assertEquals(200, probe.status());
            assertEquals("text/event-stream", probe.headers().get("Content-Type"));
            assertEquals("no-cache", probe.headers().get("Cache-Control"));
            assertEquals("no", probe.headers().get("X-Accel-Buffering"));
            assertNull(probe.headers().get("Content-Encoding"));
          });
          return Publishing.publishSequence(http, pubA, "cross", "e", 0, 20).compose(v -> probe.awaitDataEvents(20, 10_000));
        })
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          assertEquals(range("e", 0, 20), data(events));
          assertConsecutive(events);
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 40, timeUnit = TimeUnit.SECONDS)
  void clientResumingOnTheOtherNodeGetsExactlyTheMissedEventsThenLive(Vertx vertx, VertxTestContext ctx) {
    String stream = "resume";
    SseProbe.open(vertx, http, a + "/streams/" + stream)
        .compose(first -> Publishing.publishSequence(http, pubB, stream, "before", 0, 10)
            .compose(v -> first.awaitDataEvents(10, 10_000))
            .map(events -> {
              first.close();
              return events.get(events.size() - 1).id();
            }))
        .compose(lastId -> Publishing.publishSequence(http, pubA, stream, "missed", 0, 100)
            .compose(v -> SseProbe.open(vertx, http, b + "/streams/" + stream, Map.of("Last-Event-ID", lastId))))
        .compose(second -> second.awaitDataEvents(100, 10_000)
            .compose(v -> Publishing.publishSequence(http, pubB, stream, "live", 0, 5))
            .compose(v -> second.awaitDataEvents(105, 10_000))
            // a moment for any stray duplicate to show up
            .compose(v -> vertx.timer(300).map(t -> second.dataEvents())))
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          List<String> expected = new ArrayList<>(range("missed", 0, 100));
          expected.addAll(range("live", 0, 5));
          assertEquals(expected, data(events));
          assertConsecutive(events);
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void concurrentPublishersOnTwoNodesGiveEverySubscriberTheSameOrder(Vertx vertx, VertxTestContext ctx) {
    String stream = "hammer";
    int perPublisher = 150;
    List<SseProbe> probes = new ArrayList<>();
    Future.all(List.of(
            SseProbe.open(vertx, http, a + "/streams/" + stream).onSuccess(probes::add),
            SseProbe.open(vertx, http, a + "/streams/" + stream).onSuccess(probes::add),
            SseProbe.open(vertx, http, b + "/streams/" + stream).onSuccess(probes::add),
            SseProbe.open(vertx, http, b + "/streams/" + stream).onSuccess(probes::add)))
        .compose(v -> {
          // every publish in flight at once from both nodes' publish ports: history decides the order
          List<Future<?>> publishes = new ArrayList<>();
          for (int i = 0; i < perPublisher; i++) {
            publishes.add(Publishing.publish(http, pubA, stream, "A" + i));
            publishes.add(Publishing.publish(http, pubB, stream, "B" + i));
          }
          return Future.all(publishes);
        })
        .compose(v -> Future.all(probes.stream().map(p -> p.awaitDataEvents(2 * perPublisher, 20_000))
            .collect(Collectors.toList())))
        .compose(v -> vertx.timer(300))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          List<SseEvent> reference = probes.get(0).dataEvents();
          assertEquals(2 * perPublisher, reference.size());
          assertEquals(2 * perPublisher, new HashSet<>(data(reference)).size(), "no duplicates");
          assertConsecutive(reference);
          for (SseProbe p : probes) {
            assertEquals(ids(reference), ids(p.dataEvents()), "same ids, same order on every subscriber");
            assertEquals(data(reference), data(p.dataEvents()));
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void positionOlderThanHistoryGetsAGapEventThenTheOldestRetained(Vertx vertx, VertxTestContext ctx) {
    String stream = "gappy";
    int total = HISTORY_CAPACITY + 50;
    Publishing.publish(http, pubA, stream, "first")
        .compose(first -> Publishing.publishSequence(http, pubA, stream, "n", 1, total - 1).map(first.id()))
        .compose(firstId -> SseProbe.open(vertx, http, b + "/streams/" + stream + "?lastEventId=" + firstId)
            .compose(p -> p.awaitDataEvents(HISTORY_CAPACITY, 10_000).map(x -> p))
            .map(p -> Map.entry(firstId, p)))
        .onComplete(ctx.succeeding(entry -> ctx.verify(() -> {
          String firstId = entry.getKey();
          SseProbe p = entry.getValue();
          SseEvent gap = p.events.get(0);
          assertEquals("gap", gap.type(), "loss is never silent: the gap comes first");
          JsonObject info = new JsonObject(gap.data());
          assertEquals(firstId, info.getString("requested"));
          List<SseEvent> events = p.dataEvents();
          String oldest = events.get(0).id();
          assertEquals(seq(oldest) - 1, seq(info.getString("resumedAfter")));
          assertEquals(range("n", total - HISTORY_CAPACITY, HISTORY_CAPACITY), data(events));
          assertConsecutive(events);
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void dataWithLineBreaksCannotInjectSseFields(Vertx vertx, VertxTestContext ctx) {
    String stream = "inject";
    String hostile = "a\nevent: evil\rid: 999\r\nretry: 1\n\ndata: x\r\rb";
    SseProbe.open(vertx, http, b + "/streams/" + stream)
        .compose(p -> Publishing.publish(http, pubA, stream, hostile).compose(x -> p.awaitDataEvents(1, 10_000)).map(p))
        .compose(p -> Future.all(
                Publishing.post(http, pubA + "/streams/" + stream + "?event=ok%0Aevent:%20evil", Buffer.buffer("x"), Map.of()),
                Publishing.post(http, pubA + "/streams/" + stream + "?event=ok%0Did:%201", Buffer.buffer("x"), Map.of()),
                Publishing.post(http, pubA + "/streams/bad%0Aname", Buffer.buffer("x"), Map.of()),
                Publishing.get(http, a + "/streams/bad%0Aname"),
                Publishing.get(http, a + "/streams/" + stream + "?lastEventId=x%0Aevent:%20evil"))
            .map(all -> Map.entry(p, all.<Publishing.Answer>list())))
        .compose(r -> vertx.timer(300).map(r))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          SseProbe p = r.getKey();
          List<SseEvent> events = p.dataEvents();
          assertEquals(1, events.size(), "exactly one event, whatever the data holds");
          SseEvent e = events.get(0);
          assertEquals("message", e.type());
          assertTrue(e.id().matches("[a-z0-9]+-\\d+"), e.id());
          // each of \n, \r\n and \r became its own data: line; the parser joins them with \n
          assertEquals("a\nevent: evil\nid: 999\nretry: 1\n\ndata: x\n\nb", e.data());
          assertTrue(p.raw().contains("data: a\ndata: event: evil\ndata: id: 999\ndata: retry: 1\ndata: \n"
              + "data: data: x\ndata: \ndata: b\n\n"), p.raw());
          for (Publishing.Answer answer : r.getValue()) {
            assertEquals(400, answer.status(), answer.body().encode());
          }
          assertEquals("bad_parameter", r.getValue().get(0).body().getString("error"));
          assertEquals("bad_stream_name", r.getValue().get(2).body().getString("error"));
          assertEquals("bad_stream_name", r.getValue().get(3).body().getString("error"));
          assertEquals("bad_position", r.getValue().get(4).body().getString("error"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void idempotencyKeyRetryOnTheOtherNodeReturnsTheFirstIdAndPublishesOnce(Vertx vertx, VertxTestContext ctx) {
    String stream = "idem";
    Map<String, String> key = Map.of("Idempotency-Key", "order-42", "Content-Type", "text/plain");
    Publishing.post(http, pubA + "/streams/" + stream, Buffer.buffer("charge"), key)
        .compose(first -> Publishing.post(http, pubB + "/streams/" + stream, Buffer.buffer("charge"), key)
            .map(retry -> List.of(first, retry)))
        .compose(answers -> Publishing.get(http, b + "/streams/" + stream + "/info").map(info -> Map.entry(answers, info)))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          Publishing.Answer first = r.getKey().get(0);
          Publishing.Answer retry = r.getKey().get(1);
          assertEquals(201, first.status());
          assertEquals(201, retry.status());
          assertEquals(first.id(), retry.id());
          assertEquals("true", retry.headers().get("Idempotent-Replayed"));
          JsonObject info = r.getValue().body();
          assertEquals(1, info.getInteger("retained"), info.encode());
          assertEquals(first.id(), info.getString("lastId"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void publishingAfterACompleteIsRefusedOnEveryNodeAtOnce(Vertx vertx, VertxTestContext ctx) {
    // both nodes have read the stream's meta (each published on it), so whichever does not own it
    // holds it in its near cache: the complete made on one node must reach the other's cache
    // before the next publish there, not whenever a batch of invalidations happens to be sent
    List<String> streams = List.of("done-1", "done-2", "done-3", "done-4");
    Future<Void> chain = Future.succeededFuture();
    List<Publishing.Answer> late = new ArrayList<>();
    for (String stream : streams) {
      chain = chain
          .compose(v -> Publishing.publish(http, pubA, stream, "a"))
          .compose(v -> Publishing.publish(http, pubB, stream, "b"))
          .compose(v -> Publishing.post(http, pubB + "/streams/" + stream + "/complete", Buffer.buffer(), Map.of()))
          .compose(v -> vertx.timer(300))
          .compose(v -> Future.all(Publishing.publish(http, pubA, stream, "late on A"),
              Publishing.publish(http, pubB, stream, "late on B")))
          .map(all -> {
            late.addAll(all.<Publishing.Answer>list());
            return null;
          });
    }
    chain.onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      for (Publishing.Answer a : late) {
        assertEquals(409, a.status(), "a publish 300 ms after the complete: " + a.body());
        assertEquals("stream_completed", a.body().getString("error"));
      }
      ctx.completeNow();
    })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void completeReachesLiveAndResumingClientsAndLaterRequestsGet204(Vertx vertx, VertxTestContext ctx) {
    String stream = "job-7";
    List<String> ids = new ArrayList<>();
    SseProbe.open(vertx, http, a + "/streams/" + stream)
        .compose(live -> Publishing.publish(http, pubA, stream, "p1").onSuccess(x -> ids.add(x.id()))
            .compose(x -> Publishing.publish(http, pubA, stream, "p2")).onSuccess(x -> ids.add(x.id()))
            .compose(x -> Publishing.post(http, pubB + "/streams/" + stream + "/complete", Buffer.buffer(), Map.of()))
            .onSuccess(x -> ids.add(x.id()))
            .compose(x -> live.awaitType("complete", 10_000).compose(c -> live.awaitEnd(5_000)).map(live)))
        .compose(live -> SseProbe.open(vertx, http, b + "/streams/" + stream, Map.of("Last-Event-ID", ids.get(0)))
            .compose(resumed -> resumed.awaitType("complete", 10_000).compose(c -> resumed.awaitEnd(5_000)).map(resumed))
            .map(resumed -> List.of(live, resumed)))
        .compose(probes -> Future.all(
                Publishing.get(http, b + "/streams/" + stream + "?lastEventId=" + ids.get(2)),
                Publishing.get(http, a + "/streams/" + stream),
                Publishing.publish(http, pubA, stream, "too late"))
            .map(answers -> Map.entry(probes, answers.<Publishing.Answer>list())))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          SseProbe live = r.getKey().get(0);
          SseProbe resumed = r.getKey().get(1);
          assertEquals(List.of("p1", "p2"), data(live.dataEvents()));
          assertEquals("complete", last(live.events).type());
          assertEquals(ids.get(2), last(live.events).id(), "the complete event has an id like any other");
          assertEquals(List.of("p2"), data(resumed.dataEvents()));
          assertEquals(ids.get(2), last(resumed.events).id());
          assertEquals(204, r.getValue().get(0).status(), "positioned at the complete event");
          assertEquals(204, r.getValue().get(1).status(), "from=latest on a completed stream");
          assertEquals(409, r.getValue().get(2).status());
          assertEquals("stream_completed", r.getValue().get(2).body().getString("error"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void publishPathsReadAsTheRouterReadsThemAndAChunkedBodyIsBounded(Vertx vertx, VertxTestContext ctx) {
    Buffer half = Buffer.buffer(new byte[(1 << 19) + 1]);
    Future<Publishing.Answer> chunked = LoopHttpClient.call(http, () -> http.request(new RequestOptions()
            .setMethod(HttpMethod.POST).setAbsoluteURI(pubA + "/streams/chunked").addHeader("Content-Type", "text/plain"))
        .compose(req -> {
          req.setChunked(true); // no Content-Length: the limit must hold while the body arrives
          req.write(half);
          req.end(half);
          return req.response();
        })
        .compose(resp -> resp.body().map(b -> new Publishing.Answer(resp.statusCode(), new JsonObject(b), resp.headers()))));
    Future.all(List.of(
            Publishing.post(http, pubA + "/streams/pct%2Dname", Buffer.buffer("x"), Map.of()),
            Publishing.post(http, pubA + "/streams/slashed/", Buffer.buffer("x"), Map.of()),
            chunked))
        .compose(all -> Publishing.get(http, a + "/streams/chunked/info").map(info -> Map.entry(all.<Publishing.Answer>list(), info)))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          List<Publishing.Answer> answers = r.getKey();
          assertEquals(201, answers.get(0).status(), answers.get(0).body().encode());
          assertEquals("pct-name", answers.get(0).body().getString("stream"), "the name is percent-decoded");
          assertEquals(201, answers.get(1).status(), answers.get(1).body().encode());
          assertEquals("slashed", answers.get(1).body().getString("stream"));
          assertEquals(413, answers.get(2).status(), answers.get(2).body().encode());
          assertEquals("data_too_large", answers.get(2).body().getString("error"));
          assertEquals(0, r.getValue().body().getInteger("retained", 0), "nothing of the refused body was appended");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void everyContractErrorComesWithItsJsonBody(Vertx vertx, VertxTestContext ctx) {
    String stream = "errors";
    Buffer tooLarge = Buffer.buffer(new byte[(1 << 20) + 1]);
    Future.all(List.of(
            Publishing.post(http, pubA + "/streams/" + "x".repeat(129), Buffer.buffer("x"), Map.of()),
            Publishing.get(http, a + "/streams/has%20space"),
            Publishing.get(http, a + "/streams/" + stream + "?lastEventId=not-an-id"),
            Publishing.get(http, a + "/streams/" + stream + "?from=middle"),
            Publishing.post(http, pubA + "/streams/" + stream + "?event=gap", Buffer.buffer("x"), Map.of()),
            Publishing.post(http, pubA + "/streams/" + stream, Buffer.buffer("x"), Map.of("Idempotency-Key", "has space")),
            Publishing.post(http, pubA + "/streams/" + stream, tooLarge, Map.of("Content-Type", "text/plain")),
            Publishing.post(http, pubA + "/streams/" + stream, Buffer.buffer("x"), Map.of("Content-Type", "multipart/form-data; boundary=z")),
            Publishing.post(http, pubA + "/streams/" + stream, Buffer.buffer(new byte[] {(byte) 0xff, (byte) 0xfe}), Map.of("Content-Type", "text/plain")),
            Publishing.post(http, pubA + "/streams/" + stream, Buffer.buffer("x"), Map.of("Content-Type", "text/plain; charset=latin1")),
            Publishing.get(http, a + "/no-such-endpoint"),
            Publishing.request(http, HttpMethod.DELETE, a + "/streams/" + stream),
            Publishing.get(http, pubA + "/streams/" + stream),
            Publishing.post(http, pubA + "/streams/" + stream + "/info", Buffer.buffer("x"), Map.of())))
        .compose(all -> Publishing.get(http, a + "/streams/" + stream + "/info").map(info -> Map.entry(all.<Publishing.Answer>list(), info)))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          List<Publishing.Answer> answers = r.getKey();
          int[] status = {400, 400, 400, 400, 400, 400, 413, 415, 415, 415, 404, 405, 405, 405};
          String[] code = {"bad_stream_name", "bad_stream_name", "bad_position", "bad_parameter", "bad_parameter",
              "bad_parameter", "data_too_large", "unsupported_body", "unsupported_body", "unsupported_body",
              "not_found", "method_not_allowed", "method_not_allowed", "method_not_allowed"};
          for (int i = 0; i < status.length; i++) {
            Publishing.Answer answer = answers.get(i);
            assertEquals(status[i], answer.status(), "case " + i + ": " + answer.body());
            assertEquals(code[i], answer.body().getString("error"), "case " + i);
            assertFalse(answer.body().getString("message", "").isBlank(), "case " + i + " has a human message");
            assertTrue(answer.headers().get("Content-Type").startsWith("application/json"), "case " + i);
          }
          // a 405 says what the path does take (RFC 9110)
          assertEquals("GET", answers.get(11).headers().get("Allow"));
          assertEquals("POST, DELETE", answers.get(12).headers().get("Allow"));
          assertEquals("GET", answers.get(13).headers().get("Allow"));
          assertEquals(0, r.getValue().body().getInteger("retained"), "nothing refused reached history");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void systemStreamsCannotBeWrittenThroughThePublishApiEvenWithAuthOff(Vertx vertx, VertxTestContext ctx) {
    String stats = NodeStatsReporter.STREAM;
    Future.all(List.of(
            Publishing.post(http, pubA + "/streams/" + stats + "?event=node-stats",
                Buffer.buffer("{\"node\":\"node-1\",\"forged\":true}"), Map.of("Content-Type", "application/json")),
            Publishing.post(http, pubB + "/streams/" + stats + "/complete", Buffer.buffer(), Map.of()),
            Publishing.request(http, HttpMethod.DELETE, pubA + "/streams/" + stats),
            // any name starting with '_' is the nodes' own, not only _cluster.*
            Publishing.post(http, pubA + "/streams/_internal", Buffer.buffer("x"), Map.of()),
            // the path parameter is decoded before the check: an escaped '_' is still a '_'
            Publishing.post(http, pubA + "/streams/%5Fcluster.stats", Buffer.buffer("x"), Map.of())))
        .compose(all -> SseProbe.open(vertx, http, a + "/streams/" + stats + "?from=earliest")
            .compose(probe -> probe.awaitDataEvents(1, 10_000).map(events -> {
              probe.close();
              return Map.entry(all.<Publishing.Answer>list(), events);
            })))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          for (int i = 0; i < r.getKey().size(); i++) {
            Publishing.Answer answer = r.getKey().get(i);
            assertEquals(403, answer.status(), "case " + i + ": " + answer.body());
            assertEquals("forbidden", answer.body().getString("error"), "case " + i);
            assertTrue(answer.body().getString("message").contains("system stream"), answer.body().encode());
          }
          // reading follows the subscribe rules (open with auth off); what it holds came from the nodes
          for (SseEvent e : r.getValue()) {
            assertEquals(NodeStatsReporter.EVENT_TYPE, e.type(), e.data());
            assertFalse(e.data().contains("forged"), "no forged figures: " + e.data());
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void ndjsonOnTheSameUrlAndHeartbeatsOnQuietStreams(Vertx vertx, VertxTestContext ctx) {
    String stream = "nd";
    Publishing.publish(http, pubA, stream, "line one\nline two")
        .compose(x -> LoopHttpClient.call(http, () -> http.request(io.vertx.core.http.HttpMethod.GET,
                cluster.node(1).httpPort(), "127.0.0.1", "/streams/" + stream + "?from=earliest")
            .compose(req -> req.putHeader("Accept", "application/x-ndjson").send())
            .map(resp -> {
              StringBuffer body = new StringBuffer();
              resp.handler(buf -> body.append(buf.toString()));
              return Map.entry(resp, body);
            })))
        .compose(sent -> {
          io.vertx.core.http.HttpClientResponse resp = sent.getKey();
          StringBuffer body = sent.getValue();
          return vertx.timer(500).map(t -> {
            resp.request().connection().close();
            return Map.entry(resp.getHeader("Content-Type"), body.toString());
          });
        })
        .compose(nd -> SseProbe.open(vertx, http, a + "/streams/quiet")
            .compose(p -> vertx.timer(2_500).map(t -> Map.entry(nd, p))))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("application/x-ndjson", r.getKey().getKey());
          String firstLine = r.getKey().getValue().split("\n")[0];
          JsonObject event = new JsonObject(firstLine);
          assertEquals("line one\nline two", event.getString("data"));
          assertEquals("message", event.getString("event"));
          assertTrue(event.getString("id").endsWith("-0"));
          assertTrue(r.getValue().comments.size() >= 1, "a quiet stream gets heartbeat comments");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void stalledSubscriberCatchesUpFromHistoryAndIsToldWhatItLost(Vertx vertx, VertxTestContext ctx) {
    String stream = "stall";
    // what the client misses (~13 MB) is more than its socket buffers (~4 MB here) and history (250 events) hold
    int chains = 4;
    int perChain = 200;
    String pad = "x".repeat(16 * 1024);
    // a tiny fixed receive buffer: the server's socket fills up fast once the client stops reading
    HttpClient stalled = LoopHttpClient.create(vertx, new io.vertx.core.http.HttpClientOptions().setReceiveBufferSize(4096));
    SseProbe.open(vertx, stalled, a + "/streams/" + stream)
        .compose(p -> {
          p.pause();
          List<Future<Void>> publishers = new ArrayList<>();
          for (int c = 0; c < chains; c++) {
            publishers.add(Publishing.publishSequence(http, pubB, stream, "c" + c + "-", 0, perChain, pad));
          }
          return Future.all(publishers).compose(v -> Publishing.get(http, b + "/streams/" + stream + "/info"))
              .map(info -> Map.entry(p, info.body().getString("lastId")));
        })
        .compose(pl -> {
          SseProbe p = pl.getKey();
          p.resume();
          return p.awaitCondition(() -> !p.dataEvents().isEmpty()
                  && p.dataEvents().get(p.dataEvents().size() - 1).id().equals(pl.getValue()),
              // the 4 KiB receive window makes the catch-up of ~4 MB of history slow on purpose: it
              // took 2-28 s here, so allow well over that before calling it lost
              75_000, () -> "last event never arrived; got " + p.dataEvents().size()).map(p);
        })
        .compose(p -> Publishing.publishSequence(http, pubA, stream, "live", 0, 3, "")
            .compose(v -> p.awaitDataEvents(0, 1))
            .compose(v -> vertx.timer(500)).map(p))
        .onComplete(ctx.succeeding(p -> ctx.verify(() -> {
          List<SseEvent> all = p.events;
          long gaps = all.stream().filter(e -> e.type().equals("gap")).count();
          assertTrue(gaps >= 1, "history (" + HISTORY_CAPACITY + " events) cannot hold what the stalled client missed");
          // the stream is exact apart from the signalled gaps: every event follows the one before it,
          // or the gap event right before it says where the stream resumed
          String previous = null;
          for (SseEvent e : all) {
            if (e.type().equals("gap")) {
              JsonObject gap = new JsonObject(e.data());
              assertEquals(previous, gap.getString("requested"), "the gap names the last event the client got");
              previous = gap.getString("resumedAfter");
              continue;
            }
            if (previous != null) {
              assertEquals(seq(previous) + 1, seq(e.id()), "after " + previous);
            }
            previous = e.id();
          }
          List<String> tail = data(p.dataEvents()).subList(p.dataEvents().size() - 3, p.dataEvents().size());
          assertEquals(List.of("live0;", "live1;", "live2;"), tail, "and it is live again");
          ctx.completeNow();
        })));
  }

  private static List<String> range(String prefix, int from, int count) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static List<String> data(List<SseEvent> events) {
    return events.stream().map(SseEvent::data).collect(Collectors.toList());
  }

  private static List<String> ids(List<SseEvent> events) {
    return events.stream().map(SseEvent::id).collect(Collectors.toList());
  }

  private static long seq(String id) {
    return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
  }

  private static <T> T last(List<T> list) {
    return list.get(list.size() - 1);
  }

  /** Sequences increase by exactly one: no gap, no duplicate, no reorder. */
  private static void assertConsecutive(List<SseEvent> events) {
    Set<String> epochs = new HashSet<>();
    for (int i = 0; i < events.size(); i++) {
      String id = events.get(i).id();
      epochs.add(id.substring(0, id.lastIndexOf('-')));
      if (i > 0) {
        assertEquals(seq(events.get(i - 1).id()) + 1, seq(id), "event " + i + " follows event " + (i - 1));
      }
    }
    assertEquals(1, epochs.size(), "one history epoch");
  }
}
