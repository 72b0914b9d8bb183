package io.streamcast.client;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The parser against WHATWG HTML 9.2.6 "Interpreting an event stream", its examples first. */
class SseEventParserTest {

  /** Collects what a parser reports. */
  private static final class Recording {
    final List<SseEvent> events = new ArrayList<>();
    final List<String> comments = new ArrayList<>();
    final List<Long> retries = new ArrayList<>();
    final SseEventParser parser;

    Recording() {
      this("");
    }

    Recording(String lastEventId) {
      parser = new SseEventParser(lastEventId, events::add)
        .commentHandler(comments::add)
        .retryHandler(retries::add);
    }

    Recording feed(String... chunks) {
      for (String chunk : chunks) {
        parser.feed(Buffer.buffer(chunk.getBytes(StandardCharsets.UTF_8)));
      }
      return this;
    }

    Recording feedBytes(byte[]... chunks) {
      for (byte[] chunk : chunks) {
        parser.feed(chunk);
      }
      return this;
    }
  }

  private static SseEvent message(String id, String data) {
    return new SseEvent(id, "message", data);
  }

  @Nested
  class SpecExamples {

    @Test
    void stockTickerDataLinesAreJoinedWithLineFeeds() {
      Recording r = new Recording().feed("data: YHOO\ndata: +2\ndata: 10\n\n");
      assertEquals(List.of(message("", "YHOO\n+2\n10")), r.events);
    }

    @Test
    void commentsIdsAndTheSpaceAfterTheColon() {
      Recording r = new Recording().feed(
        ": test stream\n"
          + "\n"
          + "data: first event\n"
          + "id: 1\n"
          + "\n"
          + "data:second event\n"
          + "id\n"
          + "\n"
          + "data:  third event\n"
          + "\n");
      assertEquals(List.of(
        message("1", "first event"),
        // A bare `id` is a field with an empty value: it resets the last event id.
        message("", "second event"),
        // Only one space after the colon is removed.
        message("", " third event")), r.events);
      assertEquals(List.of(" test stream"), r.comments);
      assertEquals("", r.parser.lastEventId());
    }

    @Test
    void twoEventsAndALastBlockWithoutBlankLineIsNotDispatched() {
      Recording r = new Recording().feed("data\n\ndata\ndata\n\ndata:");
      r.parser.end();
      assertEquals(List.of(message("", ""), message("", "\n")), r.events);
    }

    @Test
    void lastBlockIsDispatchedOnceABlankLineFollows() {
      Recording r = new Recording().feed("data\n\ndata\ndata\n\ndata:", "\n\n");
      assertEquals(List.of(message("", ""), message("", "\n"), message("", "")), r.events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"data:test\n\n", "data: test\n\n"})
    void oneSpaceAfterTheColonIsOptional(String stream) {
      assertEquals(List.of(message("", "test")), new Recording().feed(stream).events);
    }
  }

  @Nested
  class LineEnds {

    static Stream<String> lineEnds() {
      return Stream.of("\n", "\r", "\r\n");
    }

    @ParameterizedTest
    @MethodSource("lineEnds")
    void everyLineEndEndsLinesAndBlankLinesDispatch(String eol) {
      Recording r = new Recording().feed(
        ":hb" + eol + "id: 7" + eol + "event: tick" + eol + "data: a" + eol + "data: b" + eol + eol
          + "data: c" + eol + eol);
      assertEquals(List.of(new SseEvent("7", "tick", "a\nb"), message("7", "c")), r.events);
      assertEquals(List.of("hb"), r.comments);
    }

    @ParameterizedTest
    @MethodSource("lineEnds")
    void everyLineEndWorksWhenFedOneByteAtATime(String eol) {
      String stream = "id: 7" + eol + "data: a" + eol + "data: b" + eol + eol;
      Recording r = new Recording();
      for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
        r.feedBytes(new byte[] {b});
      }
      assertEquals(List.of(message("7", "a\nb")), r.events);
    }

    @Test
    void crAtTheEndOfAChunkAndLfAtTheStartOfTheNextAreOneLineEnd() {
      // Were they two line ends, the empty line between them would dispatch "a" alone.
      Recording r = new Recording().feed("data: a\r", "\ndata: b\r", "\n\r", "\n");
      assertEquals(List.of(message("", "a\nb")), r.events);
    }

    @Test
    void crThenCrIsABlankLine() {
      Recording r = new Recording().feed("data: a\r", "\r", "data: b\r\r");
      assertEquals(List.of(message("", "a"), message("", "b")), r.events);
    }

    @Test
    void lfThenCrAreTwoLineEnds() {
      Recording r = new Recording().feed("data: a\n\rdata: b\n\n");
      assertEquals(List.of(message("", "a"), message("", "b")), r.events);
    }

