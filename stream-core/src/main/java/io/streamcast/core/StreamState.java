package io.streamcast.core;

/**
 * What history knows of a stream at one moment.
 *
 * @param epoch history incarnation (lower-case base-36)
 * @param headSeq oldest sequence held
 * @param tailSeq newest sequence appended, -1 when none ever was
 * @param endSeq when ended: the {@code complete} event's sequence, or the last event's when the
 *     stream was deleted (-1 if it had none); -1 while open
 * @param completed whether it ended with a {@code complete} event
 * @param tombstone whether it was deleted (after its retention, or on request): no events remain
 */
public record StreamState(String epoch, long headSeq, long tailSeq, long endSeq, boolean completed,
    boolean tombstone) {

  /** @return whether nothing more can be published on it */
  public boolean ended() {
    return completed || tombstone;
  }

  /** @return the sequences held */
  public HistoryBounds bounds() {
    return new HistoryBounds(headSeq, tailSeq);
  }
}
