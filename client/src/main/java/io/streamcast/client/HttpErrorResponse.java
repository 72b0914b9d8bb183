package io.streamcast.client;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * An HTTP answer other than the expected one, as a node sent it. Streamcast nodes answer errors with a JSON
 * body {@code {"error": "<code>", "message": "<human text>"}}; other servers (a proxy, a load balancer) may
 * not, so {@link #error()} and {@link #message()} are null when the body is not that JSON.
 *
 * @param node       the base URL of the node that answered
 * @param status     the HTTP status code
 * @param error      the {@code error} code of the JSON body, or null
 * @param message    the {@code message} of the JSON body, or null
 * @param retryAfter the {@code Retry-After} header as a delay from when the answer arrived, or null if absent
 *                   or unreadable
 * @param body       the body as text (truncated past 64 KiB), for logs
 */
public record HttpErrorResponse(String node, int status, String error, String message, Duration retryAfter,
                                String body) {

  /** The most body bytes kept: an error body is short, and a faulty server must not fill the heap. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  /**
   * @return true for a 4xx status that retrying cannot fix on any node (anything but 408 and 429), since
   *         every node of a cluster applies the same rules and keys
   */
  public boolean isPermanent() {
    return status >= 400 && status < 500 && status != 408 && status != 429;
  }

  @Override
  public String toString() {
    return "HTTP " + status + (error != null ? " " + error : "") + (message != null ? ": " + message : "")
      + " from " + node;
  }

  static HttpErrorResponse of(String node, int status, String retryAfterHeader, Buffer body) {
    String text = body.toString();
    String error = null;
    String message = null;
    try {
      JsonObject json = new JsonObject(body);
      error = json.getValue("error") instanceof String s ? s : null;
      message = json.getValue("message") instanceof String s ? s : null;
    } catch (DecodeException | ClassCastException notJson) {
      // A body that is not a JSON object still reaches the caller as text.
    }
    return new HttpErrorResponse(node, status, error, message, parseRetryAfter(retryAfterHeader, Instant.now()),
      text);
  }

  /** Reads {@code Retry-After}: delta-seconds, or an HTTP-date (RFC 9110, section 10.2.3). */
  static Duration parseRetryAfter(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String value = header.trim();
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        return Duration.ofSeconds(Long.parseLong(value));
      } catch (NumberFormatException | ArithmeticException huge) {
        return Duration.ofSeconds(Long.MAX_VALUE);
      }
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration delay = Duration.between(now, at);
      return delay.isNegative() ? Duration.ZERO : delay;
    } catch (DateTimeParseException unreadable) {
      return null;
    }
  }
}
