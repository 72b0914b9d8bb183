package io.streamcast.core.history;

import static io.streamcast.core.history.HistoryFixtures.EPOCH;
import static io.streamcast.core.history.HistoryFixtures.T0;
import static io.streamcast.core.history.HistoryFixtures.append;
import static io.streamcast.core.history.HistoryFixtures.complete;
import static io.streamcast.core.history.HistoryFixtures.dataOf;
import static io.streamcast.core.history.HistoryFixtures.delete;
import static io.streamcast.core.history.HistoryFixtures.describe;
import static io.streamcast.core.history.HistoryFixtures.entry;
import static io.streamcast.core.history.HistoryFixtures.heldData;
import static io.streamcast.core.history.HistoryFixtures.read;
import static io.streamcast.core.history.HistoryFixtures.streamWith;
import static io.streamcast.core.history.HistoryFixtures.touch;
import static io.streamcast.core.history.HistoryFixtures.trimAll;
import static io.streamcast.core.history.HistoryFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.serialization.InternalSerializationService;
import io.streamcast.core.EventType;
import io.streamcast.core.RetentionPolicy;
import io.streamcast.core.StreamEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The entry processors that are the only writers of a stream's history, run directly on a plain
 * map entry: what each promises to the edge (sequences, trimming, idempotency, completion,
 * deletion, reads, retention) and the determinism the backup copy relies on.
 */
class StreamLogOpsTest {

  private static InternalSerializationService ss;

  @BeforeAll
  static void serializationService() {
    ss = HistoryFixtures.serialization();
  }

  @AfterAll
  static void dispose() {
    ss.dispose();
  }

  // ---- append creates and sequences ----

  @Test
  void firstAppendCreatesTheStreamWithTheCallersEpoch() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append op = append("hello", T0);
    op.epochIfNew = "fresh-epoch";

