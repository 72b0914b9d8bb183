package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code --max-bytes-per-minute-per-user} on a real node with auth on, over real sockets, with the quota's
 * window shortened to {@value #WINDOW_MILLIS} ms (no flag sets it; {@code EdgeConfig#withQuotaWindowMillis}):
 * a user past its bytes has its stream ended with {@code event: error} {@code quota_exceeded}, its reconnect
 * answered {@code 429} with {@code Retry-After} and the JSON error until the window frees, another user goes
 * on unaffected, the user subscribes again once the window is over, and {@code /metrics} counts both acts.
 */
@ExtendWith(VertxExtension.class)
class ByteQuotaTest {

  private static final String SECRET = "byte-quota-secret-of-a-reasonable-length-0123";
  private static final long WINDOW_MILLIS = 5_000;
  private static final int QUOTA = 4_000;
  /** Event data of 600 bytes: the quota is spent by the seventh event. */
  private static final String PADDING = "x".repeat(590);

  private static TestCluster cluster;
  private HttpClient http;
  private JWTAuth signer;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.JWT_SECRET, SECRET,
            NodeFlag.MAX_BYTES_PER_MINUTE_PER_USER, Integer.toString(QUOTA)),
        c -> c.withEdge(c.edge().withQuotaWindowMillis(WINDOW_MILLIS)));
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void client(Vertx vertx) {
    http = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(16));
    signer = Tokens.hs256(vertx, SECRET);
  }

  private String token(String sub) {
    return signer.generateToken(new JsonObject().put("sub", sub).put("sub_streams", new JsonArray().add("*"))
        .put("pub_streams", new JsonArray().add("*")), new JWTOptions().setExpiresInSeconds(120));
  }

  private Future<SseProbe> subscribe(Vertx vertx, String token, String stream) {
    return SseProbe.open(vertx, http, cluster.edge(0) + "/streams/" + stream, Tokens.bearer(token));
  }

  /** Publishes {@code count} events of 600 bytes on {@code stream}, one after the other. */
  private Future<Void> publish(String writer, String stream, int count) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      String data = String.format("%09d;", i) + PADDING;
      chain = chain.compose(v -> publishOne(writer, stream, data).compose(a -> a.status() == 201
          ? Future.succeededFuture() : Future.failedFuture("publish: " + a.status() + " " + a.body())));
    }
    return chain;
  }

  private Future<Publishing.Answer> publishOne(String writer, String stream, String data) {
    return Publishing.post(http, cluster.publish(0) + "/streams/" + stream, Buffer.buffer(data),
        Tokens.bearer(writer));
  }

  private static Future<Double> metric(Vertx vertx, String family, Map<String, String> labels) {
    return vertx.executeBlocking(() -> PrometheusText.scrape(cluster.edge(0)).value(family, labels));
  }

  private static Future<List<Double>> counters(Vertx vertx) {
    return metric(vertx, "streamcast_streams_limited_total", Map.of("reason", "quota_exceeded"))
        .compose(limited -> metric(vertx, "streamcast_requests_refused_total",
            Map.of("port", "edge", "reason", "quota_exceeded")).map(refused -> List.of(limited, refused)));
  }

  /** Subscribes every 100 ms while the answer is 429, for up to {@code millis}. */
  private Future<SseProbe> subscribeOnceFreed(Vertx vertx, String token, String stream, long millis) {
    Promise<SseProbe> result = Promise.promise();
    attempt(vertx, token, stream, System.currentTimeMillis() + millis, result);
    return result.future();
  }

  private void attempt(Vertx vertx, String token, String stream, long deadline, Promise<SseProbe> result) {
    subscribe(vertx, token, stream).onComplete(ar -> {
      if (ar.succeeded() && ar.result().status() == 429 && System.currentTimeMillis() < deadline) {
        ar.result().close();
        vertx.setTimer(100, id -> attempt(vertx, token, stream, deadline, result));
      } else {
        result.handle(ar);
      }
    });
  }

  @Test
  @Timeout(value = 40, timeUnit = TimeUnit.SECONDS)
  void aUserPastItsBytesIsEndedThenRefusedUntilTheWindowFrees(Vertx vertx, VertxTestContext ctx) {
    String alice = token("alice");
    String bob = token("bob");
    String writer = token("writer");
    List<SseProbe> open = new ArrayList<>();
    List<Double> before = new ArrayList<>();
    counters(vertx)
        .compose(c -> {
          before.addAll(c);
          return Future.all(subscribe(vertx, alice, "quota.big"), subscribe(vertx, bob, "quota.small"));
        })
        .compose(both -> {
          SseProbe alices = both.resultAt(0);
          SseProbe bobs = both.resultAt(1);
          open.add(alices);
          open.add(bobs);
          ctx.verify(() -> {
            assertEquals(200, alices.status(), alices.raw());
            assertEquals(200, bobs.status(), bobs.raw());
          });
          // 16 events of 600 bytes on alice's stream: far past her 4000 bytes
          return publish(writer, "quota.big", 16).compose(v -> alices.awaitType("error", 10_000));
        })
        .compose(error -> {
          JsonObject data = new JsonObject(error.data());
          SseProbe alices = open.get(0);
          ctx.verify(() -> {
            assertEquals("quota_exceeded", data.getString("error"), data.encode());
            assertTrue(data.getString("message").contains("--max-bytes-per-minute-per-user"), data.encode());
            int retryAfter = data.getInteger("retryAfter", 0);
            assertTrue(retryAfter >= 1 && retryAfter <= WINDOW_MILLIS / 1000, "retryAfter " + retryAfter);
            List<SseEvent> got = alices.dataEvents();
            // six events (about 3700 bytes) fit in the quota; the write that crosses it goes out (one event, or
            // a few when the node coalesced them into one write), nothing after it
            assertTrue(got.size() >= 6 && got.size() < 16, "events before the quota ended the stream: " + got.size());
            assertTrue(alices.raw().length() < QUOTA + 4 * (PADDING.length() + 40),
                "bytes sent: " + alices.raw().length());
          });
          return alices.awaitEnd(5_000)
              // her reconnect, on any stream: refused before any byte, until the window frees
              .compose(v -> Publishing.get(http, cluster.edge(0) + "/streams/quota.big", Tokens.bearer(alice)));
        })
        .compose(refused -> {
          ctx.verify(() -> {
            assertEquals(429, refused.status(), refused.body().encode());
            assertEquals("quota_exceeded", refused.body().getString("error"));
            assertNotNull(refused.body().getString("message"));
            String retryAfter = refused.headers().get("Retry-After");
            assertNotNull(retryAfter, "Retry-After on the 429");
            assertTrue(Integer.parseInt(retryAfter) >= 1 && Integer.parseInt(retryAfter) <= WINDOW_MILLIS / 1000,
                "Retry-After: " + retryAfter);
          });
          // bob is another user: his stream goes on, and he opens another
          return publishOne(writer, "quota.small", "for bob")
              .compose(a -> open.get(1).awaitDataEvents(1, 5_000))
              .compose(events -> subscribe(vertx, bob, "quota.big"));
        })
        .compose(bobsSecond -> {
          open.add(bobsSecond);
          ctx.verify(() -> {
            assertEquals("for bob", open.get(1).dataEvents().get(0).data());
            assertEquals(200, bobsSecond.status(), bobsSecond.raw());
          });
          // once the window is over, alice is served again
          return subscribeOnceFreed(vertx, alice, "quota.small", WINDOW_MILLIS + 5_000);
        })
        .compose(again -> {
          open.add(again);
          ctx.verify(() -> assertEquals(200, again.status(), "alice after the window: " + again.raw()));
          return publishOne(writer, "quota.small", "for alice again").compose(a -> again.awaitDataEvents(1, 5_000));
        })
        .compose(events -> counters(vertx).map(after -> {
          ctx.verify(() -> {
            assertEquals("for alice again", events.get(0).data());
            assertEquals(before.get(0) + 1, after.get(0), "one stream ended by the quota");
            assertTrue(after.get(1) >= before.get(1) + 1, "the reconnect's 429 counted: " + before + " -> " + after);
          });
          return after;
        }))
        .onComplete(ctx.succeeding(v -> {
          open.forEach(SseProbe::close);
          ctx.completeNow();
        }));
  }
}
