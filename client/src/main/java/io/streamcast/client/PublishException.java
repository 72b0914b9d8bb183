package io.streamcast.client;

/**
 * A publish failed for good: a node refused it in a way no retry can fix (a 4xx other than 408 and 429), or
 * every allowed attempt failed. In the second case the event may still have been published by an attempt
 * whose answer was lost: publishing again with the same {@link #idempotencyKey()} is safe within the
 * server's dedupe window.
 */
public final class PublishException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient HttpErrorResponse response;
  private final int attempts;
  private final String idempotencyKey;
  private final boolean retryable;

  PublishException(String message, Throwable cause, HttpErrorResponse response, int attempts,
                   String idempotencyKey, boolean retryable) {
    super(message, cause);
    this.response = response;
    this.attempts = attempts;
    this.idempotencyKey = idempotencyKey;
    this.retryable = retryable;
  }

  /** @return the last error answer (the refusal, for a final one), or null if the last attempt got none */
  public HttpErrorResponse response() {
    return response;
  }

  /** @return how many requests were made */
  public int attempts() {
    return attempts;
  }

  /** @return the key every attempt carried */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /**
   * @return true when the attempts ran out on failures that may pass (connection errors, 5xx, 429), false when a
   *         node refused the request itself
   */
  public boolean isRetryable() {
    return retryable;
  }
}
