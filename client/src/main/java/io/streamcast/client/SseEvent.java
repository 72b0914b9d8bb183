package io.streamcast.client;

import java.util.Objects;

/**
 * One event dispatched from a {@code text/event-stream}, as the WHATWG HTML spec defines it.
 *
 * @param id   the stream's last event id at the time of dispatch (the spec's {@code lastEventId}); it is
 *             empty when the server never sent an {@code id:} field, and it may repeat the previous
 *             event's id when this event carried none, since the last event id persists between events
 * @param type the event type, {@value #DEFAULT_TYPE} when the event had no (or an empty) {@code event:} field
 * @param data the data lines joined with {@code \n}, without a trailing line feed; it may be empty (an
 *             event with one empty {@code data} line), but the event had at least one {@code data} field,
 *             since the spec does not dispatch an event without one
 */
public record SseEvent(String id, String type, String data) {

  /** The type of an event that carries no {@code event:} field. */
  public static final String DEFAULT_TYPE = "message";

  /** The type the server uses to say that the requested position is older than its history. */
  public static final String GAP_TYPE = "gap";

  /** The type of a completed stream's last event. */
  public static final String COMPLETE_TYPE = "complete";

  /** The type of an error that ends a stream after it has started. */
  public static final String ERROR_TYPE = "error";

  /**
   * Checks that no component is null.
   *
   * @param id   the last event id at dispatch, possibly empty
   * @param type the event type
   * @param data the data
   */
  public SseEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(data, "data");
  }
}
