package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.StartPosition;
import io.streamcast.client.StreamSubscriber;
import io.streamcast.client.SubscriberOptions;
import io.streamcast.client.SubscriptionEnd;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code --max-stream-seconds} on a real node over real sockets: each connection is ended after its
 * time with an {@code event: error} {@code max_duration} that carries no id, so the project's own client
 * resumes with its last id and ends with every event exactly once, in order, while events kept coming
 * across the closes; NDJSON gets the same error as a line; {@code /metrics} counts every close.
 */
@ExtendWith(VertxExtension.class)
class MaxStreamSecondsTest {

  private static final String LIMITED = "streamcast_streams_limited_total";
  private static TestCluster cluster;
  private HttpClient http;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.MAX_STREAM_SECONDS, "1"));
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void client(Vertx vertx) {
    http = LoopHttpClient.create(vertx);
  }

  private static Future<Double> maxDurationCloses(Vertx vertx) {
    return vertx.executeBlocking(() -> PrometheusText.scrape(cluster.edge(0)).value(LIMITED,
        Map.of("reason", "max_duration")));
  }

  /** Publishes {@code data} one by one, {@code pauseMillis} apart, then completes the stream. */
  private Future<Void> publishPaced(Vertx vertx, String stream, List<String> data, long pauseMillis) {
    Promise<Void> done = Promise.promise();
    publishNext(vertx, stream, data, 0, pauseMillis, done);
    return done.future().compose(v -> Publishing.post(http, cluster.publish(0) + "/streams/" + stream + "/complete",
        Buffer.buffer(), Map.of())).compose(a -> a.status() == 201 ? Future.succeededFuture()
        : Future.failedFuture("complete: " + a.status() + " " + a.body()));
  }

  private void publishNext(Vertx vertx, String stream, List<String> data, int i, long pauseMillis, Promise<Void> done) {
    if (i == data.size()) {
      done.complete();
      return;
    }
    Publishing.publish(http, cluster.publish(0), stream, data.get(i)).onComplete(ar -> {
      if (ar.failed() || ar.result().status() != 201) {
        done.tryFail("publish " + i + ": " + (ar.failed() ? ar.cause() : ar.result().body()));
      } else {
        vertx.setTimer(pauseMillis, id -> publishNext(vertx, stream, data, i + 1, pauseMillis, done));
      }
    });
  }

  /** @return the whole body of an NDJSON stream, once the server ended it */
  private Future<String> ndjsonBody(String url) {
    return LoopHttpClient.call(http, () -> http.request(new io.vertx.core.http.RequestOptions().setAbsoluteURI(url)
            .putHeader("Accept", "application/x-ndjson"))
        .compose(req -> req.send())
        .compose(resp -> resp.body())
        .map(Buffer::toString));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void clientResumesAfterEachCloseAndGetsEveryEventOnce(Vertx vertx, VertxTestContext ctx) {
    String stream = "limits.duration";
    // 6 s or more of events, 40 ms apart: a stream lives 1-2 s (the sweep runs once a second), so at least
    // two closes fall inside them
    List<String> published = IntStream.range(0, 150).mapToObj(i -> "event-" + i).toList();
    List<String> received = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    List<String> resumedWith = new CopyOnWriteArrayList<>();
    StreamSubscriber subscriber = StreamSubscriber.create(vertx, SubscriberOptions.builder()
        .nodes(cluster.edge(0)).stream(stream).startPosition(StartPosition.earliest()).build());
    subscriber.eventHandler(e -> {
      if (e.isData()) {
        received.add(e.data());
      }
    });
    subscriber.errorEventHandler(e -> errors.add(e.error()));
    subscriber.connectHandler(c -> resumedWith.add(String.valueOf(c.lastEventId())));
    maxDurationCloses(vertx).compose(before -> {
      Future<SubscriptionEnd> end = subscriber.start();
      return publishPaced(vertx, stream, published, 40)
          .compose(v -> end)
          .compose(e -> maxDurationCloses(vertx).map(after -> {
            ctx.verify(() -> {
              assertEquals(SubscriptionEnd.Reason.COMPLETE_EVENT, e.reason(), e.toString());
              assertEquals(published, received, "every event once, in order, across the closes");
              assertTrue(errors.size() >= 2, "closed by max_duration at least twice: " + errors);
              assertTrue(errors.stream().allMatch("max_duration"::equals), errors.toString());
              assertEquals(errors.size() + 1, e.connections(), "one connection per close, and the last one");
              // every reconnect after the first sent the id of the last event the client had
              assertFalse(resumedWith.subList(1, resumedWith.size()).contains("null"), resumedWith.toString());
              assertTrue(after - before >= errors.size(), "closes counted: " + before + " -> " + after);
            });
            return e;
          }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void theErrorMovesNoPositionInSseAndIsALineInNdjson(Vertx vertx, VertxTestContext ctx) {
    String stream = "limits.duration.wire";
    Publishing.publish(http, cluster.publish(0), stream, "one")
        .compose(a -> Future.all(SseProbe.open(vertx, http, cluster.edge(0) + "/streams/" + stream + "?from=earliest"),
            ndjsonBody(cluster.edge(0) + "/streams/" + stream + "?from=earliest")))
        .compose(both -> {
          SseProbe sse = both.resultAt(0);
          String ndjson = both.resultAt(1);
          return sse.awaitEnd(10_000).map(v -> List.of(sse.raw(), ndjson));
        })
        .onComplete(ctx.succeeding(bodies -> ctx.verify(() -> {
          String sse = bodies.get(0);
          int error = sse.indexOf("event: error\n");
          assertTrue(error > 0, sse);
          String block = sse.substring(error, sse.indexOf("\n\n", error));
          assertFalse(block.contains("id:"), "no id line moves the client's Last-Event-ID: " + block);
          JsonObject data = new JsonObject(block.substring(block.indexOf("data: ") + 6));
          assertEquals("max_duration", data.getString("error"));
          assertTrue(data.getString("message").contains("--max-stream-seconds 1"), data.encode());
          assertTrue(sse.endsWith("\n\n"), "the error is the stream's last event, then a clean end");

          List<String> lines = new ArrayList<>(List.of(bodies.get(1).split("\n")));
          lines.removeIf(String::isBlank);
          JsonObject last = new JsonObject(lines.get(lines.size() - 1));
          assertEquals("error", last.getString("event"), lines.toString());
          assertEquals(null, last.getValue("id"));
          assertEquals("max_duration", new JsonObject(last.getString("data")).getString("error"));
          assertEquals("one", new JsonObject(lines.get(0)).getString("data"));
          ctx.completeNow();
        })));
  }
}
