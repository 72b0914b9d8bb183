package io.streamcast.core;

import java.util.Objects;

/**
 * A stream-name pattern of a token's {@code sub_streams} or {@code pub_streams} claim: {@code *}
 * stands for any run of characters (none included), everything else is literal, and the pattern
 * must match the whole name ({@code orders.*} matches {@code orders.eu}, not {@code my.orders.eu}).
 *
 * <p>Only {@code *} is special: a {@code .} in a pattern is a dot (stream names may contain dots), and
 * no other character of a claim means anything but itself.
 */
public final class StreamPattern {

  private final String text;

  private StreamPattern(String text) {
    this.text = text;
  }

  /**
   * @param pattern the pattern as written in the claim, e.g. {@code orders.*} or {@code *}
   * @return the matcher (nothing is compiled: a token's patterns are matched on every authenticated
   *     request, and a regex compiled per request was the costliest part of the check)
   */
  public static StreamPattern of(String pattern) {
    return new StreamPattern(Objects.requireNonNull(pattern, "pattern"));
  }

  /** @return whether {@code stream} matches the whole pattern */
  public boolean matches(String stream) {
    if (stream == null) {
      return false;
    }
    // wildcard matching with one back-track point (the last '*'): linear in practice, no regex engine,
    // so nothing in a claim is ever read as syntax but '*'
    int p = 0;
    int s = 0;
    int star = -1;
    int resume = 0;
    while (s < stream.length()) {
      if (p < text.length() && text.charAt(p) == '*') {
        star = p++;
        resume = s;
      } else if (p < text.length() && text.charAt(p) == stream.charAt(s)) {
        p++;
        s++;
      } else if (star >= 0) {
        p = star + 1;
        s = ++resume;
      } else {
        return false;
      }
    }
    while (p < text.length() && text.charAt(p) == '*') {
      p++;
    }
    return p == text.length();
  }

  @Override
  public String toString() {
    return text;
  }
}
