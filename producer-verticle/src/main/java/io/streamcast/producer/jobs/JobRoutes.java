package io.streamcast.producer.jobs;

import io.streamcast.core.ApiError;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamAccess;
import io.streamcast.producer.TextBody;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The jobs' HTTP API on the edge port: {@code POST /jobs/{kind}} starts one on some producer node
 * (over the clustered event bus, so any node takes the request), {@code GET /jobs/{id}} reads its
 * record, {@code DELETE /jobs/{id}} cancels it. Each needs a token whose {@code job_kinds} covers
 * the job's kind (auth on).
 */
public final class JobRoutes implements Consumer<Router> {

  /** Seconds a client refused for want of a free job slot is told to wait. */
  public static final int CAPACITY_RETRY_AFTER_SECONDS = 5;
  /** Largest JSON parameters document. */
  static final int MAX_PARAMETERS_BYTES = 64 * 1024;
  private static final long REQUEST_TIMEOUT_MILLIS = 10_000;

  private final Vertx vertx;
  private final StreamAccess access;
  private final JobDirectory directory;
  private final IntSupplier members;
  private final Supplier<java.util.Collection<String>> memberNames;

  /**
   * @param vertx the edge's Vert.x
   * @param access the edge's token checks
   * @param directory job records
   * @param memberNames the cluster's node names now (how many producers to ask at most; whether a
   *     job's node is still there)
   */
  public JobRoutes(Vertx vertx, StreamAccess access, JobDirectory directory,
      Supplier<java.util.Collection<String>> memberNames) {
    this.vertx = vertx;
    this.access = access;
    this.directory = directory;
    this.memberNames = memberNames;
    this.members = () -> memberNames.get().size();
  }

  @Override
  public void accept(Router router) {
    // before the body handler: a body of the wrong kind is refused by its header, never read
    router.post("/jobs/:kind").handler(JobRoutes::requireJsonBody);
    router.post("/jobs/:kind").handler(BodyHandler.create(false).setBodyLimit(MAX_PARAMETERS_BYTES));
    router.post("/jobs/:kind").handler(this::start);
    router.get("/jobs/:id").handler(this::read);
    router.delete("/jobs/:id").handler(this::cancel);
  }

  private void start(RoutingContext ctx) {
    String kind = ctx.pathParam("kind");
    if (!JobKind.validName(kind)) {
      ctx.fail(new InvalidRequestException(ApiError.NOT_FOUND, "no job kind '" + kind + "'"));
      return;
    }
    // the token before the body, as everywhere: a refused request learns nothing about its body
    access.check(ctx.request(), kind, StreamAccess.Action.START_JOB)
        .compose(grant -> {
          JsonObject parameters;
          try {
            String body = utf8(ctx.body().buffer());
            parameters = body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
          } catch (InvalidRequestException e) {
            return Future.failedFuture(e);
          } catch (DecodeException | ClassCastException e) {
            return Future.failedFuture(new InvalidRequestException(ApiError.BAD_PARAMETER,
                "the body must be a JSON object of parameters"));
          }
          return ask(new JsonObject().put("kind", kind).put("parameters", parameters), members.getAsInt() * 2);
        })
        .onSuccess(record -> {
          String url = "/streams/" + record.getString("stream") + "?from=earliest";
          ctx.response().setStatusCode(201)
              .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .putHeader(HttpHeaders.LOCATION, "/jobs/" + record.getString("job"))
              .end(new JsonObject().put("job", record.getString("job")).put("stream", record.getString("stream"))
                  .put("url", url).put("node", record.getString("node")).encode());
        })
        .onFailure(ctx::fail);
  }

