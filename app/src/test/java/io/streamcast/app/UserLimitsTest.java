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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract's {@code 429}: per-user limits on a real node with auth on, over real sockets.
 * Streaming connections per user ({@code --max-connections-per-user 2}) and publishes per second
 * per user ({@code --max-publishes-per-second-per-user 5}), what a refused client sees (status,
 * JSON, {@code Retry-After}), that one user's limit does not touch another's, that a closed
 * stream gives its slot back, that a refused publish never reaches history, and that {@code
 * streamcast_requests_refused_total} counts every refusal with its port and reason. Bytes per user ({@code
 * --max-bytes-per-minute-per-user 4000}, over a window shortened to 5 s): a user past them has its stream ended
 * with {@code event: error quota_exceeded}, then {@code 429} with {@code Retry-After} until the window frees,
 * while another user goes on. The other tests' users receive far less than the quota.
 */
@ExtendWith(VertxExtension.class)
class UserLimitsTest {

  private static final String SECRET = "user-limits-secret-of-a-reasonable-length-0123";
  private static final String REFUSED = "streamcast_requests_refused_total";
  /** The byte quota's window, shortened from a minute (no flag sets it: {@code EdgeConfig#withQuotaWindowMillis}). */
  private static final long QUOTA_WINDOW_MILLIS = 5_000;
  private static final int QUOTA = 4_000;
  /** Event data of 600 bytes with its 10-character prefix: the quota is spent by the seventh event. */
  private static final String QUOTA_PADDING = "x".repeat(590);

