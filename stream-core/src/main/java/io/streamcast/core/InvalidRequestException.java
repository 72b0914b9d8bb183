package io.streamcast.core;

/**
 * A client sent something the contract does not accept. Carries the contract's error code so the
 * HTTP layer can answer with the right status and JSON body before any byte of a stream.
 */
public class InvalidRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ApiError error;

  /**
   * @param error the contract error (status and code)
   * @param message human text for the {@code message} field
   */
  public InvalidRequestException(ApiError error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  /** @return the contract error this exception maps to */
  public ApiError error() {
    return error;
  }
}
