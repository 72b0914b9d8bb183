package io.streamcast.core;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Router failure handler answering every failure with the contract's JSON error, whichever
 * handler (ours or vertx-web's, such as the body limit) raised it.
 */
public final class ApiFailureHandler implements Handler<RoutingContext> {

  private static final Logger LOG = Logger.getLogger(ApiFailureHandler.class.getName());

  @Override
  public void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof InvalidRequestException invalid) {
      invalid.error().send(ctx.response(), invalid.getMessage());
      return;
    }
    switch (ctx.statusCode()) {
      case 413 -> ApiError.DATA_TOO_LARGE.send(ctx.response(), "request body exceeds the data limit");
      case 404 -> ApiError.NOT_FOUND.send(ctx.response(), "no such endpoint: " + ctx.request().path());
      case 405 -> ApiError.METHOD_NOT_ALLOWED.send(ctx.response(),
          ctx.request().method() + " is not allowed on " + ctx.request().path());
      case 400 -> ApiError.BAD_PARAMETER.send(ctx.response(),
          failure != null && failure.getMessage() != null ? failure.getMessage() : "bad request");
      default -> {
        LOG.log(Level.SEVERE, "request " + ctx.request().method() + " " + ctx.request().path() + " failed", failure);
        if (ctx.response().headWritten()) {
          ctx.response().reset();
        } else {
          ApiError.INTERNAL.send(ctx.response(), "internal error; the request may be retried");
        }
      }
    }
  }
}
