package io.streamcast.core;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The contract's JSON errors: {@code {"error": "<code>", "message": "<human text>"}} with a fixed
 * HTTP status per code. Codes are part of the outside contract; add, never rename.
 */
public enum ApiError {
  BAD_STREAM_NAME(400, "bad_stream_name"),
  BAD_POSITION(400, "bad_position"),
  BAD_PARAMETER(400, "bad_parameter"),
  /** No access token, or one that is malformed, wrongly signed or expired (auth on). */
  UNAUTHORIZED(401, "unauthorized"),
  /** A valid access token whose patterns do not cover the stream. */
  FORBIDDEN(403, "forbidden"),
  NOT_FOUND(404, "not_found"),
  METHOD_NOT_ALLOWED(405, "method_not_allowed"),
  NOT_ACCEPTABLE(406, "not_acceptable"),
  /** The stream is completed: nothing more can be published on it. */
  STREAM_COMPLETED(409, "stream_completed"),
  /** Another request with the same Idempotency-Key is still being published. */
  IDEMPOTENCY_IN_PROGRESS(409, "idempotency_in_progress"),
  /** Publishing on a stream that was deleted (its tombstone still stands). */
  STREAM_DELETED(409, "stream_deleted"),
  DATA_TOO_LARGE(413, "data_too_large"),
  UNSUPPORTED_BODY(415, "unsupported_body"),
  RATE_LIMITED(429, "rate_limited"),
  /**
   * The user received its bytes of the current window ({@code --max-bytes-per-minute-per-user}) on this node:
   * a stream ends with it in-stream, and a new one is refused with it until the window frees.
   */
  QUOTA_EXCEEDED(429, "quota_exceeded"),
  INTERNAL(500, "internal_error"),
  UNAVAILABLE(503, "unavailable"),
  /** The node is under memory pressure and refuses what would add state (a new stream, a new subscription). */
  CAPACITY(503, "capacity"),
  /**
   * The node is on the smaller side of a split cluster (it sees fewer than a majority of the expected
   * members): it neither serves nor accepts history until it is back with the majority.
   */
  NO_QUORUM(503, "no_quorum");

  /** Seconds a client refused for want of quorum is told to wait: a merge takes a few seconds. */
  public static final int NO_QUORUM_RETRY_AFTER_SECONDS = 2;

  private final int status;
  private final String code;

  ApiError(int status, String code) {
    this.status = status;
    this.code = code;
  }

  /** @return the HTTP status */
  public int status() {
    return status;
  }

  /** @return the machine-readable code of the {@code error} field */
  public String code() {
    return code;
  }

  /** @return the JSON body for this error */
  public JsonObject body(String message) {
    return new JsonObject().put("error", code).put("message", message);
  }

  /**
   * Ends {@code response} with this error, unless headers are already out (then the caller must
   * report the failure in-stream).
   */
  public Future<Void> send(HttpServerResponse response, String message) {
    return send(response, message, 0);
  }

  /** As {@link #send(HttpServerResponse, String)}, with a {@code Retry-After} when positive. */
  public Future<Void> send(HttpServerResponse response, String message, int retryAfterSeconds) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    if (retryAfterSeconds > 0) {
      response.putHeader("Retry-After", Integer.toString(retryAfterSeconds));
    }
    if (this == UNAUTHORIZED) {
      // RFC 6750: tells a client which scheme to retry with
      response.putHeader("WWW-Authenticate", "Bearer realm=\"streamcast\"");
    }
    return response.end(body(message).encode());
  }
}
