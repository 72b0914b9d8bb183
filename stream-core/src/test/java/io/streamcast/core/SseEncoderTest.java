package io.streamcast.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SseEncoderTest {

  private static String encode(String id, String type, String data) {
    return SseEncoder.event(id, type, data.getBytes(StandardCharsets.UTF_8)).toString(StandardCharsets.UTF_8);
  }

  @Test
  void messageTypeIsLeftOutAndOtherTypesAreNamed() {
    assertEquals("id: e-1\ndata: hi\n\n", encode("e-1", "message", "hi"));
    assertEquals("id: e-2\nevent: progress\ndata: 50%\n\n", encode("e-2", "progress", "50%"));
  }

  static Stream<Arguments> lineEnds() {
    return Stream.of(
        Arguments.of("LF", "a\nb", "data: a\ndata: b\n"),
        Arguments.of("CRLF", "a\r\nb", "data: a\ndata: b\n"),
        Arguments.of("CR", "a\rb", "data: a\ndata: b\n"),
        Arguments.of("mixed, empty lines kept", "a\r\r\nb\n\nc", "data: a\ndata: \ndata: b\ndata: \ndata: c\n"),
        Arguments.of("trailing newline", "a\n", "data: a\ndata: \n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lineEnds")
  void everyLineEndSplitsData(String name, String data, String expectedDataLines) {
    assertEquals("id: x-1\n" + expectedDataLines + "\n", encode("x-1", "message", data));
  }

  @Test
  void emptyDataIsOneEmptyDataLine() {
    assertEquals("id: x-1\ndata: \n\n", encode("x-1", "message", ""));
  }

  @Test
  void multiByteUtf8SurvivesTheSplit() {
    assertEquals("id: x-1\ndata: héllo ✓\ndata: 日本\n\n", encode("x-1", "message", "héllo ✓\r\n日本"));
  }

  @Test
  void idAndTypeCanNeverCarryALineBreak() {
    assertThrows(IllegalArgumentException.class, () -> encode("x-1\nevent: evil", "message", "d"));
    assertThrows(IllegalArgumentException.class, () -> encode("x-1", "a\rb", "d"));
  }

  @Test
  void controlEventsCarryJson() {
    assertEquals("event: gap\ndata: {\"requested\":\"a-1\",\"resumedAfter\":null}\n\n",
        SseEncoder.event(null, "gap", new JsonObject().put("requested", "a-1").putNull("resumedAfter"))
            .toString(StandardCharsets.UTF_8));
  }
}
