package io.streamcast.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamEventCodecTest {

  @Test
  void eventsSurviveTheWireAndHistory() {
    byte[] data = "line 1\nligne 2 é".getBytes(StandardCharsets.UTF_8);
    StreamEvent e = new StreamEvent("jobs.1", "mw1", 7, "progress", data, 1234L);
    StreamEventCodec codec = new StreamEventCodec();
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, e);
    StreamEvent back = codec.decodeFromWire(6, wire);
    assertEquals("jobs.1", back.stream());
    assertEquals("mw1-7", back.id());
    assertEquals("progress", back.type());
    assertArrayEquals(data, back.dataBytes());
    assertEquals(1234L, back.publishedAtMillis());
    assertEquals(e.sse(), back.sse());
    assertEquals(e.ndjson(), back.ndjson());
  }

  @Test
  void ndjsonKeepsLineBreaksInsideTheObject() {
    StreamEvent e = new StreamEvent("s", "mw1", 0, "message", "a\r\nb".getBytes(StandardCharsets.UTF_8), 0);
    assertEquals("{\"id\":\"mw1-0\",\"event\":\"message\",\"data\":\"a\\r\\nb\"}\n", e.ndjson().toString());
  }
}
