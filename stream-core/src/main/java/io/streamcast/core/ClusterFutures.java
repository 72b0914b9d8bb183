package io.streamcast.core;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * Hazelcast's async results as Vert.x futures on the caller's context, with one thread hop instead of two.
 *
 * <p>Why not {@code Future.fromCompletionStage}: it registers a plain {@code whenComplete}, and
 * Hazelcast runs the callbacks of its non-async completion methods on its default async executor
 * (the common fork-join pool), not on the thread that completed the operation, so every call
 * paid a partition thread, then a pool thread, then the event loop. Here the callback runs where
 * the operation completed, and does nothing there but hand the result to the context.
 */
public final class ClusterFutures {

  private ClusterFutures() {
  }

  /**
   * @param stage a Hazelcast async result
   * @param context where the returned future's callbacks run
   * @return the result, completed on {@code context}
   */
  public static <T> Future<T> on(CompletionStage<T> stage, Context context) {
    return on(stage, context, UnaryOperator.identity());
  }

  /**
   * As {@link #on(CompletionStage, Context)}, with failures translated first (without the extra
   * future a {@code recover} would cost on every success).
   *
   * @param translate maps a Hazelcast failure to the one the caller reports
   */
  public static <T> Future<T> on(CompletionStage<T> stage, Context context, UnaryOperator<Throwable> translate) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> {
      Throwable translated = failure == null ? null : translate.apply(failure);
      if (Vertx.currentContext() == context) {
        // already complete when asked (a near-cache hit): no hop at all
        complete(promise, value, translated);
      } else {
        context.runOnContext(v -> complete(promise, value, translated));
      }
    }, Runnable::run);
    return promise.future();
  }

  private static <T> void complete(Promise<T> promise, T value, Throwable failure) {
    if (failure != null) {
      promise.fail(failure);
    } else {
      promise.complete(value);
    }
  }
}
