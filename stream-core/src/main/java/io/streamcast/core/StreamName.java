package io.streamcast.core;

import java.util.regex.Pattern;

/**
 * Stream names as the contract defines them: {@code [A-Za-z0-9._-]{1,128}}.
 *
 * <p>Names are checked at every entry point so that nothing derived from a name (a Hazelcast
 * structure, an event-bus address, a log line) can carry a newline or a path separator.
 */
public final class StreamName {

  /** What every system stream's name starts with; reserved for the nodes (see {@link #isSystem}). */
  public static final String SYSTEM_PREFIX = "_";

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private StreamName() {
  }

  /** @return whether {@code name} is a valid stream name */
  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches();
  }

  /**
   * Whether {@code name} is a system stream: one whose name starts with {@value #SYSTEM_PREFIX}
   * (such as {@code _cluster.stats}). Only the nodes write system streams, through the Java API; the
   * publish API refuses them with {@code 403}, and a token reads them only through a pattern that
   * itself starts with {@value #SYSTEM_PREFIX} (ADR 14). A single character test: it runs on every
   * publish.
   *
   * @param name a stream name (or a token's stream pattern); null is not a system stream
   * @return whether it starts with {@value #SYSTEM_PREFIX}
   */
  public static boolean isSystem(String name) {
    return name != null && !name.isEmpty() && name.charAt(0) == '_';
  }

  /**
   * @return {@code name} when valid
   * @throws InvalidRequestException when it is not
   */
  public static String require(String name) {
    if (!isValid(name)) {
      throw new InvalidRequestException(ApiError.BAD_STREAM_NAME,
          "stream name must match [A-Za-z0-9._-]{1,128}");
    }
    return name;
  }

  /**
   * Event-bus address on which every stream's live events (and deletion notices) are published.
   * One address for all streams: each edge node registers one consumer for it and routes by
   * stream locally, so a new stream costs no cluster-wide registration (ADR 10).
   */
  public static final String EVENTS_ADDRESS = "streamcast.events";
}
