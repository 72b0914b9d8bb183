package io.streamcast.client;

import java.util.Objects;

/**
 * Where a new subscription starts reading a stream. Once it has received an event, a subscriber resumes
 * after its last event id instead, whatever the start position was.
 */
public final class StartPosition {

  private static final StartPosition EARLIEST = new StartPosition("earliest", null);
  private static final StartPosition LATEST = new StartPosition("latest", null);

  private final String from;
  private final String lastEventId;

  private StartPosition(String from, String lastEventId) {
    this.from = from;
    this.lastEventId = lastEventId;
  }

  /** @return all history the server still holds, then live events ({@code from=earliest}) */
  public static StartPosition earliest() {
    return EARLIEST;
  }

  /** @return only events published after the subscription starts ({@code from=latest}, the server's default) */
  public static StartPosition latest() {
    return LATEST;
  }

  /**
   * @param lastEventId an event id already seen: the subscription starts with the event after it
   * @return a position sent as {@code Last-Event-ID}
   * @throws IllegalArgumentException if the id is empty or holds a line break or U+0000, which no SSE id can
   */
  public static StartPosition after(String lastEventId) {
    Objects.requireNonNull(lastEventId, "lastEventId");
    if (lastEventId.isEmpty() || lastEventId.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
      throw new IllegalArgumentException("not a usable event id: '" + lastEventId + "'");
    }
    return new StartPosition(null, lastEventId);
  }

  /** @return the {@code from} query value, or null for a position given by id */
  public String from() {
    return from;
  }

  /** @return the id to resume after, or null for {@code earliest} and {@code latest} */
  public String lastEventId() {
    return lastEventId;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StartPosition that
      && Objects.equals(from, that.from) && Objects.equals(lastEventId, that.lastEventId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(from, lastEventId);
  }

  @Override
  public String toString() {
    return from != null ? "from=" + from : "after " + lastEventId;
  }
}