    LogReply r = op.process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals("fresh-epoch", r.epoch);
    assertEquals(0, r.seq);
    assertEquals(T0, r.publishedAtMillis);
    assertEquals(0, r.headSeq);
    assertEquals(1, r.nextSeq);
    assertEquals(-1, r.endSeq, "an open stream has no end");
    assertNotNull(e.getValue(), "the processor stored the new log in the entry");
    assertEquals("fresh-epoch", e.getValue().epoch);
    assertEquals(T0, e.getValue().createdMillis);
    assertEquals(T0, e.getValue().lastAppendMillis);
  }

  @Test
  void laterAppendsKeepTheEpochTheStreamWasCreatedWith() {
    Map.Entry<String, StreamLog> e = entry("orders");
    append("a", T0).process(e);
    StreamLogOps.Append second = append("b", T0 + 1);
    // every call carries a fresh candidate epoch; only a creation may use it
    second.epochIfNew = "another-epoch";

    LogReply r = second.process(e);

    assertEquals(EPOCH, r.epoch);
    assertEquals(EPOCH, e.getValue().epoch);
  }

  @Test
  void appendThatMayNotCreateAnswersAbsentAndLeavesNoEntry() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append op = append("hello", T0);
    op.mayCreate = false;

    LogReply r = op.process(e);

    assertEquals(LogReply.ABSENT, r.outcome);
    assertNull(r.epoch);
    assertNull(e.getValue(), "a refused creation must not leave an empty stream behind");
  }

  @Test
  void completeThatMayNotCreateAnswersAbsentToo() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append op = complete(T0);
    op.mayCreate = false;

    assertEquals(LogReply.ABSENT, op.process(e).outcome);
    assertNull(e.getValue());
  }

  @Test
  void sequencesCountUpFromZero() {
    Map.Entry<String, StreamLog> e = entry("orders");
    for (int i = 0; i < 5; i++) {
      LogReply r = append("e" + i, T0 + i).process(e);
      assertEquals(i, r.seq);
      assertEquals(i + 1, r.nextSeq);
    }
    assertEquals(List.of("e0", "e1", "e2", "e3", "e4"), heldData(e.getValue()));
  }

  @Test
  void storedRecordsDecodeToWhatWasPublished() {
    Map.Entry<String, StreamLog> e = entry("orders");
    append(EventType.MESSAGE, "{\"p\":1}", T0).process(e);
    append("price.update", "caf\u00e9 \u20ac", T0 + 7).process(e);
    append("x", "", T0 + 9).process(e);
    StreamLog log = e.getValue();

    StreamEvent m = LogRecord.decode("orders", log.epoch, 0, log.get(0));
    assertEquals("orders", m.stream());
    assertEquals(EPOCH, m.epoch());
    assertEquals(0, m.seq());
    assertEquals(EventType.MESSAGE, m.type());
    assertEquals("{\"p\":1}", m.data());
    assertEquals(T0, m.publishedAtMillis());
    assertEquals(0, log.get(0)[8], "message, the usual type, is stored with type length 0");

    StreamEvent p = LogRecord.decode("orders", log.epoch, 1, log.get(1));
    assertEquals("price.update", p.type());
    assertArrayEquals("caf\u00e9 \u20ac".getBytes(StandardCharsets.UTF_8), p.dataBytes(), "data bytes verbatim");
    assertEquals(T0 + 7, p.publishedAtMillis());
    assertEquals("price.update".length(), log.get(1)[8], "other types are stored verbatim");

    StreamEvent empty = LogRecord.decode("orders", log.epoch, 2, log.get(2));
    assertEquals("x", empty.type());
    assertEquals(0, empty.dataBytes().length, "an event with no data is fine");
  }

  @Test
  void replyCountsTheBytesTheStreamHolds() {
    Map.Entry<String, StreamLog> e = entry("orders");
    append("0123456789", T0).process(e);
    LogReply r = append("price", "0123456789", T0).process(e);

    // 9-byte header per record, plus the type unless it is message
    assertEquals((9 + 10) + (9 + 5 + 10), r.bytes);
    assertEquals(r.bytes, e.getValue().bytes());
  }

  // ---- trimming ----

  @Test
  void capacityKeepsTheNewestEvents() {
    Map.Entry<String, StreamLog> e = entry("orders");
    LogReply r = null;
    for (int i = 0; i < 5; i++) {
      StreamLogOps.Append op = append(Integer.toString(i), T0 + i);
      op.capacity = 3;
      r = op.process(e);
    }
    assertEquals(2, r.headSeq);
    assertEquals(5, r.nextSeq);
    assertEquals(List.of("2", "3", "4"), heldData(e.getValue()));
  }

  @Test
  void maxBytesDropsTheOldestUntilTheRestFits() {
    Map.Entry<String, StreamLog> e = entry("orders");
    // each record is 9 + 10 = 19 bytes: two fit in 50, a third does not
    for (int i = 0; i < 3; i++) {
      StreamLogOps.Append op = append("event-000" + i, T0 + i);
      op.maxBytes = 50;
      op.process(e);
    }
    assertEquals(List.of("event-0001", "event-0002"), heldData(e.getValue()));
    assertEquals(38, e.getValue().bytes());
  }

  @Test
  void maxBytesNeverDropsTheEventJustAppendedEvenIfItAloneIsTooBig() {
    Map.Entry<String, StreamLog> e = entry("orders");
    for (int i = 0; i < 2; i++) {
      StreamLogOps.Append op = append("small" + i, T0 + i);
      op.maxBytes = 50;
      op.process(e);
    }
    StreamLogOps.Append big = append("x".repeat(100), T0 + 10);
    big.maxBytes = 50;

    LogReply r = big.process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(2, r.headSeq, "both older events went");
    assertEquals(3, r.nextSeq);
    assertEquals(109, r.bytes, "the oversized event stays: a stream always holds its newest event");
    assertEquals(List.of("x".repeat(100)), heldData(e.getValue()));
  }

  @Test
  void ttlDropsEventsOlderThanNowMinusTtlOnAppend() {
    Map.Entry<String, StreamLog> e = entry("orders");
    for (long at : new long[] {T0, T0 + 500, T0 + 1500}) {
      StreamLogOps.Append op = append("at+" + (at - T0), at);
      op.ttlMillis = 1000;
      op.process(e);
    }
    // at T0+1500 the oldest allowed is T0+500: T0 is older, T0+500 is exactly on the bound and stays
    assertEquals(List.of("at+500", "at+1500"), heldData(e.getValue()));
    assertEquals(1, e.getValue().headSeq());
  }

  @Test
  void noTtlMeansNoAgeLimit() {
    Map.Entry<String, StreamLog> e = entry("orders");
    append("old", T0).process(e);
    append("new", T0 + 365L * 24 * 3600 * 1000).process(e);
    assertEquals(List.of("old", "new"), heldData(e.getValue()));
  }

  // ---- idempotency ----

  @Test
  void sameKeyWithinTheWindowReplaysTheFirstSequenceAndAppendsNothing() {
    Map.Entry<String, StreamLog> e = entry("orders");
    append("before", T0).process(e);
    StreamLogOps.Append first = append("payload", T0 + 1);
    first.key = "k1";
    assertEquals(1, first.process(e).seq);
    append("after", T0 + 2).process(e);

    StreamLogOps.Append retry = append("payload, sent again", T0 + 1 + 60_000);
    retry.key = "k1";
    LogReply r = retry.process(e);

    assertEquals(LogReply.REPLAYED, r.outcome);
    assertEquals(1, r.seq, "the retry learns where its first attempt landed");
    assertEquals(3, r.nextSeq, "nothing was appended");
    assertEquals(List.of("before", "payload", "after"), heldData(e.getValue()));
  }

  @Test
  void keyIsForgottenAfterTheWindowAndTheSameKeyAppendsAgain() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append first = append("payload", T0);
    first.key = "k1";
    first.process(e);

    StreamLogOps.Append late = append("payload", T0 + 60_001);
    late.key = "k1";
    LogReply r = late.process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(1, r.seq);
    assertEquals(2, r.nextSeq);

    // and the new append is remembered in its place
    StreamLogOps.Append again = append("payload", T0 + 60_002);
    again.key = "k1";
    LogReply replay = again.process(e);
    assertEquals(LogReply.REPLAYED, replay.outcome);
    assertEquals(1, replay.seq);
  }

  @Test
  void differentKeysAreIndependent() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append a = append("a", T0);
    a.key = "ka";
    StreamLogOps.Append b = append("b", T0 + 1);
    b.key = "kb";
    assertEquals(0, a.process(e).seq);
    assertEquals(1, b.process(e).seq);
    assertEquals(2, e.getValue().keyCount());
  }

  @Test
  void appendsWithoutKeyAreNeverDeduplicated() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append op = append("same", T0);
    op.process(e);
    op.process(e);
    assertEquals(2, e.getValue().nextSeq);
    assertEquals(0, e.getValue().keyCount());
  }

  // ---- completion ----

  @Test
  void completeAppendsTheCompleteEventAndEndsTheStreamThere() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 2, T0);

    LogReply r = complete(T0 + 10).process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(2, r.seq);
    assertEquals(2, r.endSeq);
    assertTrue(r.completed);
    assertFalse(r.tombstone);
    StreamLog log = e.getValue();
    assertTrue(log.completed);
    assertEquals(T0 + 10 + 300_000, log.expiresAtMillis, "resumable for the completed retention");
    assertEquals(EventType.COMPLETE, LogRecord.decode("orders", EPOCH, 2, log.get(2)).type());
  }

  @Test
  void secondCompleteReplaysTheFirstEnd() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 2, T0);
    complete(T0 + 10).process(e);

    LogReply r = complete(T0 + 20).process(e);

    assertEquals(LogReply.REPLAYED, r.outcome);
    assertEquals(2, r.seq);
    assertEquals(2, r.endSeq);
    assertEquals(3, r.nextSeq, "no second complete event");
    assertEquals(T0 + 10 + 300_000, e.getValue().expiresAtMillis, "the retention clock is not restarted");
  }

  @Test
  void appendAfterCompleteIsRefusedAsCompleted() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 2, T0);
    complete(T0 + 10).process(e);

    LogReply r = append("too late", T0 + 20).process(e);

    assertEquals(LogReply.ENDED, r.outcome);
    assertTrue(r.completed, "the edge answers 409 stream_completed, not stream_deleted");
    assertEquals(2, r.endSeq);
    assertEquals(3, r.nextSeq, "nothing appended");
  }

  @Test
  void completeCanCreateAnEmptyStream() {
    Map.Entry<String, StreamLog> e = entry("orders");
    LogReply r = complete(T0).process(e);
    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(0, r.endSeq);
    assertTrue(e.getValue().completed);
  }

  // ---- deletion ----

  @Test
  void deleteBuriesAnOpenStreamAtItsLastEvent() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 3, T0);
    StreamLogOps.Append keyed = append("keyed", T0 + 5);
    keyed.key = "k";
    keyed.process(e);

    LogReply r = delete(T0 + 10, 3_600_000).process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertTrue(r.tombstone);
    assertFalse(r.completed);
    assertEquals(3, r.endSeq, "ends at the last event");
    assertEquals(4, r.nextSeq);
    assertEquals(4, r.headSeq, "no events are held");
    assertEquals(0, r.bytes);
    StreamLog log = e.getValue();
    assertNotNull(log, "the tombstone stays to answer late reconnects");
    assertEquals(0, log.size());
    assertEquals(0, log.keyCount(), "a tombstone keeps no idempotency keys");
    assertEquals(EPOCH, log.epoch);
    assertEquals(T0 + 10 + 3_600_000, log.expiresAtMillis);
  }

  @Test
  void deleteOfACompletedStreamEndsAtTheCompleteEvent() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 3, T0);
    long completeSeq = complete(T0 + 5).process(e).seq;

    LogReply r = delete(T0 + 10, 1000).process(e);

    assertEquals(completeSeq, r.endSeq);
    assertTrue(r.tombstone);
    assertTrue(r.completed, "it was completed before it was deleted");
  }

  @Test
  void deleteOfAnEmptyStreamEndsBeforeTheFirstPosition() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Open open = new StreamLogOps.Open();
    open.now = T0;
    open.epochIfNew = EPOCH;
    open.mayCreate = true;
    open.process(e);

    LogReply r = delete(T0 + 1, 1000).process(e);

    assertTrue(r.tombstone);
    assertEquals(-1, r.endSeq);
    assertEquals(0, r.nextSeq);
  }

  @Test
  void deleteOfAMissingStreamAnswersAbsent() {
    Map.Entry<String, StreamLog> e = entry("orders");
    assertEquals(LogReply.ABSENT, delete(T0, 1000).process(e).outcome);
    assertNull(e.getValue(), "deleting nothing creates nothing");
  }

  @Test
  void secondDeleteKeepsTheFirstTombstone() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 3, T0);
    delete(T0 + 10, 1000).process(e);

    LogReply r = delete(T0 + 500, 1000).process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(2, r.endSeq);
    assertEquals(T0 + 10 + 1000, e.getValue().expiresAtMillis, "a repeated delete does not extend the tombstone");
  }

  @Test
  void appendToADeletedStreamIsRefusedAsDeleted() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 3, T0);
    delete(T0 + 10, 1000).process(e);

    LogReply r = append("late", T0 + 20).process(e);

    assertEquals(LogReply.ENDED, r.outcome);
    assertFalse(r.completed, "the edge answers 409 stream_deleted");
    assertTrue(r.tombstone);
    assertEquals(2, r.endSeq);
    assertEquals(0, e.getValue().size(), "nothing appended");
  }

  @Test
  void completeOfADeletedStreamIsRefusedAsDeleted() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 3, T0);
    delete(T0 + 10, 1000).process(e);

    LogReply r = complete(T0 + 20).process(e);

    assertEquals(LogReply.ENDED, r.outcome);
    assertFalse(r.completed);
    assertFalse(e.getValue().completed);
  }

  // ---- reading ----

  @Test
  void readReturnsRecordsFromThePositionUpToMax() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 10, T0);

    LogReply r = read(3, 4, T0 + 100).process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(List.of("3", "4", "5", "6"), dataOf(r.records));
    assertEquals(0, r.headSeq);
    assertEquals(10, r.nextSeq);
    assertEquals(EPOCH, r.epoch);
  }

  @Test
  void readNearTheTailReturnsOnlyWhatExists() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 10, T0);
    assertEquals(List.of("8", "9"), dataOf(read(8, 100, T0 + 100).process(e).records));
  }

  @Test
  void readAtTheTailReturnsAnEmptyBatch() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 10, T0);
    LogReply r = read(10, 100, T0 + 100).process(e);
    assertNotNull(r.records, "the tail is a valid position: caught up, nothing yet");
    assertEquals(0, r.records.length);
  }

  @Test
  void readBeyondTheTailReturnsNoRecords() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 10, T0);
    LogReply r = read(11, 100, T0 + 100).process(e);
    assertNull(r.records, "the caller turns this into bad_position");
    assertEquals(10, r.nextSeq);
  }

  @Test
  void readBeforeTheHeadReturnsNoRecordsAndTheHead() {
    Map.Entry<String, StreamLog> e = entry("orders");
    for (int i = 0; i < 5; i++) {
      StreamLogOps.Append op = append(Integer.toString(i), T0 + i);
      op.capacity = 3;
      op.process(e);
    }
    LogReply r = read(1, 100, T0 + 100).process(e);
    assertNull(r.records);
    assertEquals(2, r.headSeq, "the caller turns this into a gap from 1 to 2");
  }

  @Test
  void readAppliesTheTtlLogicallyWithoutRemovingEvents() {
    // events at T0, T0+1s, ..., T0+4s; no ttl on append so all are held
    Map.Entry<String, StreamLog> e = entry("orders");
    for (int i = 0; i < 5; i++) {
      append(Integer.toString(i), T0 + i * 1000L).process(e);
    }
    // at T0+12.5s with a 10 s ttl the oldest allowed is T0+2.5s: events 0, 1 and 2 read as trimmed
    StreamLogOps.Read op = read(3, 100, T0 + 12_500);
    op.ttlMillis = 10_000;

    LogReply r = op.process(e);

    assertEquals(3, r.headSeq);
    assertEquals(List.of("3", "4"), dataOf(r.records));
    assertEquals(5, e.getValue().size(), "a read changes nothing: the sweep drops them later");

    StreamLogOps.Read expired = read(1, 100, T0 + 12_500);
    expired.ttlMillis = 10_000;
    assertNull(expired.process(e).records, "an expired position reads as trimmed");
  }

  @Test
  void readWhenEveryEventExpiredHasTheHeadAtTheTail() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 3, T0);
    StreamLogOps.Read op = read(3, 10, T0 + 1_000_000);
    op.ttlMillis = 1000;
    LogReply r = op.process(e);
    assertEquals(3, r.headSeq);
    assertEquals(0, r.records.length);
  }

  @Test
  void readOfAMissingStreamAnswersAbsent() {
    Map.Entry<String, StreamLog> e = entry("orders");
    assertEquals(LogReply.ABSENT, read(0, 10, T0).process(e).outcome);
    assertNull(e.getValue());
  }

  @Test
  void readDoesNotRunOnTheBackup() {
    assertNull(read(0, 10, T0).getBackupProcessor(), "a read changes nothing, so the backup has nothing to do");
  }

  // ---- opening ----

  @Test
  void openCreatesTheStreamWhenAllowedAndMarksASubscriber() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Open open = new StreamLogOps.Open();
    open.now = T0;
    open.epochIfNew = "e-open";
    open.mayCreate = true;
    open.touch = true;

    LogReply r = open.process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals("e-open", r.epoch);
    assertEquals(0, r.nextSeq);
    assertEquals(T0, e.getValue().lastSubscriberMillis);
  }

  @Test
  void openThatMayNotCreateAnswersAbsent() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Open open = new StreamLogOps.Open();
    open.now = T0;
    open.touch = true;
    assertEquals(LogReply.ABSENT, open.process(e).outcome);
    assertNull(e.getValue());
  }

  @Test
  void openOfAnExistingStreamRecordsTheSubscriberTime() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 2, T0);
    StreamLogOps.Open open = new StreamLogOps.Open();
    open.now = T0 + 5000;
    open.touch = true;
    open.process(e);
    assertEquals(T0 + 5000, e.getValue().lastSubscriberMillis);
  }

  // ---- sweeping ----

  /** ttl 60 s, keys 30 s, completed 120 s, idle 300 s, tombstone 600 s. */
  private static final RetentionPolicy POLICY = new RetentionPolicy(100, 1 << 20, 60, 30, 120, 300, 600, 0);

  private StreamLogOps.Append appendUnder(String data, long now) {
    StreamLogOps.Append op = append(data, now);
    op.ttlMillis = POLICY.ttlSeconds() * 1000L;
    op.keyWindowMillis = POLICY.idempotencyWindowSeconds() * 1000L;
    op.completedRetentionMillis = POLICY.completedRetentionSeconds() * 1000L;
    return op;
  }

  private LogReply sweep(Map.Entry<String, StreamLog> e, long now) {
    return new StreamLogOps.Sweep(POLICY, now).process(e);
  }

  @Test
  void completedStreamIsBuriedAfterItsRetentionAndForgottenAfterItsTombstoneTime() {
    Map.Entry<String, StreamLog> e = entry("orders");
    appendUnder("a", T0).process(e);
    StreamLogOps.Append done = complete(T0);
    done.completedRetentionMillis = 120_000;
    done.process(e);

    sweep(e, T0 + 119_999);
    assertFalse(e.getValue().tombstone, "still resumable");
    assertTrue(e.getValue().completed);

    long buriedAt = T0 + 120_000;
    LogReply buried = sweep(e, buriedAt);
    assertEquals(LogReply.BURIED, buried.outcome);
    assertTrue(buried.tombstone);
    assertTrue(buried.completed);
    assertEquals(1, buried.endSeq);
    assertEquals(EPOCH, buried.epoch, "the reply names the epoch, for the ended-stream announcement");
    StreamLog log = e.getValue();
    assertNotNull(log);
    assertEquals(0, log.size());
    assertEquals(buriedAt + 600_000, log.expiresAtMillis);

    assertNull(sweep(e, buriedAt + 599_999), "a tombstone in its time: nothing to report");
    assertNotNull(e.getValue());

    LogReply removed = sweep(e, buriedAt + 600_000);
    assertEquals(LogReply.REMOVED, removed.outcome);
    assertEquals(EPOCH, removed.epoch);
    assertNull(e.getValue(), "removed from the map");
  }

  @Test
  void deletedStreamIsForgottenAfterItsTombstoneTime() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 2, T0);
    delete(T0 + 10, 600_000).process(e);

    assertNull(sweep(e, T0 + 10 + 599_999));
    assertNotNull(e.getValue());
    assertEquals(LogReply.REMOVED, sweep(e, T0 + 10 + 600_000).outcome);
    assertNull(e.getValue());
  }

  @Test
  void openStreamIdlePastIdleSecondsIsRemoved() {
    Map.Entry<String, StreamLog> e = entry("orders");
    appendUnder("a", T0).process(e);

    sweep(e, T0 + 299_999);
    assertNotNull(e.getValue(), "not idle long enough yet (its event expired, the stream did not)");

    LogReply r = sweep(e, T0 + 300_000);
    assertEquals(LogReply.REMOVED, r.outcome);
    assertFalse(r.tombstone, "an idle stream leaves no tombstone");
    assertNull(e.getValue());
  }

  @Test
  void aRecentAppendKeepsAStreamAlive() {
    Map.Entry<String, StreamLog> e = entry("orders");
    appendUnder("a", T0).process(e);
    appendUnder("b", T0 + 200_000).process(e);

    sweep(e, T0 + 300_000);
    assertNotNull(e.getValue());
    sweep(e, T0 + 500_000);
    assertNull(e.getValue(), "idle 300 s after its last append");
  }

  @Test
  void aTouchedStreamIsKept() {
    Map.Entry<String, StreamLog> e = entry("orders");
    appendUnder("a", T0).process(e);
    // an edge with subscribers on the stream marks it every few seconds
    assertNull(touch(T0 + 250_000).process(e));

    sweep(e, T0 + 300_000);
    assertNotNull(e.getValue(), "a watched stream is not idle");
    assertEquals(T0 + 250_000, e.getValue().lastSubscriberMillis);

    sweep(e, T0 + 550_000);
    assertNull(e.getValue(), "idle 300 s after the last subscriber went");
  }

  @Test
  void touchNeverMovesTheSubscriberTimeBackwards() {
    Map.Entry<String, StreamLog> e = entry("orders");
    appendUnder("a", T0).process(e);
    touch(T0 + 5000).process(e);
    touch(T0 + 1000).process(e);
    assertEquals(T0 + 5000, e.getValue().lastSubscriberMillis);
  }

  @Test
  void touchOfAMissingStreamCreatesNothing() {
    Map.Entry<String, StreamLog> e = entry("orders");
    touch(T0).process(e);
    assertNull(e.getValue());
  }

  @Test
  void completedStreamIsNotRemovedAsIdleBeforeItsRetention() {
    RetentionPolicy longRetention = new RetentionPolicy(100, 1 << 20, 0, 30, 3600, 300, 600, 0);
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append done = complete(T0);
    done.completedRetentionMillis = 3_600_000;
    done.process(e);

    LogReply r = new StreamLogOps.Sweep(longRetention, T0 + 1_000_000).process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertNotNull(e.getValue(), "a completed stream stays resumable for its retention, idle or not");
  }

  @Test
  void sweepDropsExpiredEventsAndReportsWhatRemains() {
    Map.Entry<String, StreamLog> e = entry("orders");
    appendUnder("a", T0).process(e);
    appendUnder("b", T0 + 10_000).process(e);
    appendUnder("c", T0 + 50_000).process(e);

    // at T0+65s with a 60 s ttl the oldest allowed is T0+5s: only "a" has expired
    LogReply r = sweep(e, T0 + 65_000);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(1, r.headSeq);
    assertEquals(3, r.nextSeq);
    assertEquals(2 * (9 + 1), r.bytes, "the budget counts what is still held");
    assertEquals(List.of("b", "c"), heldData(e.getValue()));
  }

  @Test
  void sweepOfAStreamWhoseEventsAllExpiredReportsNothingButKeepsTheStream() {
    Map.Entry<String, StreamLog> e = entry("orders");
    appendUnder("a", T0).process(e);
    touch(T0 + 100_000).process(e);

    assertNull(sweep(e, T0 + 100_000), "holds nothing: nothing for the budget");
    StreamLog log = e.getValue();
    assertNotNull(log, "not idle: the sequence and epoch stay");
    assertEquals(0, log.size());
    assertEquals(1, log.nextSeq);
  }

  @Test
  void sweepForgetsIdempotencyKeysPastTheWindow() {
    Map.Entry<String, StreamLog> e = entry("orders");
    StreamLogOps.Append keyed = appendUnder("a", T0);
    keyed.key = "k1";
    keyed.process(e);
    StreamLogOps.Append keyed2 = appendUnder("b", T0 + 20_000);
    keyed2.key = "k2";
    keyed2.process(e);

    sweep(e, T0 + 30_001);

    assertEquals(-1, e.getValue().seqOfKey("k1", Long.MIN_VALUE), "k1 is past the 30 s window");
    assertEquals(1, e.getValue().seqOfKey("k2", Long.MIN_VALUE));
  }

  @Test
  void systemStreamsUseTheSystemTtl() {
    // ttl 60 s for ordinary streams; idle an hour so only the ttl is at play
    RetentionPolicy p = new RetentionPolicy(100, 1 << 20, 60, 30, 120, 3600, 600, 0);
    Map.Entry<String, StreamLog> user = streamWith("stats", 1, T0);
    Map.Entry<String, StreamLog> system = streamWith("_cluster.stats", 1, T0);
    long systemTtl = RetentionPolicy.SYSTEM_STREAM_TTL_SECONDS * 1000L;

    new StreamLogOps.Sweep(p, T0 + 120_000).process(user);
    new StreamLogOps.Sweep(p, T0 + 120_000).process(system);
    assertEquals(0, user.getValue().size(), "an ordinary stream keeps 60 s");
    assertEquals(1, system.getValue().size(), "a system stream keeps its ten minutes");

    new StreamLogOps.Sweep(p, T0 + systemTtl).process(system);
    assertEquals(1, system.getValue().size(), "exactly on the bound it stays");
    new StreamLogOps.Sweep(p, T0 + systemTtl + 1).process(system);
    assertEquals(0, system.getValue().size());
  }

  @Test
  void systemStreamsExpireEvenWhenHistoryHasNoAgeLimit() {
    RetentionPolicy noTtl = new RetentionPolicy(100, 1 << 20, 0, 30, 120, 3600, 600, 0);
    Map.Entry<String, StreamLog> user = streamWith("stats", 1, T0);
    Map.Entry<String, StreamLog> system = streamWith("_cluster.stats", 1, T0);
    long later = T0 + RetentionPolicy.SYSTEM_STREAM_TTL_SECONDS * 1000L + 1;

    new StreamLogOps.Sweep(noTtl, later).process(user);
    new StreamLogOps.Sweep(noTtl, later).process(system);

    assertEquals(1, user.getValue().size(), "ttl 0: no age limit");
    assertEquals(0, system.getValue().size());
  }

  @Test
  void sweepOfAMissingEntryDoesNothing() {
    Map.Entry<String, StreamLog> e = entry("orders");
    assertNull(sweep(e, T0));
    assertNull(e.getValue());
  }

  @Test
  void sweepTakesItsBoundsFromThePolicy() {
    StreamLogOps.Sweep s = new StreamLogOps.Sweep(POLICY, T0);
    assertEquals(T0, s.now);
    assertEquals(60_000, s.ttlMillis);
    assertEquals(RetentionPolicy.SYSTEM_STREAM_TTL_SECONDS * 1000L, s.systemTtlMillis);
    assertEquals(300_000, s.idleMillis);
    assertEquals(600_000, s.tombstoneMillis);
    assertEquals(30_000, s.keyWindowMillis);
  }

  // ---- trimming all ----

  @Test
  void trimAllDropsEveryEventButTheSequenceCarriesOn() {
    Map.Entry<String, StreamLog> e = streamWith("orders", 5, T0);

    LogReply r = trimAll(T0 + 10).process(e);

    assertEquals(LogReply.DONE, r.outcome);
    assertEquals(5, r.headSeq);
    assertEquals(5, r.nextSeq);
    assertEquals(0, r.bytes);
    assertEquals(EPOCH, e.getValue().epoch, "same incarnation: subscribers get a gap, not a reset");
    assertEquals(5, append("next", T0 + 20).process(e).seq);
    assertEquals(List.of("next"), heldData(e.getValue()));
  }

  @Test
  void trimAllOfAnEmptyOrMissingStreamDoesNothing() {
    Map.Entry<String, StreamLog> missing = entry("orders");
    assertNull(trimAll(T0).process(missing));
    assertNull(missing.getValue());

    Map.Entry<String, StreamLog> e = streamWith("orders", 1, T0);
    trimAll(T0).process(e);
    assertNull(trimAll(T0).process(e));
  }

  // ---- backup determinism ----
  // The backup runs the same processor on its own copy of the log; the copies stay equal only if
  // each processor is a pure function of (log, processor fields). The copy here comes from
  // serialization, as a backup's does after a migration, so its ring buffer is laid out
  // differently from the primary's.

  private Map.Entry<String, StreamLog> copyOf(Map.Entry<String, StreamLog> e) {
    StreamLog copy = ss.toObject(ss.toData(e.getValue()));
    Map.Entry<String, StreamLog> c = entry(e.getKey());
    c.setValue(copy);
    return c;
  }

  private void assertSameState(Map.Entry<String, StreamLog> primary, Map.Entry<String, StreamLog> backup) {
    if (primary.getValue() == null || backup.getValue() == null) {
      assertSame(primary.getValue(), backup.getValue(), "both removed or neither");
      return;
    }
    assertArrayEquals(ss.toData(primary.getValue()).toByteArray(), ss.toData(backup.getValue()).toByteArray());
    assertEquals(describe(LogReply.of(LogReply.DONE, primary.getValue())),
        describe(LogReply.of(LogReply.DONE, backup.getValue())));
  }

  /** What Hazelcast does: the processor on the owner, then its backup processor, over the wire, on the backup. */
  private void applyToBoth(StreamLogOps.Op op, Map.Entry<String, StreamLog> primary,
      Map.Entry<String, StreamLog> backup) {
    op.process(primary);
    com.hazelcast.map.EntryProcessor<String, StreamLog, LogReply> onBackup = op.getBackupProcessor();
    if (onBackup != null) {
      com.hazelcast.map.EntryProcessor<String, StreamLog, LogReply> shipped = ss.toObject(ss.toData(onBackup));
      shipped.process(backup);
    }
    assertSameState(primary, backup);
  }

  @Test
  void aBackupThatMissedAnAppendRestartsAtTheOwnersSequenceInsteadOfShiftingIt() {
    Map.Entry<String, StreamLog> primary = streamWith("s", 2, T0);
    Map.Entry<String, StreamLog> backup = copyOf(primary);
    append("missed", T0 + 10).process(primary);          // its backup operation never arrived
    StreamLogOps.Append next = append("next", T0 + 20);
    LogReply r = next.process(primary);
    assertEquals(3, r.seq);
    StreamLogOps.Append onBackup = ss.toObject(ss.toData(next.getBackupProcessor()));
    assertNull(onBackup.process(backup), "a backup answers nothing");
    StreamLog b = backup.getValue();
    assertEquals(4, b.nextSeq, "the backup continues at the owner's position");
    assertEquals(3, b.headSeq(), "what it missed reads as trimmed (a reader gets event: gap), not shifted");
    assertEquals(List.of("next"), heldData(b));
  }

  @Test
  void aNewStreamsEpochIsDerivedFromTheClockAndSaltTheSameWayOnTheBackup() {
    Map.Entry<String, StreamLog> primary = entry("s");
    Map.Entry<String, StreamLog> backup = entry("s");
    StreamLogOps.Append op = append("first", T0);
    op.epochIfNew = null;
    op.epochSalt = 1234;
    op.process(primary);
    assertEquals(StreamLogOps.epoch(T0, 1234), primary.getValue().epoch);
    StreamLogOps.Append onBackup = ss.toObject(ss.toData(op.getBackupProcessor()));
    onBackup.process(backup);
    assertSameState(primary, backup);
  }

  @Test
  void aBackupAppliedTwiceChangesNothingTheSecondTime() {
    Map.Entry<String, StreamLog> primary = streamWith("s", 2, T0);
    Map.Entry<String, StreamLog> backup = copyOf(primary);
    StreamLogOps.Append op = append("x", T0 + 5);
    op.process(primary);
    StreamLogOps.Append onBackup = ss.toObject(ss.toData(op.getBackupProcessor()));
    onBackup.process(backup);
    onBackup.process(backup);
    assertSameState(primary, backup);
  }

  @Test
  void anAppendThatAppendsNothingHasNoBackup() {
    Map.Entry<String, StreamLog> e = entry("s");
    StreamLogOps.Append refused = append("x", T0);
    refused.mayCreate = false;
    refused.process(e);
    assertNull(refused.getBackupProcessor(), "absent and not created");
    StreamLogOps.Append done = complete(T0);
    done.process(e);
    StreamLogOps.Append again = complete(T0 + 1);
    again.process(e);
    assertNull(again.getBackupProcessor(), "a second complete replays the first");
    StreamLogOps.Append late = append("late", T0 + 2);
    late.process(e);
    assertNull(late.getBackupProcessor(), "refused after the complete");
  }

  /** A log whose ring buffer has wrapped (dropped from the front, appended at the back), with keys. */
  private Map.Entry<String, StreamLog> busyLog() {
    Map.Entry<String, StreamLog> e = entry("orders");
    for (int i = 0; i < 40; i++) {
      StreamLogOps.Append op = append("event-" + i, T0 + i * 1000L);
      op.capacity = 13;
      op.key = i % 3 == 0 ? "key-" + i : null;
      op.keyWindowMillis = 10_000;
      op.process(e);
    }
    return e;
  }

  @Test
  void appendWithTrimmingLeavesPrimaryAndBackupEqual() {
    Map.Entry<String, StreamLog> primary = busyLog();
    Map.Entry<String, StreamLog> backup = copyOf(primary);
    assertSameState(primary, backup);

    StreamLogOps.Append op = append("x".repeat(300), T0 + 45_000);
    op.capacity = 13;
    op.maxBytes = 1024;
    op.ttlMillis = 9_000;
    op.key = "new-key";
    op.keyWindowMillis = 10_000;
    applyToBoth(op, primary, backup);

    // the same processor delivered twice (a retry) replays on both
    applyToBoth(op, primary, backup);
  }

  @Test
  void sweepLeavesPrimaryAndBackupEqual() {
    Map.Entry<String, StreamLog> primary = busyLog();
    Map.Entry<String, StreamLog> backup = copyOf(primary);
    RetentionPolicy p = new RetentionPolicy(13, 1024, 5, 3, 60, 100, 30, 0);

    applyToBoth(new StreamLogOps.Sweep(p, T0 + 42_000), primary, backup);
    applyToBoth(complete(T0 + 43_000), primary, backup);
    applyToBoth(new StreamLogOps.Sweep(p, T0 + 43_000 + 300_000), primary, backup);
    assertTrue(primary.getValue().tombstone);
    applyToBoth(new StreamLogOps.Sweep(p, T0 + 43_000 + 300_000 + 30_000), primary, backup);
    assertNull(primary.getValue());
  }

  @Test
  void deleteLeavesPrimaryAndBackupEqual() {
    Map.Entry<String, StreamLog> primary = busyLog();
    Map.Entry<String, StreamLog> backup = copyOf(primary);

    applyToBoth(delete(T0 + 50_000, 3_600_000), primary, backup);
    applyToBoth(append("late", T0 + 50_001), primary, backup);
  }

  @Test
  void touchAndTrimAllLeavePrimaryAndBackupEqual() {
    Map.Entry<String, StreamLog> primary = busyLog();
    Map.Entry<String, StreamLog> backup = copyOf(primary);

    applyToBoth(touch(T0 + 50_000), primary, backup);
    applyToBoth(trimAll(T0 + 50_001), primary, backup);
    applyToBoth(append("after trim", T0 + 50_002), primary, backup);
  }

  // ---- ring buffer ----

  private byte[] record(long seq) {
    return LogRecord.encode(EventType.MESSAGE, utf8("seq-" + seq), T0 + seq);
  }

  private void assertHolds(StreamLog log) {
    for (long s = log.headSeq(); s < log.nextSeq; s++) {
      assertEquals("seq-" + s, LogRecord.decode("s", "e", s, log.get(s)).data(), "record at " + s);
    }
  }

  private void assertHoldsEnds(StreamLog log) {
    long head = log.headSeq();
    long last = log.nextSeq - 1;
    assertEquals("seq-" + head, LogRecord.decode("s", "e", head, log.get(head)).data());
    assertEquals("seq-" + last, LogRecord.decode("s", "e", last, log.get(last)).data());
  }

  @Test
  void everyHeldSequenceIsReadableThroughGrowthAndShrinking() {
    StreamLog log = new StreamLog("e", T0);
    long expectedBytes = 0;
    for (long s = 0; s < 1000; s++) {
      byte[] r = record(s);
      log.append(r);
      expectedBytes += r.length;
      if (s % 97 == 0) {
        assertHolds(log);
      }
    }
    assertEquals(1000, log.size());
    assertEquals(expectedBytes, log.bytes());
    assertHolds(log);

    while (log.size() > 3) {
      expectedBytes -= log.get(log.headSeq()).length;
      log.dropOldest();
      int size = log.size();
      // the array halves when a quarter full: check everything around those sizes, ends otherwise
      if (Integer.bitCount(size) == 1 || Integer.bitCount(size + 1) == 1 || size % 100 == 0) {
        assertHolds(log);
      } else {
        assertHoldsEnds(log);
      }
    }
    assertEquals(997, log.headSeq());
    assertEquals(1000, log.nextSeq);
    assertEquals(expectedBytes, log.bytes());

    // wrap around the shrunken array, then grow again
    for (long s = 1000; s < 1050; s++) {
      log.append(record(s));
      log.dropOldest();
      assertHolds(log);
    }
    for (long s = 1050; s < 1100; s++) {
      log.append(record(s));
      assertHolds(log);
    }
    assertEquals(53, log.size());
    assertEquals(1047, log.headSeq());
  }

  @Test
  void droppingEverythingKeepsTheSequence() {
    StreamLog log = new StreamLog("e", T0);
    for (long s = 0; s < 10; s++) {
      log.append(record(s));
    }
    while (log.size() > 0) {
      log.dropOldest();
    }
    assertEquals(10, log.headSeq());
    assertEquals(0, log.bytes());
    log.append(record(10));
    assertHolds(log);
  }
}
