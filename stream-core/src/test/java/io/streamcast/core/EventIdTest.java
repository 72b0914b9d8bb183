package io.streamcast.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventIdTest {

  @Test
  void roundTrips() {
    EventId id = EventId.parse("mwvzn5ce78-42");
    assertEquals("mwvzn5ce78", id.epoch());
    assertEquals(42, id.seq());
    assertEquals("mwvzn5ce78-42", id.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "42", "-1", "abc-", "ABC-1", "a b-1", "abc-1x", "abc--1", "abc-99999999999999999999",
      "abcdefghijklmnopq-1", "abc-1\nevent: x"})
  void rejectsWhatThisServerNeverIssued(String text) {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> EventId.parse(text));
    assertEquals(ApiError.BAD_POSITION, e.error());
    assertFalse(e.getMessage().contains("\n"), "the message never echoes a line break");
  }

  @Test
  void positionFollowsTheContract() {
    assertInstanceOf(ResumePosition.Latest.class, ResumePosition.of(null, null, null));
    assertInstanceOf(ResumePosition.Earliest.class, ResumePosition.of(null, null, "earliest"));
    assertEquals(new ResumePosition.After(new EventId("ab", 3)), ResumePosition.of("ab-3", "ab-1", "earliest"),
        "the header wins over the query and over from");
    assertEquals(new ResumePosition.After(new EventId("ab", 1)), ResumePosition.of("", "ab-1", null));
    assertEquals(ApiError.BAD_PARAMETER,
        assertThrows(InvalidRequestException.class, () -> ResumePosition.of(null, null, "now")).error());
  }

  @Test
  void streamNames() {
    assertTrue(StreamName.isValid("a.b-c_D9"));
    assertTrue(StreamName.isValid("x".repeat(128)));
    assertFalse(StreamName.isValid("x".repeat(129)));
    assertFalse(StreamName.isValid("a/b"));
    assertFalse(StreamName.isValid("a\nb"));
    assertFalse(StreamName.isValid(""));
  }
}
