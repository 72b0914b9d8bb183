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
import io.streamcast.core.UserRateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
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
  private boolean refuseWhileDraining(RoutingContext ctx) {
    if (accepting.getAsBoolean()) {
      return false;
    }
    ApiError.UNAVAILABLE.send(ctx.response(), "node is draining or has left the cluster; publish on another node", 1);
    return true;
  }

  /** @return the router of the publish port */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    if (access != null && access.enabled()) {
      // before the body handler: a refused publish is answered without its body being read
      router.post("/streams/:stream/complete").handler(ctx -> authorize(ctx, StreamAccess.Action.PUBLISH));
      router.post("/streams/:stream").handler(ctx -> authorize(ctx, StreamAccess.Action.PUBLISH));
      router.delete("/streams/:stream").handler(ctx -> authorize(ctx, StreamAccess.Action.PUBLISH));
    }
    router.post("/streams/*").handler(BodyHandler.create(false).setBodyLimit(maxDataBytes));
    router.post("/streams/:stream/complete").handler(this::complete);
    router.post("/streams/:stream").handler(this::publish);
    router.delete("/streams/:stream").handler(this::delete);
    router.get("/streams/:stream/info").handler(this::info);
    ApiFailureHandler.answerUnmatched(router, path -> path.endsWith("/info") ? "GET"
        : path.endsWith("/complete") ? "POST" : "POST, DELETE");
    router.route().failureHandler(new ApiFailureHandler());
    return router;
  }

  private void publish(RoutingContext ctx) {
    String stream = writable(ctx.pathParam("stream"));
    String type = EventType.requirePublishable(single(ctx, "event"));
    requireTextBody(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
    Buffer body = ctx.body().buffer();
    byte[] data = body == null ? new byte[0] : body.getBytes();
    requireUtf8(data);
    String key = idempotencyKey(ctx.request().getHeader("Idempotency-Key"));
    if (refuseWhileDraining(ctx)) {
      return;
    }
    inFlight.incrementAndGet();
    publisher.publish(stream, type, data, key).onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      PublishedEvent e = ar.result();
      if (e.replayed()) {
        ctx.response().putHeader("Idempotent-Replayed", "true");
      }
      created(ctx, e);
    });
  }

  private void complete(RoutingContext ctx) {
    String stream = writable(ctx.pathParam("stream"));
    if (refuseWhileDraining(ctx)) {
      return;
    }
    inFlight.incrementAndGet();
    publisher.complete(stream).onComplete(ar -> inFlight.decrementAndGet())
        .onSuccess(e -> created(ctx, e)).onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String stream = writable(ctx.pathParam("stream"));
    if (refuseWhileDraining(ctx)) {
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

  /** Lets the request on to the body handler only with a grant for {@code action} on its stream. */
  private void authorize(RoutingContext ctx, StreamAccess.Action action) {
    String stream = writable(ctx.pathParam("stream"));
    HttpServerRequest request = ctx.request();
    // the body must wait for the verdict: the body handler resumes the request, a refusal drops it
    boolean paused = !request.isEnded();
    if (paused) {
      request.pause();
    }
    access.check(request, stream, action).onComplete(ar -> {
      if (ar.succeeded()) {
        int retryAfter = rateLimiter == null ? 0 : rateLimiter.tryAcquire(ar.result().userKey());
        if (retryAfter == 0) {
          ctx.next();
          return;
        }
        if (paused) {
          request.resume();
        }
        publisher.meters().refused(StreamcastMeters.Port.PUBLISH, ApiError.RATE_LIMITED);
        ApiError.RATE_LIMITED.send(ctx.response(), "this user may publish at most " + maxPublishesPerSecondPerUser
            + " events a second on this node (the per-user limit, --max-publishes-per-second-per-user "
            + maxPublishesPerSecondPerUser + "); retry in " + retryAfter + " s", retryAfter);
        return;
      }
      if (paused) {
        request.resume();
      }
      publisher.meters().refusedIf(StreamcastMeters.Port.PUBLISH, ar.cause());
      ctx.fail(ar.cause());
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

  private static void created(RoutingContext ctx, PublishedEvent e) {
    ctx.response().setStatusCode(201)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("stream", e.stream()).put("id", e.id()).encode());
  }

  private static String single(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
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
    if (contentType == null) {
      return;
    }
    String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
    String media = parts[0].trim();
    boolean text = media.startsWith("text/") || media.equals("application/json")
        || media.equals("application/x-ndjson") || media.endsWith("+json") || media.isEmpty()
        || media.equals("application/x-www-form-urlencoded");
    if (!text) {
      throw new InvalidRequestException(ApiError.UNSUPPORTED_BODY,
          "event data must be UTF-8 text (text/*, application/json, application/x-ndjson), not " + media);
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith("charset=")) {
        String cs = p.substring(8).replace("\"", "");
        if (!cs.equals("utf-8") && !cs.equals("utf8") && !cs.equals("us-ascii")) {
          throw new InvalidRequestException(ApiError.UNSUPPORTED_BODY, "charset must be UTF-8, not " + cs);
        }
      }
    }
  }

  private static void requireUtf8(byte[] data) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data));
    } catch (CharacterCodingException e) {
      throw new InvalidRequestException(ApiError.UNSUPPORTED_BODY, "event data is not valid UTF-8");
    }
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
