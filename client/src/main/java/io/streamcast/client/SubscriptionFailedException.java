package io.streamcast.client;

/**
 * A subscription gave up: its reconnection bound was reached, or a node gave an answer that no retry can fix.
 */
public final class SubscriptionFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient HttpErrorResponse lastHttpError;
  private final String lastEventId;
  private final long eventsReceived;

  SubscriptionFailedException(String message, Throwable cause, HttpErrorResponse lastHttpError,
                              String lastEventId, long eventsReceived) {
    super(message, cause);
    this.lastHttpError = lastHttpError;
    this.lastEventId = lastEventId;
    this.eventsReceived = eventsReceived;
  }

  /** @return the error answer that ended the subscription, or the last one seen; null if there was none */
  public HttpErrorResponse lastHttpError() {
    return lastHttpError;
  }

  /** @return the last event id received, to resume from later; null if none */
  public String lastEventId() {
    return lastEventId;
  }

  /** @return how many events were dispatched before giving up */
  public long eventsReceived() {
    return eventsReceived;
  }
}
