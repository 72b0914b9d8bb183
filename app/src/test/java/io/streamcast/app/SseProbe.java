package io.streamcast.app;

import io.streamcast.client.SseEvent;
import io.streamcast.client.SseEventParser;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test subscriber over a real socket: keeps the raw bytes (to check the wire format exactly)
 * and the events as the client module's WHATWG parser dispatches them.
 */
final class SseProbe {

  final List<SseEvent> events = new CopyOnWriteArrayList<>();
  final List<String> comments = new CopyOnWriteArrayList<>();
  private final StringBuffer raw = new StringBuffer();
  private final Promise<Void> ended = Promise.promise();
  private final SseEventParser parser = new SseEventParser(events::add).commentHandler(comments::add);
  private final Vertx vertx;
  private HttpClientResponse response;

  private SseProbe(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Opens {@code url} with the given extra headers; completes once the status line arrived. */
  static Future<SseProbe> open(Vertx vertx, HttpClient client, String url, Map<String, String> headers) {
    SseProbe probe = new SseProbe(vertx);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url);
    options.addHeader("Accept", "text/event-stream");
    headers.forEach(options::addHeader);
    return LoopHttpClient.call(client, () -> client.request(options).compose(req -> req.send()).map(resp -> {
      probe.response = resp;
      resp.handler(b -> {
        probe.raw.append(b.toString());
        probe.parser.feed(b);
      });
      resp.endHandler(v -> probe.ended.tryComplete());
      resp.exceptionHandler(e -> probe.ended.tryComplete());
      return probe;
    }));
  }

  /**
   * Opens {@code url} again every {@code pauseMillis} while the answer is {@code 429}, for up to {@code millis}:
   * a client waiting for a per-user limit to free.
   */
  static Future<SseProbe> openOnceNotLimited(Vertx vertx, HttpClient client, String url, Map<String, String> headers,
      long pauseMillis, long millis) {
    Promise<SseProbe> result = Promise.promise();
    attempt(vertx, client, url, headers, pauseMillis, System.currentTimeMillis() + millis, result);
    return result.future();
  }

  private static void attempt(Vertx vertx, HttpClient client, String url, Map<String, String> headers, long pauseMillis,
      long deadline, Promise<SseProbe> result) {
    open(vertx, client, url, headers).onComplete(ar -> {
      if (ar.succeeded() && ar.result().status() == 429 && System.currentTimeMillis() < deadline) {
        ar.result().close();
        vertx.setTimer(pauseMillis, id -> attempt(vertx, client, url, headers, pauseMillis, deadline, result));
      } else {
        result.handle(ar);
      }
    });
  }

  static Future<SseProbe> open(Vertx vertx, HttpClient client, String url) {
    return open(vertx, client, url, Map.of());
  }

  int status() {
    return response.statusCode();
  }

  /** @return the HTTP version the answer came in (HTTP/2 over TLS with ALPN) */
  io.vertx.core.http.HttpVersion version() {
    return response.version();
  }

  MultiMap headers() {
    return response.headers();
  }

  String raw() {
    return raw.toString();
  }

  /** @return events whose type is not a control type (gap, complete, error) */
  List<SseEvent> dataEvents() {
    List<SseEvent> out = new ArrayList<>();
    for (SseEvent e : events) {
      if (!e.type().equals("gap") && !e.type().equals("complete") && !e.type().equals("error")) {
        out.add(e);
      }
    }
    return out;
  }

  /** Polls until {@code n} data events arrived; fails after {@code timeoutMillis}. */
  Future<List<SseEvent>> awaitDataEvents(int n, long timeoutMillis) {
    return awaitCondition(() -> dataEvents().size() >= n, timeoutMillis,
        () -> "expected " + n + " events, got " + dataEvents().size()).map(v -> dataEvents());
  }

  /** Polls until any event of {@code type} arrived. */
  Future<SseEvent> awaitType(String type, long timeoutMillis) {
    return awaitCondition(() -> events.stream().anyMatch(e -> e.type().equals(type)), timeoutMillis,
        () -> "no '" + type + "' event; got " + events)
        .map(v -> events.stream().filter(e -> e.type().equals(type)).findFirst().orElseThrow());
  }

  boolean ended() {
    return ended.future().isComplete();
  }

  Future<Void> awaitEnd(long timeoutMillis) {
    return awaitCondition(() -> ended.future().isComplete(), timeoutMillis, () -> "stream did not end");
  }

  Future<Void> awaitCondition(java.util.function.BooleanSupplier done, long timeoutMillis,
      java.util.function.Supplier<String> why) {
    Promise<Void> p = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    vertx.setPeriodic(20, id -> {
      if (done.getAsBoolean()) {
        vertx.cancelTimer(id);
        p.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        p.tryFail(why.get());
      }
    });
    return p.future();
  }

  /** Stops reading from the socket: TCP backpressure reaches the server, as with a stalled client. */
  void pause() {
    response.pause();
  }

  /** Reads again. */
  void resume() {
    response.resume();
  }

  /** Drops the connection, as a client whose network went away would. */
  void close() {
    if (response != null) {
      response.request().connection().close();
    }
  }

  static Buffer noBody() {
    return Buffer.buffer();
  }
}
