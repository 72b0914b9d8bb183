package io.streamcast.core;

/**
 * What a successful {@link StreamAccess#check} allows: the caller it names and how long the
 * permission lasts, so a stream can be ended when its token expires.
 *
 * @param subject the token's {@code sub}; null when auth is off or the token has none
 * @param expiresAtMillis epoch millis of the token's {@code exp}; {@link Long#MAX_VALUE} when auth
 *     is off or the token has no {@code exp}
 */
public record Grant(String subject, long expiresAtMillis) {

  /** The grant of every request while auth is off. */
  public static final Grant OPEN = new Grant(null, Long.MAX_VALUE);

  /**
   * The bucket a token without a {@code sub} is counted in by per-user limits: such tokens cannot
   * be told apart, so they share one limit rather than escaping it.
   */
  public static final String ANONYMOUS_USER = "";

  /**
   * @return the key per-user limits count this caller under: its {@code sub}, or {@link
   *     #ANONYMOUS_USER} for a token without one (an empty {@code sub} lands there too)
   */
  public String userKey() {
    return subject == null ? ANONYMOUS_USER : subject;
  }
}