  private static TestCluster cluster;
  private HttpClient http;
  private JWTAuth signer;
  private String edge;
  private String pub;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.JWT_SECRET, SECRET,
        NodeFlag.MAX_CONNECTIONS_PER_USER, "2",
        NodeFlag.MAX_PUBLISHES_PER_SECOND_PER_USER, "5",
        NodeFlag.MAX_BYTES_PER_MINUTE_PER_USER, Integer.toString(QUOTA)),
        c -> c.withEdge(c.edge().withQuotaWindowMillis(QUOTA_WINDOW_MILLIS)));
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void client(Vertx vertx) {
    http = LoopHttpClient.create(vertx, new PoolOptions().setHttp1MaxSize(16));
    signer = Tokens.hs256(vertx, SECRET);
    edge = cluster.edge(0);
    pub = cluster.publish(0);
  }

  /** A token of {@code sub} (none when null) that may subscribe to and publish on every stream. */
  private String token(String sub) {
    JsonObject claims = new JsonObject().put("sub_streams", new JsonArray().add("*"))
        .put("pub_streams", new JsonArray().add("*"));
    if (sub != null) {
      claims.put("sub", sub);
    }
    return signer.generateToken(claims, new JWTOptions().setExpiresInSeconds(60));
  }

  private Future<SseProbe> subscribe(Vertx vertx, String token, String stream) {
    return SseProbe.open(vertx, http, edge + "/streams/" + stream, Map.of("Authorization", "Bearer " + token));
  }

  private Future<Publishing.Answer> publishAs(String token, String stream, String data) {
    return Publishing.post(http, pub + "/streams/" + stream, Buffer.buffer(data), Tokens.bearer(token));
  }

  private Future<Publishing.Answer> getAs(String url, Map<String, String> headers) {
    return Publishing.get(http, url, headers);
  }


  private static void assertRateLimited(Publishing.Answer a, String limitFlag) {
    assertEquals(429, a.status(), () -> "status; body " + a.body());
    assertEquals("rate_limited", a.body().getString("error"), () -> "error code; body " + a.body());
    String message = a.body().getString("message", "");
    assertTrue(message.contains(limitFlag), () -> "the message names the limit: " + message);
    String retryAfter = a.headers().get("Retry-After");
    assertNotNull(retryAfter, "Retry-After on a 429");
    assertTrue(Integer.parseInt(retryAfter) >= 1, "Retry-After: " + retryAfter);
  }

  /** {@code streamcast_requests_refused_total{port,reason}} of the node, scraped off the event loop. */
  private static Future<Double> refused(Vertx vertx, String port, String reason) {
    return vertx.executeBlocking(() -> {
      double sum = 0;
      int series = 0;
      for (Metric m : PrometheusText.scrape(cluster.edge(0)).family(REFUSED).getMetrics()) {
        if (port.equals(m.getLabels().get("port")) && reason.equals(m.getLabels().get("reason"))) {
          sum += ((Counter) m).getValue();
          series++;
        }
      }
      if (series != 1) {
        throw new AssertionError("expected one " + REFUSED + " series for port=" + port + " reason=" + reason
            + ", found " + series);
      }
      return sum;
    });
  }

  /** Retries a subscription every 50 ms while it is refused with 429, for up to {@code millis}. */
  private Future<SseProbe> subscribeOnceReleased(Vertx vertx, String token, String stream, long millis) {
    return SseProbe.openOnceNotLimited(vertx, http, edge + "/streams/" + stream,
        Map.of("Authorization", "Bearer " + token), 50, millis);
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void thirdStreamOfAUserIs429UntilOneCloses(Vertx vertx, VertxTestContext ctx) {
    String stream = "limits.conns";
    String alice = token("alice");
    String bob = token("bob");
    String writer = token("writer");
    List<SseProbe> open = new ArrayList<>();
    refused(vertx, "edge", "rate_limited").compose(before ->
        // an SSE and an NDJSON stream: both are streaming connections and both count
        subscribe(vertx, alice, stream)
            .compose(first -> SseProbe.open(vertx, http, edge + "/streams/" + stream,
                    Map.of("Authorization", "Bearer " + alice, "Accept", "application/x-ndjson"))
                .map(second -> List.of(first, second)))
            .compose(alices -> {
              open.addAll(alices);
              ctx.verify(() -> {
                assertEquals(200, alices.get(0).status(), alices.get(0).raw());
                assertEquals(200, alices.get(1).status(), alices.get(1).raw());
              });
              return getAs(edge + "/streams/" + stream, Map.of("Authorization", "Bearer " + alice));
            })
            .compose(third -> {
              ctx.verify(() -> {
                assertRateLimited(third, "--max-connections-per-user 2");
                assertEquals("5", third.headers().get("Retry-After"));
              });
              // another user is not affected by alice's limit
              return subscribe(vertx, bob, stream);
            })
            .compose(bobs -> {
              open.add(bobs);
              ctx.verify(() -> assertEquals(200, bobs.status(), bobs.raw()));
              return refused(vertx, "edge", "rate_limited").map(after -> {
                ctx.verify(() -> assertEquals(before + 1, after, "one refusal counted on the edge"));
                return bobs;
              });
            })
            .compose(bobs -> {
              // alice leaves one stream: the server sees the close and gives the slot back
              open.get(0).close();
              return subscribeOnceReleased(vertx, alice, stream, 5_000);
            })
            .compose(again -> {
              open.add(again);
              ctx.verify(() -> assertEquals(200, again.status(), "alice's stream after closing one: " + again.raw()));
              // the streams that were let in are real streams: an event reaches them
              return publishAs(writer, stream, "after the limit").compose(a -> {
                ctx.verify(() -> assertEquals(201, a.status(), a.body().encode()));
                return Future.all(again.awaitDataEvents(1, 5_000), open.get(2).awaitDataEvents(1, 5_000));
              });
            }))
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          assertEquals("after the limit", events.<List<SseEvent>>resultAt(0).get(0).data());
          assertEquals("after the limit", events.<List<SseEvent>>resultAt(1).get(0).data());
          open.forEach(SseProbe::close);
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void tokensWithoutSubShareOneAnonymousLimit(Vertx vertx, VertxTestContext ctx) {
    String stream = "limits.anonymous";
    // two distinct tokens without sub (different expiry, so different strings): one bucket
    String first = token(null);
    String second = signer.generateToken(new JsonObject().put("sub_streams", new JsonArray().add("*")),
        new JWTOptions().setExpiresInSeconds(120));
    List<SseProbe> open = new ArrayList<>();
    subscribe(vertx, first, stream)
        .compose(a -> {
          open.add(a);
          return subscribe(vertx, second, stream);
        })
        .compose(b -> {
          open.add(b);
          return getAs(edge + "/streams/" + stream, Map.of("Authorization", "Bearer " + second));
        })
        .onComplete(ctx.succeeding(third -> ctx.verify(() -> {
          assertEquals(200, open.get(0).status(), open.get(0).raw());
          assertEquals(200, open.get(1).status(), open.get(1).raw());
          assertRateLimited(third, "--max-connections-per-user");
          open.forEach(SseProbe::close);
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void publishesBeyondTheBucketAre429AndNeverReachHistory(Vertx vertx, VertxTestContext ctx) {
    String stream = "limits.publish";
    String alice = token("alice.publisher");
    String bob = token("bob.publisher");
    Set<String> accepted = new HashSet<>();
    int[] limited = new int[1];
    refused(vertx, "publish", "rate_limited").compose(before -> {
      // 20 fired together: the bucket holds 5 and refills one per 200 ms, so however slow the machine
      // is, no more than 5 + (elapsed / 200 ms) can pass, and all 20 only if they took 3 s to arrive
      int fired = 20;
      long started = System.nanoTime();
      List<Future<Publishing.Answer>> burst = new ArrayList<>();
      for (int i = 1; i <= fired; i++) {
        burst.add(publishAs(alice, stream, "alice " + i));
      }
      return Future.all(burst).compose(all -> {
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        List<Publishing.Answer> answers = all.list();
        ctx.verify(() -> {
          int ok = 0;
          for (int i = 0; i < answers.size(); i++) {
            if (answers.get(i).status() == 429) {
              assertRateLimited(answers.get(i), "--max-publishes-per-second-per-user 5");
              limited[0]++;
            } else {
              assertEquals(201, answers.get(i).status(), () -> "answers: " + answers);
              accepted.add("alice " + (i + 1));
              ok++;
            }
          }
          assertTrue(ok >= 5, "the burst of 5 passes: " + ok);
          assertTrue(ok <= 5 + elapsedMillis / 200 + 1, ok + " passed in " + elapsedMillis + " ms: more than the bucket allows");
          assertTrue(limited[0] >= 1, "some of " + fired + " publishes in " + elapsedMillis + " ms were refused");
        });
        return publishAs(bob, stream, "bob 1");
      }).compose(bobs -> {
        ctx.verify(() -> assertEquals(201, bobs.status(), "another user's bucket is its own: " + bobs.body()));
        accepted.add("bob 1");
        return refused(vertx, "publish", "rate_limited");
      }).map(after -> {
        ctx.verify(() -> assertEquals(before + limited[0], after, "every refusal counted on the publish port"));
        return null;
      });
    }).compose(v -> {
      Promise<Void> waited = Promise.promise();
      // 5 a second refills one token per 200 ms: after 1.2 s the bucket is full again
      vertx.setTimer(1_200, id -> waited.complete());
      return waited.future();
    }).compose(v -> publishAs(alice, stream, "alice later"))
        .compose(later -> {
          ctx.verify(() -> assertEquals(201, later.status(), "alice after the refill: " + later.body()));
          accepted.add("alice later");
          return getAs(edge + "/streams/" + stream + "/info", Map.of("Authorization", "Bearer " + bob));
        })
        .compose(info -> {
          ctx.verify(() -> assertEquals((long) accepted.size(), info.body().getLong("retained"),
              "the refused publishes are not in history: " + info.body()));
          return subscribeEarliest(vertx, bob, stream, accepted.size());
        })
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          assertEquals(accepted, events.stream().map(SseEvent::data).collect(Collectors.toSet()),
              "history holds exactly the accepted publishes");
          ctx.completeNow();
        })));
  }

  /** Reads the stream's whole history ({@code count} events) as a subscriber would. */
  private Future<List<SseEvent>> subscribeEarliest(Vertx vertx, String token, String stream, int count) {
    return SseProbe.open(vertx, http, edge + "/streams/" + stream + "?from=earliest",
            Map.of("Authorization", "Bearer " + token))
        .compose(p -> p.awaitDataEvents(count, 5_000).onComplete(x -> p.close()));
  }


  /**
   * {@code --max-bytes-per-minute-per-user}: {@code streamcast_streams_limited_total{reason="quota_exceeded"}} and
   * {@code streamcast_requests_refused_total{port="edge",reason="quota_exceeded"}}.
   */
  private static Future<List<Double>> quotaCounters(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      PrometheusText scrape = PrometheusText.scrape(cluster.edge(0));
      return List.of(scrape.value("streamcast_streams_limited_total", Map.of("reason", "quota_exceeded")),
          scrape.value(REFUSED, Map.of("port", "edge", "reason", "quota_exceeded")));
    });
  }

  /** Publishes {@code count} events of 600 bytes, each by its own user (the publish limit stays out of the way). */
  private Future<Void> publishEach(String stream, int count) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < count; i++) {
      String writer = token("quota.writer." + i);
      String data = String.format("%09d;", i) + QUOTA_PADDING;
      chain = chain.compose(v -> publishAs(writer, stream, data).compose(a -> a.status() == 201
          ? Future.succeededFuture() : Future.failedFuture("publish: " + a.status() + " " + a.body())));
    }
    return chain;
  }

  @Test
  @Timeout(value = 40, timeUnit = TimeUnit.SECONDS)
  void aUserPastItsBytesIsEndedThenRefusedUntilTheQuotaWindowFrees(Vertx vertx, VertxTestContext ctx) {
    String alice = token("quota.alice");
    String bob = token("quota.bob");
    String writer = token("quota.writer");
    List<SseProbe> open = new ArrayList<>();
    List<Double> before = new ArrayList<>();
    quotaCounters(vertx)
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
          return publishEach("quota.big", 16).compose(v -> alices.awaitType("error", 10_000));
        })
        .compose(error -> {
          JsonObject data = new JsonObject(error.data());
          SseProbe alices = open.get(0);
          ctx.verify(() -> {
            assertEquals("quota_exceeded", data.getString("error"), data.encode());
            assertTrue(data.getString("message").contains("--max-bytes-per-minute-per-user"), data.encode());
            int retryAfter = data.getInteger("retryAfter", 0);
            assertTrue(retryAfter >= 1 && retryAfter <= QUOTA_WINDOW_MILLIS / 1000, "retryAfter " + retryAfter);
            List<SseEvent> got = alices.dataEvents();
            // six events (about 3700 bytes) fit in the quota; the write that crosses it goes out (one event, or
            // a few when the node coalesced them into one write), nothing after it
            assertTrue(got.size() >= 6 && got.size() < 16, "events before the quota ended the stream: " + got.size());
            assertTrue(alices.raw().length() < QUOTA + 4 * (QUOTA_PADDING.length() + 40),
                "bytes sent: " + alices.raw().length());
          });
          return alices.awaitEnd(5_000)
              // her reconnect, on any stream: refused before any byte, until the window frees
              .compose(v -> getAs(edge + "/streams/quota.big", Tokens.bearer(alice)));
        })
        .compose(refused -> {
          ctx.verify(() -> {
            assertEquals(429, refused.status(), refused.body().encode());
            assertEquals("quota_exceeded", refused.body().getString("error"));
            assertNotNull(refused.body().getString("message"));
            String retryAfter = refused.headers().get("Retry-After");
            assertNotNull(retryAfter, "Retry-After on the 429");
            assertTrue(Integer.parseInt(retryAfter) >= 1 && Integer.parseInt(retryAfter) <= QUOTA_WINDOW_MILLIS / 1000,
                "Retry-After: " + retryAfter);
          });
          // bob is another user: his stream goes on, and he opens another
          return publishAs(writer, "quota.small", "for bob")
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
          return subscribeOnceReleased(vertx, alice, "quota.small", QUOTA_WINDOW_MILLIS + 5_000);
        })
        .compose(again -> {
          open.add(again);
          ctx.verify(() -> assertEquals(200, again.status(), "alice after the window: " + again.raw()));
          return publishAs(writer, "quota.small", "for alice again").compose(a -> again.awaitDataEvents(1, 5_000));
        })
        .compose(events -> quotaCounters(vertx).map(after -> {
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

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void unauthorizedAndForbiddenAreCountedPerPort(Vertx vertx, VertxTestContext ctx) {
    String readOnly = signer.generateToken(new JsonObject().put("sub", "reader")
        .put("sub_streams", new JsonArray().add("limits.*")), new JWTOptions().setExpiresInSeconds(60));
    Future.all(refused(vertx, "edge", "unauthorized"), refused(vertx, "publish", "forbidden"),
            refused(vertx, "edge", "forbidden"), refused(vertx, "publish", "unauthorized"))
        .compose(before -> Future.all(
                getAs(edge + "/streams/limits.metrics", Map.of()),
                getAs(edge + "/streams/other.metrics", Map.of("Authorization", "Bearer " + readOnly)),
                publishAs(readOnly, "limits.metrics", "not allowed"))
            .compose(answers -> {
              ctx.verify(() -> {
                assertEquals(401, answers.<Publishing.Answer>resultAt(0).status());
                assertEquals(403, answers.<Publishing.Answer>resultAt(1).status());
                assertEquals(403, answers.<Publishing.Answer>resultAt(2).status());
              });
              return Future.all(refused(vertx, "edge", "unauthorized"), refused(vertx, "publish", "forbidden"),
                  refused(vertx, "edge", "forbidden"), refused(vertx, "publish", "unauthorized"));
            })
            .map(after -> {
              ctx.verify(() -> {
                assertEquals(before.<Double>resultAt(0) + 1, after.<Double>resultAt(0), "edge unauthorized");
                assertEquals(before.<Double>resultAt(1) + 1, after.<Double>resultAt(1), "publish forbidden");
                assertEquals(before.<Double>resultAt(2) + 1, after.<Double>resultAt(2), "edge forbidden");
                assertEquals(before.<Double>resultAt(3), after.<Double>resultAt(3), "publish unauthorized: none");
              });
              return after;
            }))
        .onComplete(ctx.succeeding(after -> ctx.completeNow()));
  }
}
