package io.streamcast.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The subscriber against fake nodes: small HTTP servers in the test that behave as a node would in each
 * situation (a node that drops its clients, a dead node, a draining node, a completed stream).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class StreamSubscriberTest {

  /** What a subscriber reported, in order. */
  private static final class Observed {
    final List<ReceivedEvent> events = new CopyOnWriteArrayList<>();
    final List<ConnectionOpened> connections = new CopyOnWriteArrayList<>();
    final List<ReconnectAttempt> reconnects = new CopyOnWriteArrayList<>();
    final List<HttpErrorResponse> httpErrors = new CopyOnWriteArrayList<>();
    final List<StreamGap> gaps = new CopyOnWriteArrayList<>();
    final List<StreamError> errors = new CopyOnWriteArrayList<>();
    final List<String> comments = new CopyOnWriteArrayList<>();

    StreamSubscriber attach(StreamSubscriber subscriber) {
      return subscriber.eventHandler(events::add)
        .connectHandler(connections::add)
        .reconnectHandler(reconnects::add)
        .httpErrorHandler(httpErrors::add)
        .gapHandler(gaps::add)
        .errorEventHandler(errors::add)
        .commentHandler(comments::add);
    }

    List<String> ids() {
      return events.stream().map(ReceivedEvent::id).toList();
    }
  }

  /** Quick reconnections, no jitter, so tests are fast and delays are exact. */
  private static SubscriberOptions.Builder options(String... nodes) {
    return SubscriberOptions.builder()
      .nodes(nodes)
      .stream("orders")
      .backoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(200), 0))
      .idleTimeout(Duration.ofSeconds(5));
  }

  private static Future<FakeNode> node(Vertx vertx, BiConsumer<HttpServerRequest, FakeNode.Received> behaviour) {
    return FakeNode.start(vertx, behaviour);
  }

  /** A node that sends the given SSE text, then ends the response cleanly. */
  private static Future<FakeNode> streamingNode(Vertx vertx, String sse) {
    return node(vertx, (request, received) -> FakeNode.openStream(request).end(sse));
  }

  @Test
  void afterANodeDropsTheConnectionItResumesOnTheNextNodeWithTheLastId(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> first = node(vertx, (request, received) -> FakeNode.openStream(request)
      .write("id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n")
      .onComplete(written -> request.connection().close()));
    Future<FakeNode> second = streamingNode(vertx, "id: 4\ndata: d\n\nid: 5\nevent: complete\ndata: {}\n\n");
    Observed seen = new Observed();
    Future.all(first, second).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(first.result().url(), second.result().url()).startPosition(StartPosition.earliest()).build()))
      .start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        String one = first.result().url();
        String two = second.result().url();
        assertEquals(List.of("1", "2", "3", "4", "5"), seen.ids());
        assertEquals(List.of(one, one, one, two, two), seen.events.stream().map(ReceivedEvent::node).toList());
        assertEquals(List.of(1, 1, 1, 2, 2), seen.events.stream().map(ReceivedEvent::connection).toList());
        assertEquals("complete", seen.events.get(4).type());

        FakeNode.Received firstRequest = first.result().requests().get(0);
        assertEquals("/streams/orders?from=earliest", firstRequest.uri());
        assertEquals("text/event-stream", firstRequest.header("Accept"));
        assertNull(firstRequest.header("Last-Event-ID"));
        FakeNode.Received resumed = second.result().requests().get(0);
        assertEquals("3", resumed.header("Last-Event-ID"));
        assertEquals("/streams/orders", resumed.uri(), "a resumed request must not also ask for from=earliest");

        assertEquals(1, seen.reconnects.size());
        ReconnectAttempt reconnect = seen.reconnects.get(0);
        assertEquals(one, reconnect.failedNode());
        assertEquals(two, reconnect.nextNode());
        assertEquals("3", reconnect.lastEventId());
        assertEquals(List.of(one, two), seen.connections.stream().map(ConnectionOpened::node).toList());
        assertEquals("3", seen.connections.get(1).lastEventId());
        assertTrue(!seen.connections.get(1).openedAt().isBefore(seen.events.get(2).receivedAt()));

        assertEquals(SubscriptionEnd.Reason.COMPLETE_EVENT, end.reason());
        assertEquals(two, end.node());
        assertEquals("5", end.lastEventId());
        assertEquals(5, end.eventsReceived());
        assertEquals(2, end.connections());
        test.completeNow();
      })));
  }

  @Test
  void anEventCutByTheDisconnectionIsNeitherDeliveredNorResumedAfter(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> first = streamingNode(vertx, "id: 1\ndata: a\n\nid: 2\ndata: cut");
    Future<FakeNode> second = streamingNode(vertx, "id: 2\ndata: b\n\nevent: complete\nid: 3\ndata: x\n\n");
    Observed seen = new Observed();
    Future.all(first, second).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(first.result().url(), second.result().url()).build())).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(List.of("1", "2", "3"), seen.ids());
        assertEquals(List.of("a", "b", "x"), seen.events.stream().map(ReceivedEvent::data).toList());
        assertEquals("1", second.result().requests().get(0).header("Last-Event-ID"));
        test.completeNow();
      })));
  }

  @Test
  void anIdThatIsNotPrintableAsciiIsSentAsAQueryParameter(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> first = streamingNode(vertx, "id: größe 1\ndata: a\n\n");
    Future<FakeNode> second = streamingNode(vertx, "id: 2\nevent: complete\ndata: {}\n\n");
    Future.all(first, second).compose(started -> StreamSubscriber.create(vertx,
        options(first.result().url(), second.result().url()).build()).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        FakeNode.Received resumed = second.result().requests().get(0);
        assertEquals("/streams/orders?lastEventId=gr%C3%B6%C3%9Fe+1", resumed.uri());
        assertNull(resumed.header("Last-Event-ID"));
        test.completeNow();
      })));
  }

  @Test
  void noContentEndsTheSubscriptionWithoutReconnecting(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> completed = node(vertx, (request, received) -> request.response().setStatusCode(204).end());
    Future<FakeNode> other = streamingNode(vertx, "id: 9\ndata: must not be read\n\n");
    Observed seen = new Observed();
    Future.all(completed, other).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(completed.result().url(), other.result().url())
          .startPosition(StartPosition.after("41")).build())).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(SubscriptionEnd.Reason.NO_CONTENT, end.reason());
        assertEquals(completed.result().url(), end.node());
        assertEquals("41", completed.result().requests().get(0).header("Last-Event-ID"));
        assertEquals("/streams/orders", completed.result().requests().get(0).uri());
        assertEquals(List.of(), seen.reconnects);
        assertEquals(List.of(), other.result().requests());
        test.completeNow();
      })));
  }

  @Test
  void theServersRetryFieldBecomesTheReconnectionDelay(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> first = streamingNode(vertx, "retry: 50\nid: 1\ndata: a\n\n");
    Future<FakeNode> second = streamingNode(vertx, "id: 2\nevent: complete\ndata: {}\n\n");
    Observed seen = new Observed();
    Future.all(first, second).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(first.result().url(), second.result().url())
          // Without the server's retry, the first reconnection would wait 2 s.
          .backoff(new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(5), 0)).build())).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(1, seen.reconnects.size());
        assertEquals(Duration.ofMillis(50), seen.reconnects.get(0).delay());
        Duration gap = Duration.between(seen.events.get(0).receivedAt(), seen.connections.get(1).requestedAt());
        assertTrue(gap.toMillis() >= 45 && gap.toMillis() < 1500, "waited " + gap);
        test.completeNow();
      })));
  }

  @Test
  void aDeadNodeIsSkipped(Vertx vertx, VertxTestContext test) {
    Future<String> dead = FakeNode.deadUrl(vertx);
    Future<FakeNode> live = streamingNode(vertx, "id: 1\ndata: a\n\nid: 2\nevent: complete\ndata: {}\n\n");
    Observed seen = new Observed();
    Future.all(dead, live).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(dead.result(), live.result().url()).build())).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(List.of("1", "2"), seen.ids());
        assertEquals(1, seen.reconnects.size());
        assertEquals(dead.result(), seen.reconnects.get(0).failedNode());
        assertEquals(live.result().url(), seen.reconnects.get(0).nextNode());
        assertTrue(seen.reconnects.get(0).reason().startsWith("request failed"), seen.reconnects.get(0).reason());
        assertEquals(List.of(live.result().url()), seen.connections.stream().map(ConnectionOpened::node).toList());
        assertEquals(2, end.connections());
        test.completeNow();
      })));
  }

  @Test
  void aDrainingNodesErrorIsSurfacedAndItsRetryAfterHonoured(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> draining = node(vertx, (request, received) -> FakeNode.error(request, 503, "draining", "1"));
    Future<FakeNode> live = streamingNode(vertx, "id: 1\nevent: complete\ndata: {}\n\n");
    Observed seen = new Observed();
    Future.all(draining, live).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(draining.result().url(), live.result().url())
          .backoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(300), 0)).build())).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(1, seen.httpErrors.size());
        HttpErrorResponse error = seen.httpErrors.get(0);
        assertEquals(503, error.status());
        assertEquals("draining", error.error());
        assertEquals("fake draining", error.message());
        assertEquals(draining.result().url(), error.node());
        // Retry-After: 1 s is above the backoff's 300 ms cap, so the cap wins.
        assertEquals(Duration.ofMillis(300), seen.reconnects.get(0).delay());
        assertEquals(SubscriptionEnd.Reason.COMPLETE_EVENT, end.reason());
        test.completeNow();
      })));
  }

  @Test
  void aRefusedTokenEndsTheSubscriptionAtOnce(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> refusing = node(vertx, (request, received) -> FakeNode.error(request, 401, "unauthorized", null));
    Future<FakeNode> other = streamingNode(vertx, "id: 1\ndata: a\n\n");
    Observed seen = new Observed();
    Future.all(refusing, other).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(refusing.result().url(), other.result().url()).bearerToken("expired.jwt").build())).start())
      .onComplete(test.failing(failure -> test.verify(() -> {
        SubscriptionFailedException failed = assertInstanceOf(SubscriptionFailedException.class, failure);
        assertEquals(401, failed.lastHttpError().status());
        assertEquals("unauthorized", failed.lastHttpError().error());
        assertEquals("Bearer expired.jwt", refusing.result().requests().get(0).header("Authorization"));
        assertEquals(List.of(), seen.reconnects);
        assertEquals(List.of(), other.result().requests());
        test.completeNow();
      })));
  }

  @Test
  void clientErrorsAreRetriedWhenAskedTo(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> refusing = node(vertx, (request, received) -> FakeNode.error(request, 403, "forbidden", null));
    Future<FakeNode> other = streamingNode(vertx, "id: 1\nevent: complete\ndata: {}\n\n");
    Future.all(refusing, other).compose(started -> StreamSubscriber.create(vertx,
        options(refusing.result().url(), other.result().url()).retryClientErrors(true).build()).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(SubscriptionEnd.Reason.COMPLETE_EVENT, end.reason());
        assertEquals(2, end.connections());
        test.completeNow();
      })));
  }

  @Test
  void itGivesUpAfterTheMaximumAttemptsInARow(Vertx vertx, VertxTestContext test) {
    Future<String> dead = FakeNode.deadUrl(vertx);
    Future<FakeNode> failing = node(vertx, (request, received) -> FakeNode.error(request, 500, "internal", null));
    Observed seen = new Observed();
    Future.all(dead, failing).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(dead.result(), failing.result().url()).maxReconnectAttempts(3).build())).start())
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertInstanceOf(SubscriptionFailedException.class, failure);
        assertTrue(failure.getMessage().contains("3 reconnection attempts"), failure.getMessage());
        assertEquals(List.of(1, 2, 3), seen.reconnects.stream().map(ReconnectAttempt::attempt).toList());
        // Round robin: dead, failing, dead, failing.
        assertEquals(2, failing.result().requests().size());
        assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40)),
          seen.reconnects.stream().map(ReconnectAttempt::delay).toList());
        test.completeNow();
      })));
  }

  @Test
  void itGivesUpWhenTheReconnectionTimeRunsOut(Vertx vertx, VertxTestContext test) {
    Future<String> dead = FakeNode.deadUrl(vertx);
    long started = System.nanoTime();
    dead.compose(url -> StreamSubscriber.create(vertx, options(url)
        .maxReconnectAttempts(1000)
        .backoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(50), 0))
        .maxReconnectTime(Duration.ofMillis(400)).build()).start())
      .onComplete(test.failing(failure -> test.verify(() -> {
        assertInstanceOf(SubscriptionFailedException.class, failure);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(elapsedMs >= 300 && elapsedMs < 3000, "gave up after " + elapsedMs + " ms");
        test.completeNow();
      })));
  }

  @Test
  void anEventResetsTheAttemptCount(Vertx vertx, VertxTestContext test) {
    // Each connection delivers one event and drops: with a bound of 1 failure in a row, it must go on.
    AtomicInteger next = new AtomicInteger();
    Future<FakeNode> flaky = node(vertx, (request, received) -> {
      int id = next.incrementAndGet();
      FakeNode.openStream(request).end(id < 5 ? "id: " + id + "\ndata: x\n\n"
        : "id: " + id + "\nevent: complete\ndata: {}\n\n");
    });
    Observed seen = new Observed();
    flaky.compose(node -> seen.attach(StreamSubscriber.create(vertx, options(node.url())
        .maxReconnectAttempts(1).build())).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(List.of("1", "2", "3", "4", "5"), seen.ids());
        assertEquals(List.of(1, 1, 1, 1), seen.reconnects.stream().map(ReconnectAttempt::attempt).toList());
        assertEquals(List.of("1", "2", "3", "4"), flaky.result().requests().stream().skip(1)
          .map(r -> r.header("Last-Event-ID")).toList());
        test.completeNow();
      })));
  }

  @Test
  void gapAndErrorEventsAreSurfacedAndHeartbeatsObserved(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> first = streamingNode(vertx,
      ":\n\nevent: gap\ndata: {\"requested\":\"3\",\"resumedAfter\":null}\n\n"
        + "id: 10\ndata: a\n\n"
        + "event: error\ndata: {\"error\":\"token_expired\",\"message\":\"the token expired\"}\n\n");
    Future<FakeNode> second = streamingNode(vertx, "id: 11\nevent: complete\ndata: {}\n\n");
    Observed seen = new Observed();
    Future.all(first, second).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(first.result().url(), second.result().url()).startPosition(StartPosition.after("3")).build()))
      .start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(List.of("gap", "message", "error", "complete"),
          seen.events.stream().map(ReceivedEvent::type).toList());
        assertEquals(List.of(false, true, false, false), seen.events.stream().map(ReceivedEvent::isData).toList());
        assertEquals(1, seen.gaps.size());
        assertEquals("3", seen.gaps.get(0).requested());
        assertNull(seen.gaps.get(0).resumedAfter());
        assertEquals(1, seen.errors.size());
        assertEquals("token_expired", seen.errors.get(0).error());
        assertEquals("the token expired", seen.errors.get(0).message());
        assertEquals(List.of(""), seen.comments);
        assertEquals("10", second.result().requests().get(0).header("Last-Event-ID"));
        test.completeNow();
      })));
  }

  @Test
  void aSilentNodeIsLeftAfterTheIdleTimeout(Vertx vertx, VertxTestContext test) {
    Future<FakeNode> hung = node(vertx, (request, received) -> FakeNode.openStream(request).write(":\n"));
    Future<FakeNode> live = streamingNode(vertx, "id: 1\nevent: complete\ndata: {}\n\n");
    Observed seen = new Observed();
    Future.all(hung, live).compose(started -> seen.attach(StreamSubscriber.create(vertx,
        options(hung.result().url(), live.result().url()).idleTimeout(Duration.ofMillis(300)).build())).start())
      .onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(SubscriptionEnd.Reason.COMPLETE_EVENT, end.reason());
        assertEquals(hung.result().url(), seen.reconnects.get(0).failedNode());
        Duration silent = Duration.between(seen.connections.get(0).openedAt(), seen.connections.get(1).requestedAt());
        assertTrue(silent.toMillis() >= 250, "left after " + silent);
        test.completeNow();
      })));
  }

  @Test
  void closeStopsTheStreamAndReleasesTheConnection(Vertx vertx, VertxTestContext test) {
    var serverSawClose = test.checkpoint();
    Future<FakeNode> node = node(vertx, (request, received) -> {
      HttpServerResponse response = FakeNode.openStream(request);
      response.closeHandler(v -> serverSawClose.flag());
      response.write("id: 1\ndata: a\n\n");
    });
    var ended = test.checkpoint();
    node.onComplete(test.succeeding(fake -> {
      StreamSubscriber subscriber = StreamSubscriber.create(vertx, options(fake.url()).build());
      subscriber.eventHandler(event -> subscriber.close());
      subscriber.start().onComplete(test.succeeding(end -> test.verify(() -> {
        assertEquals(SubscriptionEnd.Reason.CLOSED, end.reason());
        assertEquals("1", end.lastEventId());
        assertEquals(1, end.connections());
        assertEquals(1, fake.requests().size());
        ended.flag();
      })));
    }));
  }
}
