package io.streamcast.client;

/**
 * How a subscription ended normally.
 *
 * @param reason         why it ended
 * @param node           the node whose answer ended it, or null when the caller closed it
 * @param lastEventId    the last event id received, or null if none
 * @param eventsReceived how many events were dispatched, of all types
 * @param connections    how many requests were made
 */
public record SubscriptionEnd(Reason reason, String node, String lastEventId, long eventsReceived,
                              int connections) {

  /** Why a subscription ended normally. */
  public enum Reason {
    /** The stream's {@code event: complete} was received. */
    COMPLETE_EVENT,
    /** A node answered {@code 204 No Content}: the stream is completed and nothing follows the position. */
    NO_CONTENT,
    /** The caller called {@link StreamSubscriber#close()}. */
    CLOSED
  }
}
