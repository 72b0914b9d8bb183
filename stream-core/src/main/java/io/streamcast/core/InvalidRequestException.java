package io.streamcast.core;

/**
 * A client sent something the contract does not accept. Carries the contract's error code so the
 * HTTP layer can answer with the right status and JSON body before any byte of a stream.
 */
public class InvalidRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ApiError error;
  private final int retryAfterSeconds;

  /**
   * @param error the contract error (status and code)
   * @param message human text for the {@code message} field
   */
  public InvalidRequestException(ApiError error, String message) {
    this(error, message, 0);
  }

  /**
   * @param error the contract error (status and code)
   * @param message human text for the {@code message} field
   * @param retryAfterSeconds the {@code Retry-After} to send, 0 for none
   */
  public InvalidRequestException(ApiError error, String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** @return seconds a client should wait before retrying, 0 when not said */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** @return the contract error this exception maps to */
  public ApiError error() {
    return error;
  }
}
