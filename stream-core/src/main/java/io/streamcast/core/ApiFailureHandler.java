package io.streamcast.core;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Router failure handler answering every failure with the contract's JSON error, whichever
 * handler (ours or vertx-web's, such as the body limit) raised it.
 */
public final class ApiFailureHandler implements Handler<RoutingContext> {

  private static final Logger LOG = Logger.getLogger(ApiFailureHandler.class.getName());

  /**
   * Answers requests that match no route with the contract's JSON: {@code 404 not_found} for an
   * unknown path, {@code 405 method_not_allowed} with an {@code Allow} header for a known path
   * asked with another method (vertx-web tells the two apart only when no catch-all route hides
   * the difference, so a router using this must not end with one).
   *
   * @param router the router of one port
   * @param allow the methods a known path answers, e.g. {@code "GET"}
   */
  public static void answerUnmatched(Router router, Function<String, String> allow) {
    router.errorHandler(404, ctx -> ApiError.NOT_FOUND.send(ctx.response(), "no such endpoint: " + ctx.request().path()));
    router.errorHandler(405, ctx -> {
      ctx.response().putHeader(HttpHeaders.ALLOW, allow.apply(ctx.request().path()));
      ApiError.METHOD_NOT_ALLOWED.send(ctx.response(),
          ctx.request().method() + " is not allowed on " + ctx.request().path());
    });
  }

  @Override
  public void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof InvalidRequestException) {
      answer(ctx.request(), failure);
      return;
    }
    switch (ctx.statusCode()) {
      case 403 -> ApiError.FORBIDDEN.send(ctx.response(), "forbidden");
      case 413 -> ApiError.DATA_TOO_LARGE.send(ctx.response(), "request body exceeds the data limit");
      case 404 -> ApiError.NOT_FOUND.send(ctx.response(), "no such endpoint: " + ctx.request().path());
      case 405 -> ApiError.METHOD_NOT_ALLOWED.send(ctx.response(),
          ctx.request().method() + " is not allowed on " + ctx.request().path());
      case 400 -> ApiError.BAD_PARAMETER.send(ctx.response(),
          failure != null && failure.getMessage() != null ? failure.getMessage() : "bad request");
      default -> answer(ctx.request(), failure);
    }
  }

  /**
   * Answers a failed request outside the router too (the publish port's direct path): a contract
   * error as its JSON body; anything else is logged and answered {@code 500}, or the stream reset
   * when its head is already out.
   */
  public static void answer(HttpServerRequest request, Throwable failure) {
    HttpServerResponse response = request.response();
    if (failure instanceof InvalidRequestException invalid) {
      invalid.error().send(response, invalid.getMessage(), invalid.retryAfterSeconds());
      return;
    }
    LOG.log(Level.SEVERE, "request " + request.method() + " " + request.path() + " failed", failure);
    if (response.headWritten()) {
      response.reset();
    } else {
      ApiError.INTERNAL.send(response, "internal error; the request may be retried");
    }
  }
}
