package io.streamcast.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The {@code sub_streams}/{@code pub_streams} patterns: {@code *} is the only special character. */
class StreamPatternTest {

  @Test
  void starAloneMatchesEveryName() {
    StreamPattern all = StreamPattern.of("*");
    assertTrue(all.matches("orders"));
    assertTrue(all.matches("_cluster.stats"));
    assertTrue(all.matches("a"));
  }

  @Test
  void withoutStarOnlyTheExactNameMatches() {
    StreamPattern exact = StreamPattern.of("orders");
    assertTrue(exact.matches("orders"));
    assertFalse(exact.matches("orders.eu"), "anchored at the end");
    assertFalse(exact.matches("my-orders"), "anchored at the start");
    assertFalse(exact.matches("Orders"), "case matters");
  }

  @Test
  void starAtTheEndMatchesAnyRestIncludingNone() {
    StreamPattern p = StreamPattern.of("orders.*");
    assertTrue(p.matches("orders.eu"));
    assertTrue(p.matches("orders.eu.west"));
    assertTrue(p.matches("orders."), "a star matches an empty run");
    assertFalse(p.matches("orders"), "the dot is literal and required");
    assertFalse(p.matches("xorders.eu"));
  }

  @Test
  void starAtTheStartAndInTheMiddle() {
    assertTrue(StreamPattern.of("*.stats").matches("_cluster.stats"));
    assertFalse(StreamPattern.of("*.stats").matches("_cluster.stats.old"));
    StreamPattern middle = StreamPattern.of("tenant-*-events");
    assertTrue(middle.matches("tenant-42-events"));
    assertTrue(middle.matches("tenant--events"));
    assertFalse(middle.matches("tenant-42-events-x"));
    assertFalse(middle.matches("tenant-42"));
    assertTrue(StreamPattern.of("a*b*c").matches("a-x-b-y-c"));
    assertFalse(StreamPattern.of("a*b*c").matches("a-x-c"));
  }

  @Test
  void regexMetacharactersAreLiteral() {
    assertTrue(StreamPattern.of("a.b").matches("a.b"));
    assertFalse(StreamPattern.of("a.b").matches("axb"), "a dot is not 'any character'");
    assertFalse(StreamPattern.of("a+").matches("aa"));
    assertTrue(StreamPattern.of("a+").matches("a+"));
    assertFalse(StreamPattern.of(".*").matches("orders"), "only * is a wildcard; '.' before it is literal");
    assertTrue(StreamPattern.of(".*").matches(".orders"));
    assertFalse(StreamPattern.of("[a-z]*").matches("orders"));
    assertFalse(StreamPattern.of("x\\E.*\\Q").matches("xanything"), "no escape out of the quoting");
  }

  @Test
  void emptyPatternMatchesNothingValid() {
    assertFalse(StreamPattern.of("").matches("orders"));
  }
}
