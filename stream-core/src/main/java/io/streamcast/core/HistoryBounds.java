package io.streamcast.core;

/**
 * The sequences a stream's history holds: {@code [headSeq, tailSeq]}; empty when
 * {@code tailSeq < headSeq}.
 *
 * @param headSeq oldest sequence held
 * @param tailSeq newest sequence held, -1 when nothing was ever appended
 */
public record HistoryBounds(long headSeq, long tailSeq) {

  /** @return how many events history holds */
  public long retained() {
    return Math.max(0, tailSeq - headSeq + 1);
  }
}
