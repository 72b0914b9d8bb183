package io.streamcast.core;

/**
 * An event's id: {@code <epoch>-<seq>}. The sequence is the position in the stream's replicated
 * history; the epoch names that history's incarnation, so an id from before a whole-cluster
 * restart is recognised (and answered with a gap) rather than mistaken for a position in the new
 * history.
 *
 * @param epoch the history incarnation, lower-case base-36
 * @param seq the history sequence, from 0
 */
public record EventId(String epoch, long seq) {

  private static final int MAX_LENGTH = 64;

  /** Validates the parts. */
  public EventId {
    if (!isEpoch(epoch) || seq < 0) {
      throw new IllegalArgumentException("bad event id parts: " + epoch + ", " + seq);
    }
  }

  /**
   * @param text an id as sent in {@code Last-Event-ID} or {@code lastEventId}
   * @return the parsed id
   * @throws InvalidRequestException ({@code bad_position}) when it is not an id this system issued
   */
  public static EventId parse(String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
      throw badPosition(text);
    }
    int dash = text.lastIndexOf('-');
    if (dash <= 0 || dash == text.length() - 1 || !isEpoch(text.substring(0, dash))) {
      throw badPosition(text);
    }
    long seq = 0;
    for (int i = dash + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9' || seq > (Long.MAX_VALUE - 9) / 10) {
        throw badPosition(text);
      }
      seq = seq * 10 + (c - '0');
    }
    return new EventId(text.substring(0, dash), seq);
  }

  private static InvalidRequestException badPosition(String text) {
    String shown = text == null ? "" : text.length() > MAX_LENGTH ? text.substring(0, MAX_LENGTH) + "..." : text;
    return new InvalidRequestException(ApiError.BAD_POSITION,
        "not an event id of this server: '" + shown.replaceAll("[\\p{Cntrl}]", "?") + "'");
  }

  private static boolean isEpoch(String s) {
    if (s == null || s.isEmpty() || s.length() > 16) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
        return false;
      }
    }
    return true;
  }

  /** @return the wire form {@code <epoch>-<seq>} */
  @Override
  public String toString() {
    return epoch + '-' + seq;
  }

  /** @return the wire form of the id at {@code seq} in {@code epoch} */
  public static String format(String epoch, long seq) {
    return epoch + '-' + seq;
  }
}
