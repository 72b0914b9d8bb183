package io.streamcast.core;

import java.util.regex.Pattern;

/**
 * A stream-name pattern of a token's {@code sub_streams} or {@code pub_streams} claim: {@code *}
 * stands for any run of characters (none included), everything else is literal, and the pattern
 * must match the whole name ({@code orders.*} matches {@code orders.eu}, not {@code my.orders.eu}).
 *
 * <p>The literal parts are quoted before they reach the regex engine, so a {@code .} in a pattern
 * is a dot (stream names may contain dots) and a claim cannot smuggle in regex syntax.
 */
public final class StreamPattern {

  private final String text;
  private final Pattern compiled;

  private StreamPattern(String text, Pattern compiled) {
    this.text = text;
    this.compiled = compiled;
  }

  /**
   * @param pattern the pattern as written in the claim, e.g. {@code orders.*} or {@code *}
   * @return the compiled matcher
   */
  public static StreamPattern of(String pattern) {
    StringBuilder regex = new StringBuilder(pattern.length() + 16);
    int from = 0;
    for (int star = pattern.indexOf('*'); star >= 0; star = pattern.indexOf('*', from)) {
      quoteInto(regex, pattern.substring(from, star));
      regex.append(".*");
      from = star + 1;
    }
    quoteInto(regex, pattern.substring(from));
    return new StreamPattern(pattern, Pattern.compile(regex.toString(), Pattern.DOTALL));
  }

  private static void quoteInto(StringBuilder regex, String literal) {
    if (!literal.isEmpty()) {
      regex.append(Pattern.quote(literal));
    }
  }

  /** @return whether {@code stream} matches the whole pattern */
  public boolean matches(String stream) {
    return stream != null && compiled.matcher(stream).matches();
  }

  @Override
  public String toString() {
    return text;
  }
}
