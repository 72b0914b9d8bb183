package io.streamcast.core;

import java.util.Set;

/**
 * Event types: what follows {@code event:} on the wire. Visible ASCII only, so a type can never
 * carry a newline (an SSE field injection) or a space-padded look-alike of a reserved type.
 */
public final class EventType {

  /** The default type; left out of the SSE encoding, as EventSource assumes it. */
  public static final String MESSAGE = "message";
  /** Last event of a completed stream. */
  public static final String COMPLETE = "complete";
  /** Sent when history no longer holds the requested position. */
  public static final String GAP = "gap";
  /** A failure after the stream started. */
  public static final String ERROR = "error";

  private static final Set<String> RESERVED = Set.of(COMPLETE, GAP, ERROR);
  private static final int MAX_LENGTH = 128;

  private EventType() {
  }

  /** @return whether {@code type} may be stored in an event (reserved types included) */
  public static boolean isWellFormed(String type) {
    if (type == null || type.isEmpty() || type.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < type.length(); i++) {
      char c = type.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a type a publisher asked for: well formed and not one the server reserves for itself.
   *
   * @param type the {@code event} query parameter, or null for the default
   * @return the type to store
   * @throws InvalidRequestException ({@code bad_parameter}) otherwise
   */
  public static String requirePublishable(String type) {
    if (type == null) {
      return MESSAGE;
    }
    if (!isWellFormed(type)) {
      throw new InvalidRequestException(ApiError.BAD_PARAMETER,
          "event type must be 1-" + MAX_LENGTH + " visible ASCII characters (no spaces or newlines)");
    }
    if (RESERVED.contains(type)) {
      throw new InvalidRequestException(ApiError.BAD_PARAMETER,
          "event type '" + type + "' is reserved; use POST /streams/{stream}/complete to complete a stream");
    }
    return type;
  }
}
