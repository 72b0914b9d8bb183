package io.streamcast.edge.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.streamcast.core.EventType;
import io.streamcast.core.StreamEvent;
import io.streamcast.edge.delivery.FanoutBatch;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BatchEncodingsTest {

  private static StreamEvent event(long seq, String type, String data) {
    return new StreamEvent("s", "e1", seq, type, data.getBytes(StandardCharsets.UTF_8), 0);
  }

  private static String text(ByteBuf b) {
    return b.toString(b.readerIndex(), b.readableBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void aBurstIsOneHttpChunkHoldingEveryEventInOrder() {
    FanoutBatch batch = new FanoutBatch();
    batch.add(event(7, EventType.MESSAGE, "a"));
    batch.add(event(8, "progress", "line1\nline2"));
    batch.add(event(9, EventType.COMPLETE, "{}"));

    String sse = "id: e1-7\ndata: a\n\nid: e1-8\nevent: progress\ndata: line1\ndata: line2\n\n"
        + "id: e1-9\nevent: complete\ndata: {}\n\n";
    assertEquals(sse, BatchEncodings.encoded(batch, WireFormat.SSE).toString());
    int length = sse.getBytes(StandardCharsets.UTF_8).length;
    assertEquals(Integer.toHexString(length) + "\r\n" + sse + "\r\n", text(BatchEncodings.chunk(batch, WireFormat.SSE)));
    assertSame(BatchEncodings.chunk(batch, WireFormat.SSE), BatchEncodings.chunk(batch, WireFormat.SSE), "built once, shared by every connection");

    String ndjson = BatchEncodings.encoded(batch, WireFormat.NDJSON).toString();
    assertEquals(3, ndjson.split("\n").length, ndjson);
    assertTrue(ndjson.startsWith("{\"id\":\"e1-7\""), ndjson);
    assertEquals(7, batch.firstSeq());
    assertEquals(9, batch.lastSeq());
    assertTrue(batch.endsStream());
  }

  @Test
  void aLoneEventSharesTheEventsOwnChunk() {
    StreamEvent e = event(3, EventType.MESSAGE, "x");
    FanoutBatch batch = new FanoutBatch();
    batch.add(e);
    assertSame(e.sseChunk(), BatchEncodings.chunk(batch, WireFormat.SSE));
    assertSame(e.ndjson(), BatchEncodings.encoded(batch, WireFormat.NDJSON));
  }

  @Test
  void sequencesMustBeConsecutive() {
    FanoutBatch batch = new FanoutBatch();
    batch.add(event(1, EventType.MESSAGE, "x"));
    assertThrows(IllegalArgumentException.class, () -> batch.add(event(3, EventType.MESSAGE, "y")));
  }
}