    @Test
    void mixedLineEndsInOneStream() {
      Recording r = new Recording().feed("data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r");
      assertEquals(List.of(message("", "a\nb\nc"), message("", "d")), r.events);
    }
  }

  @Nested
  class Decoding {

    static Stream<Arguments> everySplitOfAMultibyteStream() {
      byte[] bytes = "data: é€😀ü\n\n".getBytes(StandardCharsets.UTF_8);
      return IntStream.range(1, bytes.length).mapToObj(split -> Arguments.of(split, bytes));
    }

    @ParameterizedTest(name = "split at byte {0}")
    @MethodSource("everySplitOfAMultibyteStream")
    void multibyteCharactersSplitAcrossChunksAreDecoded(int split, byte[] bytes) {
      byte[] first = java.util.Arrays.copyOfRange(bytes, 0, split);
      byte[] second = java.util.Arrays.copyOfRange(bytes, split, bytes.length);
      assertEquals(List.of(message("", "é€😀ü")), new Recording().feedBytes(first, second).events);
    }

    @Test
    void aFourByteCharacterSpreadOverFourChunks() {
      byte[] smiley = "😀".getBytes(StandardCharsets.UTF_8);
      Recording r = new Recording().feed("data: ");
      for (byte b : smiley) {
        r.feedBytes(new byte[] {b});
      }
      r.feed("\n\n");
      assertEquals(List.of(message("", "😀")), r.events);
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
      Recording r = new Recording().feedBytes(new byte[] {'d', 'a', 't', 'a', ':', (byte) 0xFF, 'x', '\n', '\n'});
      assertEquals(List.of(message("", "\uFFFDx")), r.events);
    }

    @Test
    void aLeadingBomIsStripped() {
      Recording r = new Recording().feed("\uFEFFdata: x\n\n");
      assertEquals(List.of(message("", "x")), r.events);
    }

    @Test
    void aLeadingBomSplitAcrossChunksIsStripped() {
      Recording r = new Recording()
        .feedBytes(new byte[] {(byte) 0xEF}, new byte[] {(byte) 0xBB}, new byte[] {(byte) 0xBF})
        .feed("data: x\n\n");
      assertEquals(List.of(message("", "x")), r.events);
    }

    @Test
    void onlyOneBomIsStripped() {
      // The second BOM is part of the first field's name, "\uFEFFdata", which is unknown.
      Recording r = new Recording().feed("\uFEFF\uFEFFdata: x\n\ndata: y\n\n");
      assertEquals(List.of(message("", "y")), r.events);
    }

    @Test
    void aBomAfterTheStartIsContent() {
      Recording r = new Recording().feed("data: x\n\n", "\uFEFFdata: y\n\ndata: \uFEFFz\n\n");
      assertEquals(List.of(message("", "x"), message("", "\uFEFFz")), r.events);
    }

    static Stream<Arguments> chunkSizes() {
      return IntStream.rangeClosed(1, 9).mapToObj(Arguments::of);
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @MethodSource("chunkSizes")
    void anyChunkingGivesTheSameEvents(int size) {
      String stream = "\uFEFF: hello\r\nid: ä1\r\nevent: größe\r\ndata: zwölf €\r\ndata\r\n\r\n"
        + "retry: 300\rdata: 😀\r\r";
      byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
      Recording r = new Recording();
      for (int i = 0; i < bytes.length; i += size) {
        r.feedBytes(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size)));
      }
      assertEquals(List.of(new SseEvent("ä1", "größe", "zwölf €\n"), message("ä1", "😀")), r.events);
      assertEquals(List.of(" hello"), r.comments);
      assertEquals(List.of(300L), r.retries);
    }
  }

  @Nested
  class Fields {

    @Test
    void theEventTypeDefaultsToMessageAndResetsAfterEachDispatch() {
      Recording r = new Recording().feed("event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n");
      assertEquals(List.of(new SseEvent("", "add", "1"), message("", "2"), message("", "3")), r.events);
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndItsTypeIsForgotten() {
      Recording r = new Recording().feed("event: add\n\ndata: 1\n\n");
      assertEquals(List.of(message("", "1")), r.events);
    }

    @Test
    void theLastEventIdPersistsAcrossEventsUntilChanged() {
      Recording r = new Recording().feed("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid:\ndata: d\n\n");
      assertEquals(List.of(message("1", "a"), message("1", "b"), message("2", "c"), message("", "d")), r.events);
      assertEquals("", r.parser.lastEventId());
    }

    @Test
    void anIdWithoutDataUpdatesTheLastEventIdWithoutAnEvent() {
      Recording r = new Recording().feed("id: 1\ndata: a\n\nid: 2\n\n");
      assertEquals(List.of(message("1", "a")), r.events);
      assertEquals("2", r.parser.lastEventId());
    }

    @Test
    void theLastEventIdMovesOnlyAtDispatch() {
      Recording r = new Recording().feed("id: 1\ndata: a\n\nid: 2\ndata: b\n");
      assertEquals("1", r.parser.lastEventId());
      r.parser.end();
      assertEquals("1", r.parser.lastEventId(), "an event cut by the end of the stream must not move the position");
      assertEquals(List.of(message("1", "a")), r.events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"id: a\u0000b\n", "id: \u0000\n", "id:\u0000\n"})
    void anIdContainingNulIsIgnored(String idLine) {
      Recording r = new Recording().feed("id: 1\ndata: a\n\n" + idLine + "data: b\n\n");
      assertEquals(List.of(message("1", "a"), message("1", "b")), r.events);
      assertEquals("1", r.parser.lastEventId());
    }

    @Test
    void anInitialLastEventIdIsCarriedByEventsWithoutId() {
      Recording r = new Recording("41").feed("data: a\n\nid: 42\ndata: b\n\n");
      assertEquals(List.of(message("41", "a"), message("42", "b")), r.events);
    }

    @Test
    void aValidRetrySetsTheReconnectionTime() {
      Recording r = new Recording().feed("retry: 50\n");
      assertEquals(List.of(50L), r.retries);
      assertEquals(50L, r.parser.reconnectionTime());
    }

    @ParameterizedTest
    @ValueSource(strings = {"retry: 5x0\n", "retry: -1\n", "retry: 1.5\n", "retry: +5\n", "retry:\n", "retry\n",
      "retry:  50\n", "retry: 50 \n", "retry: ５０\n"})
    void aRetryThatIsNotOnlyAsciiDigitsIsIgnored(String line) {
      Recording r = new Recording().feed("retry: 7\n", line);
      assertEquals(List.of(7L), r.retries);
      assertEquals(7L, r.parser.reconnectionTime());
    }

    @Test
    void aHugeRetrySaturates() {
      Recording r = new Recording().feed("retry: 99999999999999999999999\n");
      assertEquals(Long.MAX_VALUE, r.parser.reconnectionTime());
    }

    @Test
    void aRetryAloneDispatchesNothing() {
      Recording r = new Recording().feed("retry: 10\n\n");
      assertEquals(List.of(), r.events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo: bar\n", "Data: x\n", "data : x\n", " data: x\n", "DATA: x\n"})
    void unknownFieldsAreIgnored(String line) {
      Recording r = new Recording().feed(line + "data: y\n\n");
      assertEquals(List.of(message("", "y")), r.events);
    }

    @Test
    void theValueSplitsOnTheFirstColonOnly() {
      Recording r = new Recording().feed("data: a: b:c\nevent:x:y\n\n");
      assertEquals(List.of(new SseEvent("", "x:y", "a: b:c")), r.events);
    }

    @Test
    void commentsAreSurfacedWithTheTextAfterTheColon() {
      Recording r = new Recording().feed(":\n: heartbeat\n::x\ndata: a\n:inside\n\n");
      assertEquals(List.of("", " heartbeat", ":x", "inside"), r.comments);
      assertEquals(List.of(message("", "a")), r.events);
    }

    @Test
    void blankLinesWithoutFieldsDispatchNothing() {
      Recording r = new Recording().feed("\n\n\r\n\r");
      assertEquals(List.of(), r.events);
    }
  }

  @Nested
  class Limits {

    @Test
    void feedingAfterTheEndIsRefused() {
      Recording r = new Recording();
      r.parser.end();
      assertThrows(IllegalStateException.class, () -> r.feed("data: x\n\n"));
    }

    @Test
    void anEndlessLineIsRefused() {
      SseEventParser parser = new SseEventParser(e -> { }).maxEventChars(10);
      parser.feed("data: 1234".getBytes(StandardCharsets.UTF_8));
      assertThrows(SseEventParser.EventTooLargeException.class,
        () -> parser.feed("5".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void tooManyDataLinesAreRefused() {
      SseEventParser parser = new SseEventParser(e -> { }).maxEventChars(10);
      parser.feed("data: 1234\n".getBytes(StandardCharsets.UTF_8));
      assertThrows(SseEventParser.EventTooLargeException.class,
        () -> parser.feed("data: 5678\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void eventsWithinTheLimitPass() {
      List<SseEvent> events = new ArrayList<>();
      SseEventParser parser = new SseEventParser(events::add).maxEventChars(12);
      for (int i = 0; i < 100; i++) {
        parser.feed("data: 1234\n\n".getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(100, events.size());
    }

    @Test
    void anIdWithNulCannotSeedTheParser() {
      assertThrows(IllegalArgumentException.class, () -> new SseEventParser("a\u0000", e -> { }));
    }
  }
}
