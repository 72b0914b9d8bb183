package io.streamcast.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamEventChunkTest {

  private static String text(ByteBuf b) {
    return b.toString(b.readerIndex(), b.readableBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void sseChunkIsTheSseEncodingFramedAsOneHttpChunk() {
    StreamEvent e = new StreamEvent("s", "ep", 7, "message", "a\nb".getBytes(StandardCharsets.UTF_8), 0);
    String sse = e.sse().toString(StandardCharsets.UTF_8);
    assertEquals("id: ep-7\ndata: a\ndata: b\n\n", sse);
    assertEquals(Integer.toHexString(sse.length()) + "\r\n" + sse + "\r\n", text(e.sseChunk()));
    assertSame(e.sseChunk(), e.sseChunk());
  }

  @Test
  void chunkSurvivesDuplicatesAndReleases() {
    byte[] big = "x".repeat(70_000).getBytes(StandardCharsets.UTF_8);
    StreamEvent e = new StreamEvent("s", "ep", 1, "message", big, 0);
    ByteBuf shared = e.sseChunk();
    for (int i = 0; i < 3; i++) {
      ByteBuf d = shared.duplicate();
      d.skipBytes(d.readableBytes());
      d.release();
    }
    String t = text(shared);
    int len = e.sse().length();
    assertEquals(Integer.toHexString(len) + "\r\n", t.substring(0, t.indexOf('\n') + 1));
    assertEquals(Integer.toHexString(len).length() + 2 + len + 2, shared.readableBytes());
  }

  @Test
  void ndjsonChunkIsTheNdjsonLineFramed() {
    StreamEvent e = new StreamEvent("s", "ep", 2, "tick", "{\"n\":1}".getBytes(StandardCharsets.UTF_8), 0);
    String line = e.ndjson().toString(StandardCharsets.UTF_8);
    assertEquals(Integer.toHexString(line.length()) + "\r\n" + line + "\r\n", text(e.ndjsonChunk()));
  }
}
