package io.streamcast.core.history;

import static io.streamcast.core.history.HistoryFixtures.EPOCH;
import static io.streamcast.core.history.HistoryFixtures.T0;
import static io.streamcast.core.history.HistoryFixtures.append;
import static io.streamcast.core.history.HistoryFixtures.complete;
import static io.streamcast.core.history.HistoryFixtures.dataOf;
import static io.streamcast.core.history.HistoryFixtures.delete;
import static io.streamcast.core.history.HistoryFixtures.entry;
import static io.streamcast.core.history.HistoryFixtures.heldData;
import static io.streamcast.core.history.HistoryFixtures.read;
import static io.streamcast.core.history.HistoryFixtures.touch;
import static io.streamcast.core.history.HistoryFixtures.trimAll;
import static io.streamcast.core.history.HistoryFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.streamcast.core.EventType;
import io.streamcast.core.RetentionPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * History's Hazelcast types through a real serialization service with the history factory
 * registered, as members and backups exchange them: every field must survive, or a backup, a
 * migrated partition or a remote caller would see a different stream.
 */
class HistorySerializationTest {

  private static InternalSerializationService ss;

  @BeforeAll
  static void serializationService() {
    ss = HistoryFixtures.serialization();
  }

  @AfterAll
  static void dispose() {
    ss.dispose();
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    T copy = ss.toObject(ss.toData(value));
    assertNotSame(value, copy);
    assertEquals(value.getClass(), copy.getClass(), "the factory builds the same type from its id");
    return copy;
  }

  private static void assertSameLog(StreamLog expected, StreamLog actual) {
    assertEquals(expected.epoch, actual.epoch);
    assertEquals(expected.nextSeq, actual.nextSeq);
    assertEquals(expected.headSeq(), actual.headSeq());
    assertEquals(expected.size(), actual.size());
    assertEquals(expected.bytes(), actual.bytes(), "bytes are recomputed from the records");
    assertEquals(expected.endSeq, actual.endSeq);
    assertEquals(expected.tombstone, actual.tombstone);
    assertEquals(expected.completed, actual.completed);
    assertEquals(expected.createdMillis, actual.createdMillis);
    assertEquals(expected.lastAppendMillis, actual.lastAppendMillis);
    assertEquals(expected.lastSubscriberMillis, actual.lastSubscriberMillis);
    assertEquals(expected.expiresAtMillis, actual.expiresAtMillis);
    assertEquals(expected.keyCount(), actual.keyCount());
    for (long s = expected.headSeq(); s < expected.nextSeq; s++) {
      assertArrayEquals(expected.get(s), actual.get(s), "record " + s);
    }
  }

  /** A log that has wrapped its ring buffer, holds idempotency keys and was watched. */
  private static Map.Entry<String, StreamLog> busyStream() {
    Map.Entry<String, StreamLog> e = entry("orders");
    for (int i = 0; i < 11; i++) {
      StreamLogOps.Append op = append(i % 2 == 0 ? EventType.MESSAGE : "tick", "event-" + i, T0 + i * 100L);
      op.capacity = 6;
      op.key = i >= 8 ? "key-" + i : null;
      op.process(e);
    }
    touch(T0 + 5000).process(e);
    return e;
  }

  @Test
  void openStreamWithEventsAndKeysSurvives() {
    StreamLog log = busyStream().getValue();

    StreamLog copy = roundTrip(log);

    assertSameLog(log, copy);
    assertEquals(5, copy.headSeq());
    assertEquals(List.of("event-5", "event-6", "event-7", "event-8", "event-9", "event-10"), heldData(copy));
    assertEquals(8, copy.seqOfKey("key-8", Long.MIN_VALUE));
    assertEquals(9, copy.seqOfKey("key-9", Long.MIN_VALUE));
    assertEquals(10, copy.seqOfKey("key-10", Long.MIN_VALUE));
    assertEquals(T0 + 5000, copy.lastSubscriberMillis);
  }