  /**
   * Lets through a body that can be the JSON parameters: {@code application/json} (or a
   * {@code +json} type), {@code text/plain} (what a page's {@code fetch} sends for a string body)
   * and {@code application/x-www-form-urlencoded} (what {@code curl -d} sends; the body is read as
   * JSON all the same, never form-decoded), in UTF-8; or no Content-Type at all (an empty body is no
   * parameters). Anything else, such as a multipart form or binary data, is refused with {@code 415}
   * before the token is checked or the body read: that request could never start a job, whoever
   * sends it.
   */
  private static void requireJsonBody(RoutingContext ctx) {
    try {
      TextBody.requireType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE), JobRoutes::mayBeJson,
          "the body must be a JSON object of parameters (application/json)");
    } catch (InvalidRequestException e) {
      ctx.fail(e);
      return;
    }
    ctx.next();
  }

  private static boolean mayBeJson(String media) {
    return media.equals("application/json") || (media.startsWith("application/") && media.endsWith("+json"))
        || media.equals("text/plain") || media.equals("application/x-www-form-urlencoded");
  }

  /** The body as text; bytes that are not UTF-8 are refused rather than read as replacement characters. */
  private static String utf8(Buffer body) {
    if (body == null) {
      return null;
    }
    return TextBody.decodeUtf8(body.getBytes(), "the parameters").toString();
  }

  /**
   * Asks producer nodes in turn (the event bus goes round the consumers of the shared address)
   * until one runs the job. Bad parameters end the search (every node would say the same); a node
   * without the kind or without a free slot passes it on.
   */
  private Future<JsonObject> ask(JsonObject request, int attemptsLeft) {
    return vertx.eventBus().<JsonObject>request(JobManager.START_ADDRESS, request,
            new DeliveryOptions().setSendTimeout(REQUEST_TIMEOUT_MILLIS))
        .map(reply -> reply.body())
        .recover(failure -> {
          if (!(failure instanceof ReplyException re)) {
            return Future.failedFuture(failure);
          }
          if (re.failureType() == ReplyFailure.NO_HANDLERS) {
            return Future.failedFuture(new InvalidRequestException(ApiError.CAPACITY,
                "no producer node runs jobs now; retry later", CAPACITY_RETRY_AFTER_SECONDS));
          }
          if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == 400) {
            return Future.failedFuture(new InvalidRequestException(ApiError.BAD_PARAMETER, re.getMessage()));
          }
          if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == 500) {
            return Future.failedFuture(new InvalidRequestException(ApiError.INTERNAL, re.getMessage()));
          }
          boolean unknownKind = re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == 404;
          if (attemptsLeft > 1) {
            return ask(request.put(unknownKind ? "unknown" : "full", true), attemptsLeft - 1);
          }
          if (unknownKind && !request.getBoolean("full", false)) {
            return Future.failedFuture(new InvalidRequestException(ApiError.NOT_FOUND,
                "no job kind '" + request.getString("kind") + "'"));
          }
          return Future.failedFuture(new InvalidRequestException(ApiError.CAPACITY,
              "no node has a free slot for a '" + request.getString("kind") + "' job; retry later",
              CAPACITY_RETRY_AFTER_SECONDS));
        });
  }

  private void read(RoutingContext ctx) {
    record(ctx).onSuccess(record -> json(ctx, 200, record)).onFailure(ctx::fail);
  }

  private void cancel(RoutingContext ctx) {
    record(ctx).compose(record -> {
      if (!JobDirectory.RUNNING.equals(record.getString("state"))) {
        return Future.succeededFuture(record);
      }
      return vertx.eventBus().<JsonObject>request(JobManager.nodeAddress(record.getString("node")),
              new JsonObject().put("job", record.getString("job")),
              new DeliveryOptions().setSendTimeout(REQUEST_TIMEOUT_MILLIS))
          .compose(reply -> directory.get(record.getString("job")))
          .map(after -> after == null ? record : after)
          // its node is gone (the record reads as interrupted) or did not answer: nothing runs to cancel there
          .otherwise(failure -> record);
    }).onSuccess(record -> json(ctx, 200, record)).onFailure(ctx::fail);
  }

  /** The job's record, once the token is checked against its kind; a job whose node left reads as interrupted. */
  private Future<JsonObject> record(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    return directory.get(id).compose(record -> {
      if (record == null) {
        return Future.failedFuture(new InvalidRequestException(ApiError.NOT_FOUND, "no job '" + id + "'"));
      }
      return access.check(ctx.request(), record.getString("kind"), StreamAccess.Action.START_JOB).map(grant -> {
        if (JobDirectory.RUNNING.equals(record.getString("state"))
            && !memberNames.get().contains(record.getString("node"))) {
          // its node died without a drain: nobody will end the record, so say what happened
          record.put("state", "interrupted").put("error", new JsonObject().put("error", "job_interrupted")
              .put("message", "the node running the job left the cluster"));
        }
        return record;
      });
    });
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(body.encode());
  }
}
