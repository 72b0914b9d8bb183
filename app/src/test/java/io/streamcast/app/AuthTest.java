package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.Backoff;
import io.streamcast.client.SseEvent;
import io.streamcast.client.StartPosition;
import io.streamcast.client.StreamSubscriber;
import io.streamcast.client.SubscriberOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's Auth on a real node started with {@code --jwt-secret} (HS256) and one with
 * {@code --jwt-public-key} (ES256): tokens minted with vertx-auth-jwt, sent over real sockets the
 * three ways the contract allows, and what a client sees when it is refused or its token expires.
 */
@ExtendWith(VertxExtension.class)
class AuthTest {

  private static final String SECRET = "test-secret-of-a-reasonable-length-0123456789";

  private static TestCluster cluster;
  /** The node of the public-key test, stopped after it (not on an event loop: stopping blocks). */
  private TestCluster pemCluster;
  private HttpClient http;
  private JWTAuth signer;
  private String edge;
  private String pub;

  @BeforeAll
  static void startNode() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.JWT_SECRET, SECRET));
  }

  @AfterAll
  static void stopNode() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void stopPemNode() {
    if (pemCluster != null) {
      pemCluster.close();
    }
  }

  @BeforeEach
  void client(Vertx vertx) {
    http = LoopHttpClient.create(vertx, new PoolOptions().setHttp1MaxSize(16));
    signer = Tokens.hs256(vertx, SECRET);
    edge = cluster.edge(0);
    pub = cluster.publish(0);
  }

  /** A token for {@code sub} valid for a minute. */
  private String token(List<String> subStreams, List<String> pubStreams) {
    return signer.generateToken(claims(subStreams, pubStreams), new JWTOptions().setExpiresInSeconds(60));
  }

  private static JsonObject claims(List<String> subStreams, List<String> pubStreams) {
    JsonObject claims = new JsonObject().put("sub", "alice");
    if (subStreams != null) {
      claims.put("sub_streams", new JsonArray(subStreams));
    }
    if (pubStreams != null) {
      claims.put("pub_streams", new JsonArray(pubStreams));
    }
    return claims;
  }

  private Future<Publishing.Answer> publishAs(String token, String stream, String data) {
    return Publishing.post(http, pub + "/streams/" + stream, Buffer.buffer(data), Tokens.bearer(token));
  }

  private Future<Publishing.Answer> getAs(String url, Map<String, String> headers) {
    return Publishing.get(http, url, headers);
  }


  private static void assertRefused(Publishing.Answer a, int status, String code) {
    assertEquals(status, a.status(), () -> "status; body " + a.body());
    assertEquals(code, a.body().getString("error"), () -> "error code; body " + a.body());
    assertFalse(a.body().getString("message", "").isBlank(), "a message for humans");
    if (status == 401) {
      assertTrue(String.valueOf(a.headers().get("WWW-Authenticate")).startsWith("Bearer"),
          () -> "WWW-Authenticate: " + a.headers().get("WWW-Authenticate"));
    }
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void subscribeWithoutTokenIs401Json(VertxTestContext ctx) {
    getAs(edge + "/streams/orders", Map.of("Accept", "text/event-stream"))
        .onComplete(ctx.succeeding(a -> ctx.verify(() -> {
          assertRefused(a, 401, "unauthorized");
          assertTrue(a.body().getString("message").contains("access token is required"), a.body().encode());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void badSignatureOrGarbageIs401SayingInvalid(Vertx vertx, VertxTestContext ctx) {
    String forged = Tokens.hs256(vertx, "another-secret-another-secret-another-secret")
        .generateToken(claims(List.of("*"), List.of("*")), new JWTOptions().setExpiresInSeconds(60));
    Future.all(
            getAs(edge + "/streams/orders", Map.of("Authorization", "Bearer " + forged)),
            getAs(edge + "/streams/orders", Map.of("Authorization", "Bearer not.a.jwt")),
            publishAs(forged, "orders", "x"))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (int i = 0; i < 3; i++) {
            Publishing.Answer a = all.resultAt(i);
            assertRefused(a, 401, "unauthorized");
            String message = a.body().getString("message");
            assertTrue(message.contains("invalid"), message);
            assertFalse(message.contains(forged) || message.contains("not.a.jwt"), "the token is never echoed");
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void expiredTokenIs401SayingExpired(VertxTestContext ctx) {
    long past = System.currentTimeMillis() / 1000 - 30;
    String expired = signer.generateToken(claims(List.of("*"), List.of("*")).put("exp", past), new JWTOptions());
    Future.all(
            getAs(edge + "/streams/orders?access_token=" + expired, Map.of()),
            publishAs(expired, "orders", "x"))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (int i = 0; i < 2; i++) {
            Publishing.Answer a = all.resultAt(i);
            assertRefused(a, 401, "unauthorized");
            assertTrue(a.body().getString("message").contains("expired"), a.body().encode());
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void tokenInHeaderQueryOrCookieEachSubscribe(Vertx vertx, VertxTestContext ctx) {
    String stream = "auth.ways";
    String reader = token(List.of("auth.*"), null);
    String writer = token(null, List.of(stream));
    Future.all(
            SseProbe.open(vertx, http, edge + "/streams/" + stream, Map.of("Authorization", "Bearer " + reader)),
            SseProbe.open(vertx, http, edge + "/streams/" + stream + "?access_token=" + reader),
            SseProbe.open(vertx, http, edge + "/streams/" + stream, Map.of("Cookie", "streamcast_token=" + reader)))
        .compose(probes -> {
          ctx.verify(() -> {
            for (int i = 0; i < 3; i++) {
              assertEquals(200, probes.<SseProbe>resultAt(i).status(), "way " + i + ": " + probes.<SseProbe>resultAt(i).raw());
            }
          });
          return publishAs(writer, stream, "hello").compose(a -> {
            ctx.verify(() -> assertEquals(201, a.status(), a.body().encode()));
            return Future.all(List.of(probes.<SseProbe>resultAt(0).awaitDataEvents(1, 10_000),
                probes.<SseProbe>resultAt(1).awaitDataEvents(1, 10_000),
                probes.<SseProbe>resultAt(2).awaitDataEvents(1, 10_000)));
          });
        })
        .onComplete(ctx.succeeding(received -> ctx.verify(() -> {
          for (int i = 0; i < 3; i++) {
            List<SseEvent> events = received.resultAt(i);
            assertEquals("hello", events.get(0).data(), "way " + i);
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void subscribeOutsideSubStreamsIs403(VertxTestContext ctx) {
    String reader = token(List.of("orders.*", "a.b"), List.of("*"));
    Future.all(
            getAs(edge + "/streams/payments", Map.of("Authorization", "Bearer " + reader)),
            // the dot of a pattern is a dot, not "any character"
            getAs(edge + "/streams/axb", Map.of("Authorization", "Bearer " + reader)),
            getAs(edge + "/streams/payments/info", Map.of("Authorization", "Bearer " + reader)))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (int i = 0; i < 3; i++) {
            assertRefused(all.resultAt(i), 403, "forbidden");
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void publishNeedsAPubStreamsMatch(VertxTestContext ctx) {
    String readerOnly = token(List.of("*"), null);
    String ordersWriter = token(null, List.of("orders.*"));
    Future.all(List.of(
            publishAs(readerOnly, "orders.eu", "nope"),
            Publishing.post(http, pub + "/streams/orders.eu/complete", Buffer.buffer(), Tokens.bearer(readerOnly)),
            Publishing.post(http, pub + "/streams/orders.eu", Buffer.buffer("anonymous"), Map.of()),
            publishAs(ordersWriter, "orders.eu", "order 1"),
            publishAs(ordersWriter, "orders", "not under orders.*")))
        .compose(all -> getAs(pub + "/streams/orders.eu/info", Map.of("Authorization", "Bearer " + ordersWriter))
            .map(info -> {
              ctx.verify(() -> {
                assertRefused(all.resultAt(0), 403, "forbidden");
                assertRefused(all.resultAt(1), 403, "forbidden");
                assertRefused(all.resultAt(2), 401, "unauthorized");
                Publishing.Answer ok = all.resultAt(3);
                assertEquals(201, ok.status(), ok.body().encode());
                assertEquals("orders.eu", ok.body().getString("stream"));
                assertRefused(all.resultAt(4), 403, "forbidden");
                assertEquals(200, info.status(), "a publish grant reads info on the publish port: " + info.body());
                assertTrue(info.body().getString("lastId").equals(ok.id()), "only the allowed publish landed: " + info.body());
              });
              return null;
            }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void systemStreamsAreNeverWrittenAndReadOnlyThroughAnExplicitPattern(Vertx vertx, VertxTestContext ctx) {
    String stats = NodeStatsReporter.STREAM;
    // "*" everywhere: what a tenant's broad token looks like; it must not reach the cluster's own streams
    String everything = token(List.of("*"), List.of("*"));
    String systemToo = token(List.of("orders.*", "_cluster.*"), List.of("*", "_cluster.*", "_*"));
    String suffixOnly = token(List.of("*.stats", "*cluster*"), null);
    Future.all(List.of(
            publishAs(everything, stats, "forged"),
            // even a pattern written for system streams does not make them writable
            publishAs(systemToo, stats, "forged"),
            Publishing.post(http, pub + "/streams/" + stats + "/complete", Buffer.buffer(), Tokens.bearer(systemToo)),
            Publishing.request(http, io.vertx.core.http.HttpMethod.DELETE, pub + "/streams/" + stats,
                Map.of("Authorization", "Bearer " + systemToo)),
            // no token at all: still 403, a token could not help
            Publishing.post(http, pub + "/streams/" + stats, Buffer.buffer("forged"), Map.of()),
            getAs(edge + "/streams/" + stats, Map.of("Authorization", "Bearer " + everything)),
            getAs(edge + "/streams/" + stats + "/info", Map.of("Authorization", "Bearer " + everything)),
            getAs(pub + "/streams/" + stats + "/info", Map.of("Authorization", "Bearer " + everything)),
            getAs(edge + "/streams/" + stats, Map.of("Authorization", "Bearer " + suffixOnly)),
            getAs(edge + "/streams/" + stats + "/info", Map.of("Authorization", "Bearer " + systemToo))))
        .compose(all -> SseProbe.open(vertx, http, edge + "/streams/" + stats + "?from=earliest&access_token=" + systemToo)
            .compose(probe -> probe.awaitDataEvents(1, 10_000).map(events -> {
              ctx.verify(() -> {
                for (int i = 0; i < 5; i++) {
                  Publishing.Answer a = all.resultAt(i);
                  assertRefused(a, 403, "forbidden");
                  assertTrue(a.body().getString("message").contains("system stream"), a.body().encode());
                }
                for (int i = 5; i < 9; i++) {
                  Publishing.Answer a = all.resultAt(i);
                  assertRefused(a, 403, "forbidden");
                  assertTrue(a.body().getString("message").contains("'_cluster.*'"), "says which pattern: " + a.body());
                }
                assertEquals(200, all.<Publishing.Answer>resultAt(9).status(), "info with _cluster.*");
                assertEquals(200, probe.status(), "subscribe with _cluster.*");
                for (SseEvent e : events) {
                  assertEquals(NodeStatsReporter.EVENT_TYPE, e.type(), e.data());
                  assertFalse(e.data().contains("forged"), e.data());
                }
              });
              probe.close();
              return null;
            })))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void infoNeedsAGrantAndOperationsStayOpen(VertxTestContext ctx) {
    String reader = token(List.of("auth.info"), null);
    Future.all(List.of(
            getAs(edge + "/streams/auth.info/info", Map.of()),
            getAs(edge + "/streams/auth.info/info", Map.of("Authorization", "Bearer " + reader)),
            getAs(pub + "/streams/auth.info/info", Map.of("Authorization", "Bearer " + reader)),
            getAs(pub + "/streams/auth.info/info", Map.of()),
            getAs(edge + "/health", Map.of()),
            getAs(edge + "/ready", Map.of()),
            getAs(edge + "/metrics", Map.of()),
            getAs(edge + "/dashboard", Map.of())))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertRefused(all.resultAt(0), 401, "unauthorized");
          assertEquals(200, all.<Publishing.Answer>resultAt(1).status(), "edge info with a subscribe grant");
          assertEquals("auth.info", all.<Publishing.Answer>resultAt(1).body().getString("stream"));
          assertEquals(200, all.<Publishing.Answer>resultAt(2).status(), "publish-port info with a subscribe grant");
          assertRefused(all.resultAt(3), 401, "unauthorized");
          for (int i = 4; i < 8; i++) {
            assertEquals(200, all.<Publishing.Answer>resultAt(i).status(), "open endpoint " + i);
          }
          assertEquals("on", all.<Publishing.Answer>resultAt(4).body().getString("auth"), "/health says auth is on");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void streamEndsWithTokenExpiredErrorWhenTheTokenExpires(Vertx vertx, VertxTestContext ctx) {
    String stream = "auth.expiring";
    long exp = System.currentTimeMillis() / 1000 + 2;
    String shortLived = signer.generateToken(claims(List.of(stream), null).put("exp", exp), new JWTOptions());
    String writer = token(null, List.of(stream));
    long opened = System.currentTimeMillis();
    SseProbe.open(vertx, http, edge + "/streams/" + stream + "?access_token=" + shortLived)
        .compose(probe -> {
          ctx.verify(() -> assertEquals(200, probe.status()));
          return publishAs(writer, stream, "before expiry")
              .compose(a -> probe.awaitDataEvents(1, 5_000))
              .compose(v -> probe.awaitType("error", 8_000))
              .compose(error -> probe.awaitEnd(5_000).map(error));
        })
        .onComplete(ctx.succeeding(error -> ctx.verify(() -> {
          JsonObject data = new JsonObject(error.data());
          assertEquals("token_expired", data.getString("error"), error.data());
          assertTrue(System.currentTimeMillis() >= exp * 1000, "not ended before the token's exp");
          assertTrue(System.currentTimeMillis() - opened < 6_000, "ended within about a second of exp");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 40, timeUnit = TimeUnit.SECONDS)
  void clientFetchesAFreshTokenAfterTokenExpiredAndLosesNothing(Vertx vertx, VertxTestContext ctx) {
    String stream = "auth.refresh";
    String writer = token(null, List.of(stream));
    AtomicInteger tokensIssued = new AtomicInteger();
    // every connection gets a token that lives 2 s, so the stream outlives several of them
    Supplier<String> tokens = () -> {
      tokensIssued.incrementAndGet();
      return signer.generateToken(claims(List.of(stream), null)
          .put("exp", System.currentTimeMillis() / 1000 + 2), new JWTOptions());
    };
    List<String> received = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    StreamSubscriber subscriber = StreamSubscriber.create(vertx, SubscriberOptions.builder()
        .nodes(edge).stream(stream).startPosition(StartPosition.earliest()).bearerToken(tokens)
        .backoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.1)).maxReconnectAttempts(20).build());
    // the event handler sees every event, the error event included: keep the stream's own
    subscriber.eventHandler(e -> {
      if ("message".equals(e.type())) {
        received.add(e.data());
      }
    }).errorEventHandler(e -> errors.add(e.error()));
    subscriber.start();
    int events = 30;
    AtomicInteger sent = new AtomicInteger();
    // 30 publishes, 150 ms apart: about 4.5 s, past at least one token's expiry
    vertx.setPeriodic(150, id -> {
      int i = sent.getAndIncrement();
      if (i >= events) {
        vertx.cancelTimer(id);
        return;
      }
      publishAs(writer, stream, "e" + i).onFailure(ctx::failNow);
    });
    vertx.setPeriodic(100, id -> {
      if (received.size() >= events) {
        vertx.cancelTimer(id);
        vertx.setTimer(300, t -> subscriber.close().onComplete(closed -> ctx.verify(() -> {
          List<String> expected = java.util.stream.IntStream.range(0, events).mapToObj(i -> "e" + i).toList();
          assertEquals(expected, received, "every event once, in order, across the reconnects");
          assertTrue(errors.contains("token_expired"), "the node ended a stream whose token expired: " + errors);
          assertTrue(tokensIssued.get() >= 2, "the client asked for a fresh token to resume: " + tokensIssued.get());
          ctx.completeNow();
        })));
      }
    });
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void es256PublicKeyFromPemFileVerifiesTokens(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    Path publicKey = dir.resolve("streamcast-jwt.pub.pem");
    String publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
    Files.writeString(publicKey, publicPem);
    JWTAuth es256 = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("ES256").setBuffer(pem("PRIVATE KEY", pair.getPrivate().getEncoded()))));
    String good = es256.generateToken(claims(List.of("pem.*"), List.of("pem.*")),
        new JWTOptions().setAlgorithm("ES256").setExpiresInSeconds(60));
    // the classic confusion: HS256 with the public key's text as the secret must not pass
    String confused = Tokens.hs256(vertx, publicPem).generateToken(claims(List.of("*"), List.of("*")),
        new JWTOptions().setExpiresInSeconds(60));
    pemCluster = TestCluster.start(1, Map.of(NodeFlag.JWT_PUBLIC_KEY, publicKey.toString()));
    String pemEdge = pemCluster.edge(0);
    String pemPub = pemCluster.publish(0);
    SseProbe.open(vertx, http, pemEdge + "/streams/pem.events", Map.of("Authorization", "Bearer " + good))
        .compose(probe -> Publishing.post(http, pemPub + "/streams/pem.events", Buffer.buffer("signed"), Tokens.bearer(good))
            .compose(published -> probe.awaitDataEvents(1, 10_000).map(events -> {
              ctx.verify(() -> {
                assertEquals(200, probe.status());
                assertEquals(201, published.status(), published.body().encode());
                assertEquals("signed", events.get(0).data());
              });
              return null;
            })))
        .compose(v -> Future.all(
            getAs(pemEdge + "/streams/pem.events", Map.of("Authorization", "Bearer " + confused)),
            getAs(pemEdge + "/streams/pem.events", Map.of("Authorization", "Bearer " + token(List.of("*"), null)))))
        .onComplete(ar -> {
          ctx.verify(() -> {
            assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause()));
            assertRefused(ar.result().resultAt(0), 401, "unauthorized");
            assertRefused(ar.result().resultAt(1), 401, "unauthorized");
          });
          ctx.completeNow();
        });
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