  @Test
  void keyTimesSurviveSoTheWindowEndsAtTheSameMoment() {
    StreamLog copy = roundTrip(busyStream().getValue());

    // key-8 was recorded at T0+800, key-9 at T0+900
    copy.forgetKeysBefore(T0 + 801);

    assertEquals(-1, copy.seqOfKey("key-8", Long.MIN_VALUE));
    assertEquals(9, copy.seqOfKey("key-9", Long.MIN_VALUE));
    assertEquals(2, copy.keyCount());
  }

  @Test
  void copyKeepsAppendingFromWhereTheOriginalStopped() {
    Map.Entry<String, StreamLog> copy = entry("orders");
    copy.setValue(roundTrip(busyStream().getValue()));

    for (int i = 11; i < 20; i++) {
      StreamLogOps.Append op = append("event-" + i, T0 + 10_000 + i);
      op.capacity = 6;
      assertEquals(i, op.process(copy).seq);
    }
    assertEquals(List.of("event-14", "event-15", "event-16", "event-17", "event-18", "event-19"),
        heldData(copy.getValue()));

    StreamLogOps.Append retry = append("again", T0 + 10_100);
    retry.key = "key-9";
    LogReply r = retry.process(copy);
    assertEquals(LogReply.REPLAYED, r.outcome, "the copy still knows the keys");
    assertEquals(9, r.seq);
  }

  @Test
  void logWhoseRecordCountIsAPowerOfTwoSurvivesAndGrows() {
    // the copy sizes its array to exactly the held records: the next append must grow it
    Map.Entry<String, StreamLog> e = entry("orders");
    for (int i = 0; i < 8; i++) {
      append("e" + i, T0 + i).process(e);
    }
    Map.Entry<String, StreamLog> copy = entry("orders");
    copy.setValue(roundTrip(e.getValue()));
    assertSameLog(e.getValue(), copy.getValue());

    append("e8", T0 + 8).process(copy);
    assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"), heldData(copy.getValue()));
  }

  @Test
  void emptyLogSurvives() {
    StreamLog log = new StreamLog(EPOCH, T0);
    StreamLog copy = roundTrip(log);
    assertSameLog(log, copy);
    assertEquals(0, copy.size());
    assertEquals(-1, copy.endSeq);
  }

  @Test
  void completedStreamSurvives() {
    Map.Entry<String, StreamLog> e = busyStream();
    complete(T0 + 6000).process(e);

    StreamLog copy = roundTrip(e.getValue());

    assertSameLog(e.getValue(), copy);
    assertTrue(copy.completed);
    assertFalse(copy.tombstone);
    assertEquals(11, copy.endSeq);
    assertEquals(T0 + 6000 + 300_000, copy.expiresAtMillis);
    assertEquals(EventType.COMPLETE, LogRecord.decode("orders", EPOCH, 11, copy.get(11)).type());
  }

  @Test
  void tombstoneSurvives() {
    Map.Entry<String, StreamLog> e = busyStream();
    delete(T0 + 7000, 3_600_000).process(e);

    StreamLog copy = roundTrip(e.getValue());

    assertSameLog(e.getValue(), copy);
    assertTrue(copy.tombstone);
    assertFalse(copy.completed);
    assertEquals(10, copy.endSeq);
    assertEquals(11, copy.nextSeq);
    assertEquals(0, copy.size());
    assertEquals(0, copy.keyCount());
    assertEquals(T0 + 7000 + 3_600_000, copy.expiresAtMillis);
  }

