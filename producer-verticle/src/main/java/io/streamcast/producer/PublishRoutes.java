package io.streamcast.producer;

import io.streamcast.core.ApiError;
import io.streamcast.core.ApiFailureHandler;
import io.streamcast.core.EventId;
import io.streamcast.core.EventType;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamAccess;
import io.streamcast.core.StreamInfo;
import io.streamcast.core.StreamName;
import io.streamcast.core.StreamcastMeters;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.net.RFC3986;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The publish API of the contract: {@code POST /streams/{stream}}, {@code POST
 * /streams/{stream}/complete}, {@code GET /streams/{stream}/info}. Every input is checked before
 * anything is appended, and every refusal is a contract JSON error. System streams ({@link
 * StreamName#isSystem}) are never written here: {@code 403 forbidden}, with auth on or off.
 */
public final class PublishRoutes {

  private static final int MAX_KEY_LENGTH = 255;
  private static final String STREAMS_PREFIX = "/streams/";
  /** The route label of a publish in Vert.x's HTTP server metrics, as vertx-web would give it. */
  private static final String PUBLISH_ROUTE = "/streams/:stream";
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private final StreamPublisher publisher;
  private final StreamInfo info;
  private final int maxDataBytes;
  private final BooleanSupplier accepting;
  private final StreamAccess access;
  /** Per-user publish rate on this node; null without auth or without a limit. */
  private final UserRateLimiter rateLimiter;
  private final int maxPublishesPerSecondPerUser;
  /** Publishes and completions accepted but not answered yet: a drain waits for them. */
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * @param publisher appends and publishes; its meters also count this port's refusals
   * @param info stream info documents
   * @param maxDataBytes largest accepted body
   * @param accepting false once the node drains (see above)
   * @param access who may publish on which stream; null for no auth
   * @param maxPublishesPerSecondPerUser publishes and completes per second (and burst) per user on
   *     this node before {@code 429}; 0 for no limit; ignored without auth (there is no user)
   */
  public PublishRoutes(StreamPublisher publisher, StreamInfo info, int maxDataBytes, BooleanSupplier accepting,
      StreamAccess access, int maxPublishesPerSecondPerUser) {
    boolean limited = access != null && access.enabled() && maxPublishesPerSecondPerUser > 0;
    this.maxPublishesPerSecondPerUser = limited ? maxPublishesPerSecondPerUser : 0;
    // one limiter per routes instance, safe from any thread: the producer verticle is deployed once
    // per node, so this is the node's single limiter
    this.rateLimiter = limited ? new UserRateLimiter(maxPublishesPerSecondPerUser) : null;
    this.access = access;
    this.publisher = publisher;
    this.info = info;
    this.maxDataBytes = maxDataBytes;
    this.accepting = accepting;
  }

  /** @return publishes accepted and not answered yet */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Completes once every accepted publish has been answered, or after {@code maxMillis}; call it
   * once {@code accepting} answers false, so no new publish starts meanwhile.
   */
  public Future<Void> drained(Vertx vertx, long maxMillis) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + maxMillis;
    waitDrained(vertx, deadline, done);
    return done.future();
  }

  private void waitDrained(Vertx vertx, long deadline, Promise<Void> done) {
    if (inFlight.get() <= 0 || System.currentTimeMillis() >= deadline) {
      done.complete();
    } else {
      vertx.setTimer(10, id -> waitDrained(vertx, deadline, done));
    }
  }

  /** Refuses a new publish on a draining node; true when refused. */
  private boolean refuseWhileDraining(HttpServerResponse response) {
    if (accepting.getAsBoolean()) {
      return false;
    }
    ApiError.UNAVAILABLE.send(response, "node is draining or has left the cluster; publish on another node", 1);
    return true;
  }

  /**
   * @return the publish port's request handler: {@code POST /streams/{stream}}, the hot path, is
   *     answered directly; every other request goes through {@link #router}
   */
  public Handler<HttpServerRequest> handler(Vertx vertx) {
    Router router = router(vertx);
    return request -> {
      String stream;
      try {
        stream = publishTarget(request);
      } catch (IllegalArgumentException badEscape) {
        ApiError.BAD_STREAM_NAME.send(request.response(), "the stream name has an invalid percent escape");
        return;
      }
      if (stream == null) {
        router.handle(request);
      } else {
        publish(request, stream);
      }
    };
  }

  /**
   * @return the router of the publish port for everything but a publish (complete, delete, info,
   *     and the contract's 404 and 405 answers); a publish path that reaches it, such as one with a
   *     trailing slash, gets vertx-web's answer for an unknown route
   */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    if (access != null && access.enabled()) {
      // before the body handler: a refused request is answered without its body being read
      router.post("/streams/:stream/complete").handler(this::authorize);
      router.delete("/streams/:stream").handler(this::authorize);
    }
    router.post("/streams/*").handler(BodyHandler.create(false).setBodyLimit(maxDataBytes));
    router.post("/streams/:stream/complete").handler(this::complete);
    router.delete("/streams/:stream").handler(this::delete);
    router.get("/streams/:stream/info").handler(this::info);
    ApiFailureHandler.answerUnmatched(router, path -> path.endsWith("/info") ? "GET"
        : path.endsWith("/complete") ? "POST" : "POST, DELETE");
    router.route().failureHandler(new ApiFailureHandler());
    return router;
  }

  /**
   * The stream a request publishes on, or null when it is not a publish ({@code POST
   * /streams/{stream}}, one optional trailing slash, the segment percent-decoded as vertx-web
   * decodes path parameters).
   *
   * @throws IllegalArgumentException for a segment with an invalid percent escape
   */
  static String publishTarget(HttpServerRequest request) {
    if (request.method() != HttpMethod.POST) {
      return null;
    }
    String path = request.path();
    if (path == null || !path.startsWith(STREAMS_PREFIX)) {
      return null;
    }
    int end = path.endsWith("/") ? path.length() - 1 : path.length();
    int slash = path.indexOf('/', STREAMS_PREFIX.length());
    if (end <= STREAMS_PREFIX.length() || (slash >= 0 && slash < end)) {
      return null;
    }
    String segment = path.substring(STREAMS_PREFIX.length(), end);
    return segment.indexOf('%') < 0 ? segment : RFC3986.decodeURIComponent(segment, false);
  }

  /**
   * A publish, without vertx-web: it is the one request a producer makes per event, and routing,
   * a routing context and the body handler were a tenth of its cost on the publish event loop.
   * The body is read while the grant is checked; nothing is appended before both are done.
   */
  private void publish(HttpServerRequest request, String stream) {
    request.routed(PUBLISH_ROUTE);
    HttpServerResponse response = request.response();
    String type;
    String key;
    try {
      writable(stream);
      type = EventType.requirePublishable(single(request, "event"));
      requireTextBody(request.getHeader(HttpHeaders.CONTENT_TYPE));
      key = idempotencyKey(request.getHeader("Idempotency-Key"));
      requireLength(request.getHeader(HttpHeaders.CONTENT_LENGTH));
    } catch (InvalidRequestException e) {
      ApiFailureHandler.answer(request, e);
      return;
    }
    Future<Buffer> body = body(request);
    Future<Void> admitted = admit(request, stream);
    Future.all(body, admitted).onComplete(ready -> {
      if (response.ended()) {
        return; // refused already (the body outgrew the limit, or the grant failed first)
      }
      if (ready.failed()) {
        ApiFailureHandler.answer(request, ready.cause());
        return;
      }
      byte[] data = body.result().getBytes();
      try {
        TextBody.requireUtf8(data, "event data");
      } catch (InvalidRequestException e) {
        ApiFailureHandler.answer(request, e);
        return;
      }
      if (refuseWhileDraining(response)) {
        return;
      }
      inFlight.incrementAndGet();
      publisher.publish(stream, type, data, key).onComplete(ar -> {
        inFlight.decrementAndGet();
        if (ar.failed()) {
          ApiFailureHandler.answer(request, ar.cause());
          return;
        }
        PublishedEvent e = ar.result();
        if (e.replayed()) {
          response.putHeader("Idempotent-Replayed", "true");
        }
        created(response, e);
      });
    });
  }

  /** The request body, at most {@code maxDataBytes}; a larger one fails with {@code 413}. */
  private Future<Buffer> body(HttpServerRequest request) {
    Promise<Buffer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (body.length() + chunk.length() > maxDataBytes) {
        done.tryFail(new InvalidRequestException(ApiError.DATA_TOO_LARGE,
            "request body exceeds the data limit of " + maxDataBytes + " bytes"));
      } else if (!done.future().isComplete()) {
        body.appendBuffer(chunk);
      }
    });
    request.exceptionHandler(done::tryFail);
    request.endHandler(v -> done.tryComplete(body));
    return done.future();
  }

  private void requireLength(String contentLength) {
    if (contentLength == null) {
      return;
    }
    long length;
    try {
      length = Long.parseLong(contentLength.trim());
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(ApiError.BAD_PARAMETER, "Content-Length is not a number");
    }
    if (length > maxDataBytes) {
      throw new InvalidRequestException(ApiError.DATA_TOO_LARGE,
          "request body exceeds the data limit of " + maxDataBytes + " bytes");
    }
  }

  private void complete(RoutingContext ctx) {
    String stream = writable(ctx.pathParam("stream"));
    if (refuseWhileDraining(ctx.response())) {
      return;
    }
    inFlight.incrementAndGet();
    publisher.complete(stream).onComplete(ar -> inFlight.decrementAndGet())
        .onSuccess(e -> created(ctx.response(), e)).onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String stream = writable(ctx.pathParam("stream"));
    if (refuseWhileDraining(ctx.response())) {
      return;
    }
    inFlight.incrementAndGet();
    publisher.delete(stream).onComplete(ar -> inFlight.decrementAndGet())
        .onSuccess(state -> ctx.response().setStatusCode(200)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(new JsonObject().put("stream", stream).put("deleted", true)
                .put("lastId", state.endSeq() >= 0 ? EventId.format(state.epoch(), state.endSeq()) : null)
                .put("completed", state.completed()).encode()))
        .onFailure(ctx::fail);
  }

  /**
   * A stream this API may write (publish, complete, delete): a valid name that is not a system
   * stream. System streams ({@code _cluster.stats}) carry what the nodes themselves report, so no
   * client may forge them, whatever its token and whether auth is on or off (ADR 14). One character
   * test on the hot path; with auth on it runs before the token is verified and the body is read.
   *
   * @throws InvalidRequestException {@code 400} for a bad name, {@code 403} for a system stream
   */
  private String writable(String name) {
    String stream = StreamName.require(name);
    if (StreamName.isSystem(stream)) {
      publisher.meters().refused(StreamcastMeters.Port.PUBLISH, ApiError.FORBIDDEN);
      throw new InvalidRequestException(ApiError.FORBIDDEN, "stream '" + stream + "' is a system stream (its name "
          + "starts with '" + StreamName.SYSTEM_PREFIX + "'): only the cluster's nodes write it, never the publish API");
    }
    return stream;
  }

  /** Lets a complete or delete on to the body handler only with a grant to publish on its stream. */
  private void authorize(RoutingContext ctx) {
    String stream = writable(ctx.pathParam("stream"));
    HttpServerRequest request = ctx.request();
    // the body must wait for the verdict: the body handler resumes the request, a refusal drops it
    boolean paused = !request.isEnded();
    if (paused) {
      request.pause();
    }
    admit(request, stream).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.next();
        return;
      }
      if (paused) {
        request.resume();
      }
      ctx.fail(ar.cause());
    });
  }

  /**
   * Succeeds when the request may publish on {@code stream}: a grant (when auth is on) and room in
   * its user's rate; a refusal is counted and fails with the contract error to answer.
   */
  private Future<Void> admit(HttpServerRequest request, String stream) {
    if (access == null || !access.enabled()) {
      return Future.succeededFuture();
    }
    return access.check(request, stream, StreamAccess.Action.PUBLISH).transform(ar -> {
      if (ar.failed()) {
        publisher.meters().refusedIf(StreamcastMeters.Port.PUBLISH, ar.cause());
        return Future.failedFuture(ar.cause());
      }
      int retryAfter = rateLimiter == null ? 0 : rateLimiter.tryAcquire(ar.result().userKey());
      if (retryAfter == 0) {
        return Future.succeededFuture();
      }
      publisher.meters().refused(StreamcastMeters.Port.PUBLISH, ApiError.RATE_LIMITED);
      return Future.failedFuture(new InvalidRequestException(ApiError.RATE_LIMITED, "this user may publish at most "
          + maxPublishesPerSecondPerUser + " events a second on this node (the per-user limit,"
          + " --max-publishes-per-second-per-user " + maxPublishesPerSecondPerUser + "); retry in " + retryAfter + " s",
          retryAfter));
    });
  }

  private void info(RoutingContext ctx) {
    String stream = StreamName.require(ctx.pathParam("stream"));
    Future<?> granted = access == null ? Future.succeededFuture()
        : access.check(ctx.request(), stream, StreamAccess.Action.PUBLISH, StreamAccess.Action.SUBSCRIBE)
            .onFailure(refusal -> publisher.meters().refusedIf(StreamcastMeters.Port.PUBLISH, refusal));
    granted.compose(g -> info.describe(stream))
        .onSuccess(doc -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(doc.encode()))
        .onFailure(ctx::fail);
  }

  private static void created(HttpServerResponse response, PublishedEvent e) {
    // stream names and ids are [A-Za-z0-9._-]: nothing to escape, so no JSON encoder per publish
    response.setStatusCode(201)
        .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
        .end("{\"stream\":\"" + e.stream() + "\",\"id\":\"" + e.id() + "\"}");
  }

  private static String single(HttpServerRequest request, String name) {
    if (request.query() == null) {
      return null;
    }
    List<String> values = request.params().getAll(name);
    if (values.size() > 1) {
      throw new InvalidRequestException(ApiError.BAD_PARAMETER, "'" + name + "' given more than once");
    }
    return values.isEmpty() ? null : values.get(0);
  }

  /**
   * Data is UTF-8 text, taken verbatim. {@code application/x-www-form-urlencoded} is accepted
   * because it is what {@code curl --data} sends; its body is stored as is, never form-decoded.
   * Multipart and binary types are refused rather than stored mangled.
   */
  private static void requireTextBody(String contentType) {
    TextBody.requireType(contentType, PublishRoutes::isText,
        "event data must be UTF-8 text (text/*, application/json, application/x-ndjson)");
  }

  private static boolean isText(String media) {
    return media.startsWith("text/") || media.equals("application/json") || media.equals("application/x-ndjson")
        || media.endsWith("+json") || media.isEmpty() || media.equals("application/x-www-form-urlencoded");
  }

  private static String idempotencyKey(String key) {
    if (key == null) {
      return null;
    }
    boolean ok = !key.isEmpty() && key.length() <= MAX_KEY_LENGTH;
    for (int i = 0; ok && i < key.length(); i++) {
      char c = key.charAt(i);
      ok = c >= 0x21 && c <= 0x7e;
    }
    if (!ok) {
      throw new InvalidRequestException(ApiError.BAD_PARAMETER,
          "Idempotency-Key must be 1-" + MAX_KEY_LENGTH + " visible ASCII characters");
    }
    return key;
  }
}
