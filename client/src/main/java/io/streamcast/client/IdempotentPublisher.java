package io.streamcast.client;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes events to a Streamcast cluster ({@code POST {node}/streams/{stream}}) so that retries never publish
 * twice: every attempt of one publish carries the same {@code Idempotency-Key}, and the cluster returns the
 * first attempt's id for a key it has seen, whichever node gets the retry.
 *
 * <p>A connection error, a response timeout, a 5xx, a 408, a 429 or a 409 {@code idempotency_in_progress} is
 * retried on the next node of the list,
 * after a {@linkplain PublisherOptions#backoff() backoff} delay lengthened to the answer's {@code Retry-After}
 * (up to the backoff's maximum), until {@link PublisherOptions#maxAttempts()} requests were made. Any other
 * 4xx fails at once: no node would accept that request.
 *
 * <p>Each publish starts on the node that answered the last successful one, so that once a node is down,
 * publishes stop paying a failed attempt for it. Thread safe; the returned futures complete on the caller's
 * Vert.x context (when called from outside Vert.x: one event-loop context of this publisher's, where the exchange
 * then runs).
 *
 * <pre>{@code
 * IdempotentPublisher publisher = IdempotentPublisher.create(vertx, PublisherOptions.builder()
 *     .nodes("http://10.0.0.1:8081", "http://10.0.0.2:8081")
 *     .build());
 * publisher.publish("orders", "order-created", "{\"order\":42}", "order-42-created")
 *     .onSuccess(published -> System.out.println(published.id()));
 * }</pre>
 */
public final class IdempotentPublisher {

  private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  private static final String IN_PROGRESS = "idempotency_in_progress";

  private final Vertx vertx;
  private final PublisherOptions options;
  private final List<String> nodes;
  private final HttpClient client;
  /** Where publishes called from outside Vert.x run; null until the first of them. */
  private volatile Context outside;
  /** The index of the node that answered the last successful publish; where the next one starts. */
  private final AtomicInteger preferredNode = new AtomicInteger();

  private IdempotentPublisher(Vertx vertx, PublisherOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.nodes = options.nodes();
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis())),
      new PoolOptions().setHttp1MaxSize(options.maxConnectionsPerNode()));
  }

  /**
   * @param vertx   the Vert.x instance to send with
   * @param options where to publish
   * @return a new publisher; {@link #close()} it when done
   */
  public static IdempotentPublisher create(Vertx vertx, PublisherOptions options) {
    return new IdempotentPublisher(Objects.requireNonNull(vertx, "vertx"), Objects.requireNonNull(options, "options"));
  }

  /**
   * Publishes a {@code message} event under a new random idempotency key.
   *
   * @param stream the stream name
   * @param data   the event's data
   * @return the published event, or a failed future (see {@link #publish(String, String, Buffer, String)})
   */
  public Future<PublishedEvent> publish(String stream, String data) {
    return publish(stream, null, data, null);
  }

  /**
   * Publishes an event under a new random idempotency key.
   *
   * @param stream    the stream name
   * @param eventType the event type, or null for {@code message}
   * @param data      the event's data
   * @return the published event, or a failed future (see {@link #publish(String, String, Buffer, String)})
   */
  public Future<PublishedEvent> publish(String stream, String eventType, String data) {
    return publish(stream, eventType, data, null);
  }

  /**
   * Publishes an event.
   *
   * @param stream         the stream name
   * @param eventType      the event type, or null for {@code message}
   * @param data           the event's data
   * @param idempotencyKey the key that makes the publish happen once, or null for a new random one; reuse a
   *                       key from your own domain (an order number) to dedupe across process restarts too
   * @return the published event, or a failed future (see {@link #publish(String, String, Buffer, String)})
   */
  public Future<PublishedEvent> publish(String stream, String eventType, String data, String idempotencyKey) {
    if (data == null) {
      return Future.failedFuture(new NullPointerException("data"));
    }
    return publish(stream, eventType, Buffer.buffer(data, StandardCharsets.UTF_8.name()), idempotencyKey);
  }

  /**
   * Publishes an event.
   *
   * @param stream         the stream name, {@code [A-Za-z0-9._-]{1,128}}
   * @param eventType      the event type, or null for {@code message}
   * @param data           the event's data, UTF-8 text
   * @param idempotencyKey the key that makes the publish happen once, or null for a new random one
   * @return the published event; or a future failed with {@link PublishException} when a node refused the
   *         event or the attempts ran out, or with {@link IllegalArgumentException} or
   *         {@link NullPointerException} for invalid arguments
   */
  public Future<PublishedEvent> publish(String stream, String eventType, Buffer data, String idempotencyKey) {
    Publish publish;
    try {
      NodeRing.validateStream(stream);
      Objects.requireNonNull(data, "data");
      String query = eventType == null ? ""
        : "?event=" + URLEncoder.encode(requireText(eventType, "eventType"), StandardCharsets.UTF_8);
      publish = new Publish(stream, "/streams/" + stream + query, data, keyOrNew(idempotencyKey));
    } catch (RuntimeException invalid) {
      return Future.failedFuture(invalid);
    }
    return send(publish);
  }

  /**
   * Completes a stream ({@code POST {node}/streams/{stream}/complete}): the server appends its
   * {@code event: complete}, after which subscribers stop. Retried like a publish, under one idempotency key.
   *
   * @param stream the stream name
   * @return the completion, whose id is the {@code complete} event's id when the node's answer names it, else
   *         null; or a failed future as for {@link #publish(String, String, Buffer, String)}
   */
  public Future<PublishedEvent> complete(String stream) {
    try {
      NodeRing.validateStream(stream);
    } catch (RuntimeException invalid) {
      return Future.failedFuture(invalid);
    }
    return send(new Publish(stream, "/streams/" + stream + "/complete", Buffer.buffer(), keyOrNew(null)));
  }

  /**
   * Closes the HTTP client; publishes in flight fail.
   *
   * @return a future completed once the client is closed
   */
  public Future<Void> close() {
    return client.close();
  }

  private Future<PublishedEvent> send(Publish publish) {
    if (Vertx.currentContext() != null) {
      return attempt(publish, 1, preferredNode.get());
    }
    // Called from outside Vert.x: the whole exchange is set up on one event-loop context. Built on the
    // caller's thread, the step that reads the answer's body can be attached after the body arrived on
    // the event loop (a fast answer, a descheduled caller), and that body is lost: the attempt then
    // waits for its response timeout and is repeated (LoopHttpClient in app's tests has the figures).
    Promise<PublishedEvent> result = Promise.promise();
    outsideContext().runOnContext(v -> attempt(publish, 1, preferredNode.get()).onComplete(result));
    return result.future();
  }

  /** The one event-loop context of publishes made from outside Vert.x, made by the first of them. */
  private Context outsideContext() {
    Context c = outside;
    if (c == null) {
      synchronized (this) {
        if (outside == null) {
          // called from outside Vert.x, getOrCreateContext makes a new event-loop context
          outside = vertx.getOrCreateContext();
        }
        c = outside;
      }
    }
    return c;
  }

  private Future<PublishedEvent> attempt(Publish publish, int attempt, int nodeIndex) {
    String node = nodes.get(Math.floorMod(nodeIndex, nodes.size()));
    return exchange(publish, node).transform(exchanged -> {
      if (exchanged.failed()) {
        return retry(publish, attempt, nodeIndex,
          "request to " + node + " failed: " + exchanged.cause(), exchanged.cause(), null);
      }
      Answer answer = exchanged.result();
      if (answer.status == 200 || answer.status == 201) {
        return accepted(publish, attempt, nodeIndex, node, answer);
      }
      HttpErrorResponse error = HttpErrorResponse.of(node, answer.status, answer.retryAfter, answer.body);
      // 409 idempotency_in_progress: another attempt with this key (say, one whose answer was lost
      // with its node) is still being resolved; asking again with the same key is safe
      if (answer.status >= 500 || answer.status == 408 || answer.status == 429
          || (answer.status == 409 && IN_PROGRESS.equals(error.error()))) {
        return retry(publish, attempt, nodeIndex, error.toString(), null, error);
      }
      return Future.failedFuture(new PublishException("refused: " + error, null, error, attempt, publish.key, false));
    });
  }

  private Future<PublishedEvent> accepted(Publish publish, int attempt, int nodeIndex, String node, Answer answer) {
    JsonObject json;
    try {
      json = new JsonObject(answer.body);
    } catch (DecodeException | ClassCastException notJson) {
      json = null;
    }
    String id = json == null ? null : text(json, "id");
    boolean completing = publish.path.endsWith("/complete");
    if (id == null && !completing) {
      // The event may be stored, but without its id the caller cannot use it: asking again with the same
      // key is safe and gets the id.
      return retry(publish, attempt, nodeIndex, "answer without an id from " + node + ": " + answer.body, null, null);
    }
    preferredNode.set(Math.floorMod(nodeIndex, nodes.size()));
    String stream = json != null && text(json, "stream") != null ? text(json, "stream") : publish.stream;
    return Future.succeededFuture(new PublishedEvent(stream, id, node, attempt, publish.key));
  }

  private Future<PublishedEvent> retry(Publish publish, int attempt, int nodeIndex, String reason, Throwable cause,
                                       HttpErrorResponse error) {
    if (attempt >= options.maxAttempts()) {
      return Future.failedFuture(new PublishException("gave up after " + attempt + " attempts; last: " + reason,
        cause, error, attempt, publish.key, true));
    }
    Backoff backoff = options.backoff();
    Duration delay = backoff.delay(attempt);
    if (error != null && error.retryAfter() != null && error.retryAfter().compareTo(delay) > 0) {
      // Honour the node's Retry-After, but never past the backoff's cap: the caller bounded the wait.
      delay = error.retryAfter().compareTo(backoff.maxDelay()) < 0 ? error.retryAfter() : backoff.maxDelay();
    }
    return vertx.timer(Math.max(1, delay.toMillis()))
      .compose(elapsed -> attempt(publish, attempt + 1, nodeIndex + 1));
  }

  private Future<Answer> exchange(Publish publish, String node) {
    RequestOptions request;
    try {
      request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(node + publish.path)
        .setConnectTimeout(options.connectTimeout().toMillis())
        // The node answers only after replication; a node that hangs must not hold the publish forever.
        .setIdleTimeout(options.responseTimeout().toMillis())
        .putHeader(IDEMPOTENCY_KEY, publish.key)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader(HttpHeaders.ACCEPT, "application/json");
      if (options.bearerToken() != null) {
        String token = options.bearerToken().get();
        if (token != null) {
          request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return client.request(request)
      // A copy per attempt: the transport may consume the buffer it writes.
      .compose(req -> req.send(publish.data.copy()))
      .compose(response -> BoundedBody.read(response, HttpErrorResponse.MAX_BODY_BYTES)
        .map(body -> new Answer(response.statusCode(), response.getHeader(HttpHeaders.RETRY_AFTER), body)));
  }

  private static String keyOrNew(String idempotencyKey) {
    return idempotencyKey == null ? UUID.randomUUID().toString() : requireText(idempotencyKey, "idempotencyKey");
  }

  private static String requireText(String value, String name) {
    if (value.isEmpty() || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException(name + " must be non-empty text without control characters");
    }
    return value;
  }

  private static String text(JsonObject json, String key) {
    return json.getValue(key) instanceof String s ? s : null;
  }

  /** One publish: the same for every attempt, key included. */
  private record Publish(String stream, String path, Buffer data, String key) {
  }

  private record Answer(int status, String retryAfter, Buffer body) {
  }
}
