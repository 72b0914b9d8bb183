package io.streamcast.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * Reads a short response body (an error, a publish answer) while keeping at most a given number of bytes,
 * unlike {@link HttpClientResponse#body()}, which would buffer whatever a faulty server sends.
 */
final class BoundedBody {

  private BoundedBody() {
  }

  static Future<Buffer> read(HttpClientResponse response, int maxBytes) {
    Promise<Buffer> promise = Promise.promise();
    Buffer kept = Buffer.buffer();
    response.handler(chunk -> {
      int room = maxBytes - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
      }
    });
    response.exceptionHandler(promise::tryFail);
    response.endHandler(v -> promise.tryComplete(kept));
    return promise.future();
  }
}