  @Test
  void replyWithoutRecordsSurvives() {
    Map.Entry<String, StreamLog> e = busyStream();
    complete(T0 + 6000).process(e);
    LogReply r = LogReply.of(LogReply.REPLAYED, e.getValue(), 7);
    r.seq = 11;
    r.publishedAtMillis = T0 + 6000;

    LogReply copy = roundTrip(r);

    assertEquals(LogReply.REPLAYED, copy.outcome);
    assertEquals(EPOCH, copy.epoch);
    assertEquals(11, copy.seq);
    assertEquals(T0 + 6000, copy.publishedAtMillis);
    assertEquals(7, copy.headSeq);
    assertEquals(12, copy.nextSeq);
    assertEquals(11, copy.endSeq);
    assertTrue(copy.completed);
    assertFalse(copy.tombstone);
    assertEquals(e.getValue().bytes(), copy.bytes);
    assertEquals(T0 + 6000, copy.lastAppendMillis);
    assertNull(copy.records, "no records (beyond the tail, or not a read) stays distinct from none");
  }

  @Test
  void everyOutcomeSurvives() {
    for (int outcome : new int[] {LogReply.ABSENT, LogReply.DONE, LogReply.REPLAYED, LogReply.ENDED,
        LogReply.BURIED, LogReply.REMOVED}) {
      LogReply r = new LogReply();
      r.outcome = outcome;
      assertEquals(outcome, roundTrip(r).outcome);
    }
  }

  @Test
  void absentReplySurvives() {
    LogReply copy = roundTrip(LogReply.absent());
    assertEquals(LogReply.ABSENT, copy.outcome);
    assertNull(copy.epoch);
    assertEquals(-1, copy.seq);
    assertEquals(-1, copy.endSeq);
    assertNull(copy.records);
  }

