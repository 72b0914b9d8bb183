package io.streamcast.core;

/**
 * Where a subscriber starts: after a known event, at the oldest retained event, or with new events
 * only. Built from the request per the contract: {@code Last-Event-ID} header, else
 * {@code lastEventId} query, else {@code from=earliest|latest} (default latest).
 */
public sealed interface ResumePosition {

  /** All retained history, then live. */
  record Earliest() implements ResumePosition {
  }

  /** Only events published from now on. */
  record Latest() implements ResumePosition {
  }

  /** Every event after {@code id}. */
  record After(EventId id) implements ResumePosition {
  }

  /**
   * @param lastEventIdHeader the {@code Last-Event-ID} header, or null
   * @param lastEventIdQuery the {@code lastEventId} query parameter, or null
   * @param from the {@code from} query parameter, or null
   * @return the position
   * @throws InvalidRequestException on a malformed id or an unknown {@code from}
   */
  static ResumePosition of(String lastEventIdHeader, String lastEventIdQuery, String from) {
    // the header wins: EventSource sends it on reconnect while the URL keeps the first query
    String id = lastEventIdHeader != null && !lastEventIdHeader.isEmpty() ? lastEventIdHeader.trim()
        : lastEventIdQuery != null && !lastEventIdQuery.isEmpty() ? lastEventIdQuery : null;
    if (id != null) {
      return new After(EventId.parse(id));
    }
    if (from == null || from.equals("latest")) {
      return new Latest();
    }
    if (from.equals("earliest")) {
      return new Earliest();
    }
    throw new InvalidRequestException(ApiError.BAD_PARAMETER, "from must be 'earliest' or 'latest'");
  }
}
