package io.streamcast.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Records that carry their publish's Idempotency-Key (version 2) read back exactly like those without. */
class HistoryRecordKeyTest {

  private static final byte[] DATA = "{\"n\":55}\nline two".getBytes(StandardCharsets.UTF_8);

  @Test
  void aRecordWithAKeyDecodesToTheSameEventAndYieldsItsKey() {
    byte[] with = HistoryRecord.encode("mwvzn5ce78", "tick", DATA, 1234L, "order-55");
    byte[] without = HistoryRecord.encode("mwvzn5ce78", "tick", DATA, 1234L);
    StreamEvent a = HistoryRecord.decode("s", 7, with);
    StreamEvent b = HistoryRecord.decode("s", 7, without);
    assertArrayEquals(DATA, a.dataBytes());
    assertArrayEquals(b.dataBytes(), a.dataBytes());
    assertEquals(b.type(), a.type());
    assertEquals(b.id(), a.id());
    assertEquals(1234L, a.publishedAtMillis());
    assertEquals("order-55", HistoryRecord.idempotencyKey(with));
    assertEquals(1234L, HistoryRecord.publishedAtMillis(with));
    assertEquals("mwvzn5ce78", HistoryRecord.epoch(with));
  }

  @Test
  void aRecordWithoutAKeyIsUnchangedAndHasNone() {
    byte[] plain = HistoryRecord.encode("e1", "message", DATA, 99L, null);
    assertArrayEquals(HistoryRecord.encode("e1", "message", DATA, 99L), plain);
    assertNull(HistoryRecord.idempotencyKey(plain));
    assertEquals(99L, HistoryRecord.publishedAtMillis(plain));
    assertEquals("e1", HistoryRecord.epoch(plain));
  }
}