  @Test
  void replyWithRecordsSurvives() {
    Map.Entry<String, StreamLog> e = busyStream();
    LogReply r = read(6, 3, T0 + 6000).process(e);

    LogReply copy = roundTrip(r);

    assertEquals(LogReply.DONE, copy.outcome);
    assertEquals(5, copy.headSeq);
    assertEquals(11, copy.nextSeq);
    assertEquals(3, copy.records.length);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(r.records[i], copy.records[i]);
    }
    assertEquals(List.of("event-6", "event-7", "event-8"), dataOf(copy.records));
    assertEquals("tick", LogRecord.decode("orders", EPOCH, 7, copy.records[1]).type());
  }

  @Test
  void replyWithAnEmptyBatchStaysEmptyNotAbsent() {
    // at the tail: "caught up" must not turn into "beyond the tail" on the way back to the caller
    LogReply r = read(11, 10, T0 + 6000).process(busyStream());
    assertEquals(0, r.records.length);

    LogReply copy = roundTrip(r);

    assertEquals(0, copy.records.length);
  }

  @Test
  void appendSurvivesWithEveryField() {
    StreamLogOps.Append op = append("price.update", "{\"p\":42}", T0);
    op.key = "idem-1";
    op.epochIfNew = "epoch-new";
    op.mayCreate = false;
    op.complete = true;
    op.capacity = 123;
    op.maxBytes = 4567;
    op.ttlMillis = 8_900;
    op.keyWindowMillis = 10_111;
    op.completedRetentionMillis = 12_131;

    StreamLogOps.Append copy = roundTrip(op);

    assertEquals(T0, copy.now);
    assertEquals("price.update", copy.type);
    assertArrayEquals(utf8("{\"p\":42}"), copy.data);
    assertEquals("idem-1", copy.key);
    assertEquals("epoch-new", copy.epochIfNew);
    assertFalse(copy.mayCreate);
    assertTrue(copy.complete);
    assertEquals(123, copy.capacity);
    assertEquals(4567, copy.maxBytes);
    assertEquals(8_900, copy.ttlMillis);
    assertEquals(10_111, copy.keyWindowMillis);
    assertEquals(12_131, copy.completedRetentionMillis);
  }

  @Test
  void appendWithoutKeyKeepsTheKeyAbsent() {
    StreamLogOps.Append op = append("hi", T0);

    StreamLogOps.Append copy = roundTrip(op);

    assertNull(copy.key, "no key must not become an empty key");
    assertTrue(copy.mayCreate);
    assertFalse(copy.complete);
  }

  @Test
  void readSurvives() {
    StreamLogOps.Read op = read(42, 17, T0);
    op.ttlMillis = 9_000;

    StreamLogOps.Read copy = roundTrip(op);

    assertEquals(T0, copy.now);
    assertEquals(42, copy.from);
    assertEquals(17, copy.max);
    assertEquals(9_000, copy.ttlMillis);
  }

  @Test
  void openSurvives() {
    StreamLogOps.Open op = new StreamLogOps.Open();
    op.now = T0;
    op.epochIfNew = "epoch-open";
    op.mayCreate = true;
    op.touch = false;
    op.ttlMillis = 7_000;

    StreamLogOps.Open copy = roundTrip(op);

    assertEquals(T0, copy.now);
    assertEquals("epoch-open", copy.epochIfNew);
    assertTrue(copy.mayCreate);
    assertFalse(copy.touch);
    assertEquals(7_000, copy.ttlMillis);
  }

  @Test
  void deleteSurvives() {
    StreamLogOps.Delete copy = roundTrip(delete(T0, 3_600_000));
    assertEquals(T0, copy.now);
    assertEquals(3_600_000, copy.tombstoneMillis);
  }

  @Test
  void touchSurvives() {
    assertEquals(T0, roundTrip(touch(T0)).now);
  }

  @Test
  void trimAllSurvives() {
    assertEquals(T0, roundTrip(trimAll(T0)).now);
  }

  @Test
  void sweepSurvives() {
    RetentionPolicy p = new RetentionPolicy(100, 1 << 20, 61, 31, 121, 301, 601, 0);

    StreamLogOps.Sweep copy = roundTrip(new StreamLogOps.Sweep(p, T0));

    assertEquals(T0, copy.now);
    assertEquals(61_000, copy.ttlMillis);
    assertEquals(RetentionPolicy.SYSTEM_STREAM_TTL_SECONDS * 1000L, copy.systemTtlMillis);
    assertEquals(301_000, copy.idleMillis);
    assertEquals(601_000, copy.tombstoneMillis);
    assertEquals(31_000, copy.keyWindowMillis);
  }

  @Test
  void everyTypeIdBuildsItsOwnClass() {
    HistorySerialization f = new HistorySerialization();
    IdentifiedDataSerializable[] samples = {new StreamLog(), new LogReply(), new StreamLogOps.Append(),
        new StreamLogOps.Read(), new StreamLogOps.Open(), new StreamLogOps.Delete(), new StreamLogOps.Touch(),
        new StreamLogOps.Sweep(), new StreamLogOps.TrimAll()};
    for (IdentifiedDataSerializable s : samples) {
      assertEquals(HistorySerialization.FACTORY_ID, s.getFactoryId());
      assertInstanceOf(s.getClass(), f.create(s.getClassId()), "type id " + s.getClassId());
    }
    assertNull(f.create(999), "an unknown id is not silently mapped to something");
  }

  @Test
  void messageEventOf100BytesIsStoredIn109Bytes() {
    byte[] data = new byte[100];
    assertEquals(109, LogRecord.encode(EventType.MESSAGE, data, T0).length,
        "8 bytes publishedAt, 1 byte type length, no type, 100 bytes data");
  }

  @Test
  void otherTypesCostTheirLength() {
    assertEquals(109 + "tick".length(), LogRecord.encode("tick", new byte[100], T0).length);
  }

  @Test
  void longestAllowedTypeRoundTrips() {
    // EventType allows up to 128 characters; the length is stored in one byte
    String type = "t".repeat(128);
    byte[] record = LogRecord.encode(type, utf8("d"), T0);
    assertEquals(type, LogRecord.decode("s", EPOCH, 0, record).type());
    assertEquals("d", LogRecord.decode("s", EPOCH, 0, record).data());
  }
}
