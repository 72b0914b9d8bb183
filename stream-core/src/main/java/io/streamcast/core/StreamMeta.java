package io.streamcast.core;

/**
 * What the cluster knows of a stream beyond its history: the epoch of its history incarnation and,
 * once completed, the sequence of its {@code complete} event. Stored in a Hazelcast map as a short
 * string, so members of any version read it without shared classes.
 *
 * @param epoch history incarnation (lower-case base-36)
 * @param completedSeq sequence of the {@code complete} event, or -1 while open
 */
public record StreamMeta(String epoch, long completedSeq) {

  /** @return whether the stream is completed */
  public boolean completed() {
    return completedSeq >= 0;
  }

  /** @return a copy marked completed at {@code seq} */
  public StreamMeta completedAt(long seq) {
    return new StreamMeta(epoch, seq);
  }

  /** @return the stored form */
  public String encode() {
    return completedSeq < 0 ? epoch : epoch + ':' + completedSeq;
  }

  /** @return the meta stored as {@code text} */
  public static StreamMeta decode(String text) {
    int colon = text.indexOf(':');
    return colon < 0 ? new StreamMeta(text, -1)
        : new StreamMeta(text.substring(0, colon), Long.parseLong(text.substring(colon + 1)));
  }
}
