package io.streamcast.client;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A resumable subscription to one Streamcast stream ({@code GET {node}/streams/{stream}}), spread over the
 * nodes of a cluster: when a connection ends for any reason but the end of the stream, it reconnects to the
 * next node of its list, sending {@code Last-Event-ID} so that the stream continues with no gap and no
 * duplicate.
 *
 * <p>It ends for good, completing {@link #end()}, when the stream completes ({@code event: complete}
 * received, or a {@code 204} answer) or when {@link #close()} is called. It fails {@link #end()} with a
 * {@link SubscriptionFailedException} when its reconnection bounds
 * ({@link SubscriberOptions#maxReconnectAttempts()}, {@link SubscriberOptions#maxReconnectTime()}) are reached,
 * or when a node answers with a 4xx that no retry can fix (see {@link SubscriberOptions#retryClientErrors()}).
 *
 * <p>Reconnection delays follow {@link SubscriberOptions#backoff()}, with the stream's {@code retry:} value,
 * once received, as the base delay. A {@code Retry-After} header on a 429 or 503 lengthens the delay up to the
 * backoff's maximum.
 *
 * <p>Set the handlers, then call {@link #start()}. Handlers run on the Vert.x context that created the
 * subscriber (a new event-loop context when created outside Vert.x), one at a time and in stream order:
 * they must not block. An exception thrown by a handler is logged and does not stop the subscription.
 *
 * <pre>{@code
 * StreamSubscriber subscriber = StreamSubscriber.create(vertx, SubscriberOptions.builder()
 *     .nodes("http://10.0.0.1:8080", "http://10.0.0.2:8080")
 *     .stream("orders")
 *     .startPosition(StartPosition.earliest())
 *     .build());
 * subscriber.eventHandler(e -> System.out.println(e.id() + " " + e.data() + " via " + e.node()));
 * subscriber.start().onComplete(end -> System.out.println("ended: " + end));
 * }</pre>
 */
public final class StreamSubscriber {

  private static final System.Logger LOG = System.getLogger(StreamSubscriber.class.getName());
  private static final String LAST_EVENT_ID = "Last-Event-ID";
  private static final String EVENT_STREAM = "text/event-stream";

  private final Vertx vertx;
  private final Context context;
  private final SubscriberOptions options;
  private final List<String> nodes;
  private final HttpClient client;
  private final Promise<SubscriptionEnd> ending = Promise.promise();
  private final AtomicBoolean started = new AtomicBoolean();

  private Consumer<ReceivedEvent> eventHandler = event -> { };
  private Consumer<StreamGap> gapHandler = gap -> { };
  private Consumer<StreamError> errorEventHandler = error -> { };
  private Consumer<HttpErrorResponse> httpErrorHandler = response -> { };
  private Consumer<ConnectionOpened> connectHandler = opened -> { };
  private Consumer<ReconnectAttempt> reconnectHandler = attempt -> { };
  private Consumer<String> commentHandler = comment -> { };

  // From here on, state is only read and written on `context`, so it needs no locking.
  private boolean finished;
  private int nodeIndex;
  private int connections;
  private long eventsReceived;
  /** The id to resume after: null until the stream (or the start position) gives one. */
  private String lastEventId;
  /** The stream's {@code retry:} in ms, -1 until it sends one; it outlives the connection that carried it. */
  private long serverRetryMillis = -1;
  /** Connections in a row that ended without delivering an event. */
  private int failedAttempts;
  /** Since when no event arrived: the start, or the end of the last connection that delivered one. */
  private Instant outageStart;
  private HttpErrorResponse lastHttpError;
  private long reconnectTimer = -1;
  private Connection current;

  private StreamSubscriber(Vertx vertx, SubscriberOptions options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.nodes = options.nodes();
    this.lastEventId = options.startPosition().lastEventId();
    // Each SSE connection is dedicated to one subscription; keep-alive only helps the short error answers.
    this.client = vertx.createHttpClient(new HttpClientOptions()
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis())));
  }

  /**
   * Creates a subscriber; nothing is sent before {@link #start()}.
   *
   * @param vertx   the Vert.x instance whose event loop runs the subscription
   * @param options what to subscribe to
   * @return a new subscriber
   */
  public static StreamSubscriber create(Vertx vertx, SubscriberOptions options) {
    return new StreamSubscriber(Objects.requireNonNull(vertx, "vertx"), Objects.requireNonNull(options, "options"));
  }

  /**
   * Sets the handler of every dispatched event, whatever its type, in stream order, including the server's
   * control events {@code gap}, {@code complete} and {@code error} (see {@link ReceivedEvent#isData()}).
   *
   * @param handler the handler
   * @return this subscriber
   */
  public StreamSubscriber eventHandler(Consumer<ReceivedEvent> handler) {
    this.eventHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Sets the handler of {@code gap} events, called after the event handler: the server no longer held the
   * position asked for, and some events were lost to this subscriber.
   *
   * @param handler the handler
   * @return this subscriber
   */
  public StreamSubscriber gapHandler(Consumer<StreamGap> handler) {
    this.gapHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Sets the handler of {@code error} events, called after the event handler: the server ends the stream, and
   * the subscriber will reconnect.
   *
   * @param handler the handler
   * @return this subscriber
   */
  public StreamSubscriber errorEventHandler(Consumer<StreamError> handler) {
    this.errorEventHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Sets the handler of answers other than 200 and 204 (and of a 200 that is not {@code text/event-stream}).
   *
   * @param handler the handler
   * @return this subscriber
   */
  public StreamSubscriber httpErrorHandler(Consumer<HttpErrorResponse> handler) {
    this.httpErrorHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Sets the handler called when a connection opens (its 200 arrived), before any of its events.
   *
   * @param handler the handler
   * @return this subscriber
   */
  public StreamSubscriber connectHandler(Consumer<ConnectionOpened> handler) {
    this.connectHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Sets the handler called when a connection ended or failed and the next one is scheduled.
   *
   * @param handler the handler
   * @return this subscriber
   */
  public StreamSubscriber reconnectHandler(Consumer<ReconnectAttempt> handler) {
    this.reconnectHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Sets the handler of comment lines, such as the server's {@code :} heartbeats.
   *
   * @param handler receives the text after the colon
   * @return this subscriber
   */
  public StreamSubscriber commentHandler(Consumer<String> handler) {
    this.commentHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Starts the subscription: the first request goes to the first node.
   *
   * @return the same future as {@link #end()}
   * @throws IllegalStateException if called twice
   */
  public Future<SubscriptionEnd> start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("already started");
    }
    context.runOnContext(v -> {
      if (!finished) {
        outageStart = Instant.now();
        connect();
      }
    });
    return ending.future();
  }

  /**
   * @return a future completed when the subscription ends normally (see {@link SubscriptionEnd.Reason}), failed
   *         with a {@link SubscriptionFailedException} when it gives up
   */
  public Future<SubscriptionEnd> end() {
    return ending.future();
  }

  /**
   * Stops the subscription: closes the current connection, cancels a pending reconnection and releases the
   * HTTP client. {@link #end()} completes with {@link SubscriptionEnd.Reason#CLOSED}, unless it had ended
   * already.
   *
   * @return a future completed once everything is released
   */
  public Future<Void> close() {
    context.runOnContext(v -> finish(SubscriptionEnd.Reason.CLOSED, null));
    return ending.future().<Void>mapEmpty().otherwiseEmpty();
  }

  /**
   * @return the id the subscriber would resume after, or null if it has none; read on the subscriber's
   *         context (in a handler) for an exact value
   */
  public String lastEventId() {
    return lastEventId;
  }

  private void connect() {
    if (finished) {
      return;
    }
    Connection connection = new Connection(nodes.get(nodeIndex), ++connections, Instant.now(), lastEventId);
    current = connection;
    RequestOptions request;
    try {
      request = requestFor(connection);
    } catch (RuntimeException e) {
      // A token source that throws is a caller's bug that no node can fix.
      fail("cannot build the request: " + e, e);
      return;
    }
    client.request(request)
      .compose(req -> {
        connection.request = req;
        return req.send();
      })
      .onComplete(sent -> {
        if (sent.succeeded()) {
          onResponse(connection, sent.result());
        } else {
          connectionEnded(connection, "request failed: " + describe(sent.cause()), null, sent.cause(), false);
        }
      });
  }

  private RequestOptions requestFor(Connection connection) {
    String uri = connection.node + "/streams/" + options.stream();
    String resumeAfter = connection.sentLastEventId;
    boolean idInHeader = resumeAfter != null && isHeaderSafe(resumeAfter);
    if (resumeAfter == null) {
      // The id wins over `from` on the server, but sending only one keeps the request unambiguous.
      uri += "?from=" + options.startPosition().from();
    } else if (!idInHeader) {
      // An SSE id may hold any character but an HTTP header value should stay ASCII; the server accepts
      // the same position as a query parameter.
      uri += "?lastEventId=" + URLEncoder.encode(resumeAfter, StandardCharsets.UTF_8);
    }
    RequestOptions request = new RequestOptions()
      .setMethod(HttpMethod.GET)
      .setAbsoluteURI(uri)
      .setConnectTimeout(options.connectTimeout().toMillis())
      // Covers a node that accepts the connection but never answers. Vert.x 5.0 stops applying it once the
      // response has arrived (seen in the tests), so the connection's own silence watch takes over there.
      .setIdleTimeout(options.idleTimeout().toMillis())
      .putHeader(HttpHeaders.ACCEPT, EVENT_STREAM)
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    if (idInHeader) {
      request.putHeader(LAST_EVENT_ID, resumeAfter);
    }
    if (options.bearerToken() != null) {
      String token = options.bearerToken().get();
      if (token != null) {
        request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
      }
    }
    return request;
  }

  private void onResponse(Connection connection, HttpClientResponse response) {
    if (finished || connection != current) {
      connection.request.reset();
      return;
    }
    int status = response.statusCode();
    String contentType = response.getHeader(HttpHeaders.CONTENT_TYPE);
    if (status == 200 && contentType != null && contentType.toLowerCase().startsWith(EVENT_STREAM)) {
      open(connection, response);
      return;
    }
    if (status == 204) {
      // The stream is completed and the position is at or after its end: the spec's way to say "stop".
      finish(SubscriptionEnd.Reason.NO_CONTENT, connection.node);
      return;
    }
    BoundedBody.read(response, HttpErrorResponse.MAX_BODY_BYTES).onComplete(read -> {
      if (finished) {
        return;
      }
      Buffer body = read.succeeded() ? read.result() : Buffer.buffer();
      HttpErrorResponse error = HttpErrorResponse.of(connection.node, status,
        response.getHeader(HttpHeaders.RETRY_AFTER), body);
      lastHttpError = error;
      emit(httpErrorHandler, error);
      String reason = status == 200 ? "200 with Content-Type " + contentType + " from " + connection.node
        : error.toString();
      if (error.isPermanent() && !options.retryClientErrors()) {
        connection.over = true;
        fail("gave up: " + reason, null);
      } else {
        connectionEnded(connection, reason, error.retryAfter(), null, false);
      }
    });
  }

  private void open(Connection connection, HttpClientResponse response) {
    connection.openedAt = Instant.now();
    connection.parser = new SseEventParser(lastEventId == null ? "" : lastEventId, e -> onEvent(connection, e))
      .commentHandler(comment -> {
        if (!connection.over) {
          emit(commentHandler, comment);
        }
      })
      .retryHandler(millis -> serverRetryMillis = millis)
      .maxEventChars(options.maxEventChars());
    response.handler(chunk -> {
      if (connection.over) {
        return;
      }
      connection.lastActivityNanos = System.nanoTime();
      try {
        connection.parser.feed(chunk);
      } catch (SseEventParser.EventTooLargeException e) {
        connectionEnded(connection, e.getMessage() + " from " + connection.node, null, e, true);
      }
    });
    response.exceptionHandler(t ->
      connectionEnded(connection, "connection to " + connection.node + " lost: " + describe(t), null, t, true));
    response.endHandler(v -> connectionEnded(connection, connection.node + " closed the stream", null, null, false));
    connection.lastActivityNanos = System.nanoTime();
    watchSilence(connection, options.idleTimeout().toMillis());
    emit(connectHandler, new ConnectionOpened(connection.node, connection.number, connection.requestedAt,
      connection.openedAt, connection.sentLastEventId));
  }

  /**
   * Drops a stream that stays silent longer than the idle timeout: a node that hangs (a stopped process, a
   * network partition) sends nothing, not even heartbeats, and TCP alone may take many minutes to notice.
   * One timer per connection, re-armed for the time left rather than reset on every chunk.
   */
  private void watchSilence(Connection connection, long delayMillis) {
    connection.silenceTimer = vertx.setTimer(Math.max(1, delayMillis), id -> {
      if (connection.over) {
        return;
      }
      long idleMillis = options.idleTimeout().toMillis();
      long silentMillis = (System.nanoTime() - connection.lastActivityNanos) / 1_000_000;
      if (silentMillis >= idleMillis) {
        connectionEnded(connection, connection.node + " sent nothing for " + silentMillis + " ms", null, null, true);
      } else {
        watchSilence(connection, idleMillis - silentMillis);
      }
    });
  }

  private void onEvent(Connection connection, SseEvent event) {
    if (finished || connection.over) {
      return;
    }
    lastEventId = event.id().isEmpty() ? null : event.id();
    eventsReceived++;
    // An event is progress: the reconnection bounds count failures in a row, not over the whole life.
    failedAttempts = 0;
    outageStart = null;
    lastHttpError = null;
    ReceivedEvent received = new ReceivedEvent(event, connection.node, connection.number, connection.openedAt,
      Instant.now());
    emit(eventHandler, received);
    switch (event.type()) {
      case SseEvent.GAP_TYPE -> {
        JsonObject json = jsonData(event);
        emit(gapHandler, new StreamGap(text(json, "requested"), text(json, "resumedAfter"), received));
      }
      case SseEvent.ERROR_TYPE -> {
        JsonObject json = jsonData(event);
        emit(errorEventHandler, new StreamError(text(json, "error"), text(json, "message"), received));
      }
      case SseEvent.COMPLETE_TYPE -> finish(SubscriptionEnd.Reason.COMPLETE_EVENT, connection.node);
      default -> {
        // A data event: the event handler has it.
      }
    }
  }

  /**
   * Handles the end of a connection, whatever ended it, and schedules the next one.
   *
   * @param abort whether the socket may still be open and must be dropped (an oversized event, an idle
   *              timeout); a response that ended normally is left alone, as its socket may be reused
   */
  private void connectionEnded(Connection connection, String reason, Duration retryAfter, Throwable cause,
                               boolean abort) {
    if (connection.over) {
      return;
    }
    connection.over = true;
    vertx.cancelTimer(connection.silenceTimer);
    if (connection.parser != null) {
      connection.parser.end();
      // An `id:` alone followed by a blank line moves the position without an event.
      String id = connection.parser.lastEventId();
      lastEventId = id.isEmpty() ? null : id;
    }
    if (abort && connection.request != null) {
      connection.request.reset();
    }
    if (finished) {
      return;
    }
    Instant now = Instant.now();
    if (outageStart == null) {
      outageStart = now;
    }
    failedAttempts++;
    if (failedAttempts > options.maxReconnectAttempts()) {
      fail("gave up after " + options.maxReconnectAttempts() + " reconnection attempts without an event; last: "
        + reason, cause);
      return;
    }
    nodeIndex = (nodeIndex + 1) % nodes.size();
    Backoff backoff = options.backoff();
    Duration base = serverRetryMillis >= 0 ? Duration.ofMillis(serverRetryMillis) : backoff.initialDelay();
    Duration delay = backoff.delay(failedAttempts, base);
    if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
      delay = retryAfter.compareTo(backoff.maxDelay()) < 0 ? retryAfter : backoff.maxDelay();
    }
    Duration limit = options.maxReconnectTime();
    if (limit != null && Duration.between(outageStart, now).plus(delay).compareTo(limit) > 0) {
      fail("gave up: no event for " + Duration.between(outageStart, now).toMillis() + " ms, limit "
        + limit.toMillis() + " ms; last: " + reason, cause);
      return;
    }
    emit(reconnectHandler, new ReconnectAttempt(failedAttempts, connection.node, nodes.get(nodeIndex), reason,
      delay, lastEventId));
    if (finished) {
      return; // the handler closed the subscriber
    }
    reconnectTimer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      reconnectTimer = -1;
      connect();
    });
  }

  private void finish(SubscriptionEnd.Reason reason, String node) {
    if (stop()) {
      SubscriptionEnd end = new SubscriptionEnd(reason, node, lastEventId, eventsReceived, connections);
      client.close().onComplete(closed -> ending.tryComplete(end));
    }
  }

  private void fail(String message, Throwable cause) {
    if (stop()) {
      SubscriptionFailedException failure = new SubscriptionFailedException(message, cause, lastHttpError,
        lastEventId, eventsReceived);
      client.close().onComplete(closed -> ending.tryFail(failure));
    }
  }

  /** @return true if this call stopped the subscription, false if it was stopped already */
  private boolean stop() {
    if (finished) {
      return false;
    }
    finished = true;
    if (reconnectTimer != -1) {
      vertx.cancelTimer(reconnectTimer);
      reconnectTimer = -1;
    }
    Connection connection = current;
    if (connection != null && !connection.over) {
      connection.over = true;
      vertx.cancelTimer(connection.silenceTimer);
      if (connection.parser != null) {
        connection.parser.end();
      }
      if (connection.request != null) {
        connection.request.reset();
      }
    }
    return true;
  }

  private <T> void emit(Consumer<T> handler, T value) {
    try {
      handler.accept(value);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "a subscriber handler of stream " + options.stream() + " threw", e);
    }
  }

  private static JsonObject jsonData(SseEvent event) {
    try {
      return new JsonObject(event.data());
    } catch (DecodeException | ClassCastException notJson) {
      return new JsonObject();
    }
  }

  private static String text(JsonObject json, String key) {
    return json.getValue(key) instanceof String s ? s : null;
  }

  /** @return true if the value is printable ASCII, which every HTTP stack carries unchanged */
  private static boolean isHeaderSafe(String value) {
    return value.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
  }

  private static String describe(Throwable t) {
    return t.getMessage() != null ? t.getClass().getSimpleName() + ": " + t.getMessage() : t.getClass().getName();
  }

  /** One request and, if it got a stream, its parser. */
  private static final class Connection {
    final String node;
    final int number;
    final Instant requestedAt;
    final String sentLastEventId;
    HttpClientRequest request;
    Instant openedAt;
    SseEventParser parser;
    long silenceTimer = -1;
    long lastActivityNanos;
    /** Set once the connection's outcome has been handled, so late callbacks do nothing. */
    boolean over;

    Connection(String node, int number, Instant requestedAt, String sentLastEventId) {
      this.node = node;
      this.number = number;
      this.requestedAt = requestedAt;
      this.sentLastEventId = sentLastEventId;
    }
  }
}
