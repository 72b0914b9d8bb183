package io.streamcast.core;

/**
 * What an append did.
 *
 * @param outcome appended, replayed, or refused (completed, deleted, absent)
 * @param epoch the stream's epoch (null when {@link Outcome#ABSENT})
 * @param seq the event's sequence ({@link Outcome#APPENDED}, {@link Outcome#REPLAYED}), or the
 *     stream's end ({@link Outcome#COMPLETED}, {@link Outcome#DELETED})
 * @param publishedAtMillis when it was appended
 */
public record AppendResult(Outcome outcome, String epoch, long seq, long publishedAtMillis) {

  /** What happened to an append. */
  public enum Outcome {
    /** Appended now. */
    APPENDED,
    /** An earlier append with the same idempotency key (or the first completion) stands. */
    REPLAYED,
    /** The stream is completed: nothing was appended. */
    COMPLETED,
    /** The stream was deleted (its tombstone stands): nothing was appended. */
    DELETED,
    /** The stream does not exist and was not to be created: nothing was appended. */
    ABSENT
  }

  /** @return the event id ({@code <epoch>-<seq>}) */
  public String id() {
    return EventId.format(epoch, seq);
  }
}
