package io.streamcast.core;

/**
 * History no longer holds the sequence asked for: it was overwritten (capacity) or expired (TTL).
 * Carries the oldest sequence still held, where a reader resumes after signalling the gap.
 */
public final class HistoryTrimmedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long headSeq;

  /** @param requested the sequence asked for @param headSeq the oldest sequence held */
  public HistoryTrimmedException(long requested, long headSeq) {
    super("sequence " + requested + " is older than history (oldest held " + headSeq + ")", null, false, false);
    this.headSeq = headSeq;
  }

  /** @return the oldest sequence history still holds */
  public long headSeq() {
    return headSeq;
  }
}
