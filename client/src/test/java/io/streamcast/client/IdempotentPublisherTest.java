package io.streamcast.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publisher against fake nodes that fail, refuse, hang or accept. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class IdempotentPublisherTest {

  private static PublisherOptions.Builder options(String... nodes) {
    return PublisherOptions.builder()
      .nodes(nodes)
      .backoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(200), 0));
  }

  private static Future<FakeNode> node(Vertx vertx, BiConsumer<HttpServerRequest, FakeNode.Received> behaviour) {
    return FakeNode.start(vertx, behaviour);
  }

  /** A node that accepts every publish, numbering events from 1. */
  private static Future<FakeNode> accepting(Vertx vertx) {
    AtomicInteger ids = new AtomicInteger();
    return node(vertx, (request, received) -> request.response().setStatusCode(201)
      .putHeader("Content-Type", "application/json")
      .end("{\"stream\":\"orders\",\"id\":\"" + ids.incrementAndGet() + "\"}"));
  }

  @Test
  void aRetryAfter503GoesToTheNextNodeWithTheSameKey(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> draining = node(vertx, (request, received) -> FakeNode.error(request, 503, "draining", "0"));
    Future<FakeNode> live = accepting(vertx);
    Future.all(draining, live).compose(started -> IdempotentPublisher.create(vertx,
        options(draining.result().url(), live.result().url()).build())
      .publish("orders", "order-created", "{\"order\":42}"))
      .onComplete(test.succeeding(published -> test.verify(() -> {
        assertEquals(new PublishedEvent("orders", "1", live.result().url(), 2, published.idempotencyKey()), published);
        FakeNode.Received first = draining.result().requests().get(0);
        FakeNode.Received retry = live.result().requests().get(0);
        assertNotNull(first.header("Idempotency-Key"));
        assertEquals(published.idempotencyKey(), first.header("Idempotency-Key"));
        assertEquals(first.header("Idempotency-Key"), retry.header("Idempotency-Key"));
        for (FakeNode.Received request : List.of(first, retry)) {
          assertEquals("POST", request.method());
          assertEquals("/streams/orders?event=order-created", request.uri());
          assertEquals("{\"order\":42}", request.body());
          assertTrue(request.header("Content-Type").startsWith("text/plain"));
        }
        test.completeNow();
      })));
  }

  @Test
  void theCallersKeyIsSentAndAMessageHasNoEventParameter(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> live = accepting(vertx);
    live.compose(node -> IdempotentPublisher.create(vertx, options(node.url()).bearerToken("t0ken").build())
        .publish("orders", null, "héllo\nworld", "order-42"))
      .onComplete(test.succeeding(published -> test.verify(() -> {
        assertEquals("order-42", published.idempotencyKey());
        assertEquals(1, published.attempts());
        FakeNode.Received request = live.result().requests().get(0);
        assertEquals("order-42", request.header("Idempotency-Key"));
        assertEquals("Bearer t0ken", request.header("Authorization"));
        assertEquals("/streams/orders", request.uri());
        assertEquals("héllo\nworld", request.body());
        test.completeNow();
      })));
  }

  @Test
  void generatedKeysDifferBetweenPublishes(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> live = accepting(vertx);
    live.compose(node -> {
        IdempotentPublisher publisher = IdempotentPublisher.create(vertx, options(node.url()).build());
        return Future.all(publisher.publish("orders", "a"), publisher.publish("orders", "b"));
      })
      .onComplete(test.succeeding(both -> test.verify(() -> {
        List<String> keys = live.result().requests().stream().map(r -> r.header("Idempotency-Key")).toList();
        assertEquals(2, keys.stream().distinct().count(), keys.toString());
        test.completeNow();
      })));
  }

  @Test
  void aClientErrorIsFinalAndCarriesTheNodesJsonError(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> refusing = node(vertx, (request, received) -> FakeNode.error(request, 413, "too_large", null));
    Future<FakeNode> other = accepting(vertx);
    Future.all(refusing, other).compose(started -> IdempotentPublisher.create(vertx,
        options(refusing.result().url(), other.result().url()).build()).publish("orders", "big"))
      .onComplete(test.failing(failure -> test.verify(() -> {
        PublishException refused = assertInstanceOf(PublishException.class, failure);
        assertEquals(413, refused.response().status());
        assertEquals("too_large", refused.response().error());
        assertEquals("fake too_large", refused.response().message());
        assertEquals(1, refused.attempts());
        assertFalse(refused.isRetryable());
        assertEquals(List.of(), other.result().requests());
        test.completeNow();
      })));
  }

  @Test
  void aDeadNodeIsSkippedWithTheSameKey(Vertx vertx, VertxTestContext test) {
    Future<String> dead = FakeNode.deadUrl(vertx);
    Future<FakeNode> live = accepting(vertx);
    Future.all(dead, live).compose(started -> IdempotentPublisher.create(vertx,
        options(dead.result(), live.result().url()).build()).publish("orders", null, "x", "k-1"))
      .onComplete(test.succeeding(published -> test.verify(() -> {
        assertEquals(live.result().url(), published.node());
        assertEquals(2, published.attempts());
        assertEquals("k-1", live.result().requests().get(0).header("Idempotency-Key"));
        test.completeNow();
      })));
  }

  @Test
  void aNodeThatDoesNotAnswerIsLeftAfterTheResponseTimeout(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> hung = node(vertx, (request, received) -> { });
    Future<FakeNode> live = accepting(vertx);
    Future.all(hung, live).compose(started -> IdempotentPublisher.create(vertx,
        options(hung.result().url(), live.result().url()).responseTimeout(Duration.ofMillis(300)).build())
      .publish("orders", "x"))
      .onComplete(test.succeeding(published -> test.verify(() -> {
        assertEquals(live.result().url(), published.node());
        assertEquals(hung.result().requests().get(0).header("Idempotency-Key"),
          live.result().requests().get(0).header("Idempotency-Key"));
        test.completeNow();
      })));
  }

  @Test
  void retriesAreBoundedAndTheLastErrorIsKept(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> failing = node(vertx, (request, received) -> FakeNode.error(request, 500, "internal", null));
    failing.compose(node -> IdempotentPublisher.create(vertx, options(node.url()).maxAttempts(3).build())
        .publish("orders", "x"))
      .onComplete(test.failing(failure -> test.verify(() -> {
        PublishException gaveUp = assertInstanceOf(PublishException.class, failure);
        assertTrue(gaveUp.isRetryable());
        assertEquals(3, gaveUp.attempts());
        assertEquals(500, gaveUp.response().status());
        assertEquals(3, failing.result().requests().size());
        assertEquals(1, failing.result().requests().stream().map(r -> r.header("Idempotency-Key")).distinct().count());
        test.completeNow();
      })));
  }

  @Test
  void a429WaitsForItsRetryAfter(Vertx vertx, VertxTestContext test) {
    AtomicInteger calls = new AtomicInteger();
    Future<FakeNode> limiting = node(vertx, (request, received) -> {
      if (calls.incrementAndGet() == 1) {
        FakeNode.error(request, 429, "rate_limited", "1");
      } else {
        request.response().setStatusCode(201).end("{\"stream\":\"orders\",\"id\":\"7\"}");
      }
    });
    long started = System.nanoTime();
    limiting.compose(node -> IdempotentPublisher.create(vertx, options(node.url())
        .backoff(new Backoff(Duration.ofMillis(1), Duration.ofSeconds(5), 0)).build()).publish("orders", "x"))
      .onComplete(test.succeeding(published -> test.verify(() -> {
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(elapsedMs >= 950, "retried after " + elapsedMs + " ms, before Retry-After");
        assertEquals("7", published.id());
        assertEquals(2, published.attempts());
        test.completeNow();
      })));
  }

  @Test
  void theNextPublishStartsOnTheNodeThatLastAnswered(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> down = node(vertx, (request, received) -> FakeNode.error(request, 502, "bad_gateway", null));
    Future<FakeNode> live = accepting(vertx);
    Future.all(down, live).compose(started -> {
        IdempotentPublisher publisher = IdempotentPublisher.create(vertx,
          options(down.result().url(), live.result().url()).build());
        return publisher.publish("orders", "a").compose(first -> publisher.publish("orders", "b"));
      })
      .onComplete(test.succeeding(second -> test.verify(() -> {
        assertEquals(1, second.attempts());
        assertEquals(1, down.result().requests().size());
        assertEquals(2, live.result().requests().size());
        test.completeNow();
      })));
  }

  @Test
  void anAnswerWithoutIdIsRetriedUnderTheSameKey(Vertx vertx, VertxTestContext test) {
    AtomicInteger calls = new AtomicInteger();
    Future<FakeNode> odd = node(vertx, (request, received) -> request.response().setStatusCode(201)
      .end(calls.incrementAndGet() == 1 ? "not json" : "{\"stream\":\"orders\",\"id\":\"3\"}"));
    odd.compose(node -> IdempotentPublisher.create(vertx, options(node.url()).build()).publish("orders", "x"))
      .onComplete(test.succeeding(published -> test.verify(() -> {
        assertEquals("3", published.id());
        assertEquals(2, published.attempts());
        test.completeNow();
      })));
  }

  @Test
  void completePostsToTheStreamsCompleteEndpoint(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> live = accepting(vertx);
    live.compose(node -> IdempotentPublisher.create(vertx, options(node.url()).build()).complete("orders"))
      .onComplete(test.succeeding(completed -> test.verify(() -> {
        assertEquals("1", completed.id());
        assertEquals("/streams/orders/complete", live.result().requests().get(0).uri());
        assertNotNull(live.result().requests().get(0).header("Idempotency-Key"));
        test.completeNow();
      })));
  }

  @Test
  void invalidArgumentsFailTheFutureWithoutARequest(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> live = accepting(vertx);
    live.onComplete(test.succeeding(node -> {
      IdempotentPublisher publisher = IdempotentPublisher.create(vertx, options(node.url()).build());
      List<Future<PublishedEvent>> publishes = List.of(
        publisher.publish("bad name", "x"),
        publisher.publish("orders", "", "x"),
        publisher.publish("orders", null, "x", "bad\nkey"));
      Future.join(publishes).onComplete(done -> test.verify(() -> {
        for (Future<PublishedEvent> publish : publishes) {
          assertTrue(publish.failed());
          assertInstanceOf(IllegalArgumentException.class, publish.cause());
        }
        assertEquals(List.of(), node.requests());
        test.completeNow();
      }));
    }));
  }

  /**
   * Publishes made from a thread outside Vert.x (a plain Java program) each get their answer the first time:
   * built on the caller's thread, the step reading an answer's body was now and then attached after the body
   * had arrived, and the publish waited for its response timeout and went again (about 1 in 10,000).
   */
  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void publishesFromAPlainThreadGetTheirFirstAnswer(Vertx vertx) throws Exception {
    FakeNode node = accepting(vertx).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    IdempotentPublisher publisher = IdempotentPublisher.create(vertx, options(node.url())
      .responseTimeout(Duration.ofSeconds(5)).build());
    int publishes = 20_000;
    int repeated = 0;
    for (int i = 0; i < publishes; i++) {
      PublishedEvent published = publisher.publish("orders", "e" + i).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
      if (published.attempts() != 1) {
        repeated++;
      }
    }
    assertEquals(0, repeated, "publishes that needed more than one attempt");
    assertEquals(publishes, node.requests().size());
    publisher.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
