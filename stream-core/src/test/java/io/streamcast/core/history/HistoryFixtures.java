package io.streamcast.core.history;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import io.streamcast.core.EventType;
import io.streamcast.core.StreamEvent;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shared helpers for the history tests: processors with sensible defaults, an entry the
 * processors can run on without a cluster, and a real Hazelcast serialization service with
 * history's factory registered (the one members use, minus the network).
 */
final class HistoryFixtures {

  static final long T0 = 1_700_000_000_000L;
  static final String EPOCH = "epoch-1";

  private HistoryFixtures() {
  }

  static InternalSerializationService serialization() {
    return new DefaultSerializationServiceBuilder()
        .addDataSerializableFactory(HistorySerialization.FACTORY_ID, new HistorySerialization())
        .build();
  }

  /** An absent map entry for {@code stream}: a processor creates it by setValue, removes it by setValue(null). */
  static Map.Entry<String, StreamLog> entry(String stream) {
    return new AbstractMap.SimpleEntry<>(stream, null);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A {@code message} append that may create the stream, with bounds loose enough not to trim. */
  static StreamLogOps.Append append(String data, long now) {
    return append(EventType.MESSAGE, data, now);
  }

  static StreamLogOps.Append append(String type, String data, long now) {
    StreamLogOps.Append op = new StreamLogOps.Append();
    op.now = now;
    op.type = type;
    op.data = utf8(data);
    op.epochIfNew = EPOCH;
    op.mayCreate = true;
    op.capacity = 1000;
    op.maxBytes = 1 << 20;
    op.ttlMillis = 0;
    op.keyWindowMillis = 60_000;
    op.completedRetentionMillis = 300_000;
    return op;
  }

  static StreamLogOps.Append complete(long now) {
    StreamLogOps.Append op = append(EventType.COMPLETE, "{}", now);
    op.complete = true;
    return op;
  }

  static StreamLogOps.Read read(long from, int max, long now) {
    StreamLogOps.Read op = new StreamLogOps.Read();
    op.now = now;
    op.from = from;
    op.max = max;
    return op;
  }

  static StreamLogOps.Delete delete(long now, long tombstoneMillis) {
    StreamLogOps.Delete op = new StreamLogOps.Delete();
    op.now = now;
    op.tombstoneMillis = tombstoneMillis;
    return op;
  }

  static StreamLogOps.Touch touch(long now) {
    StreamLogOps.Touch op = new StreamLogOps.Touch();
    op.now = now;
    return op;
  }

  static StreamLogOps.TrimAll trimAll(long now) {
    StreamLogOps.TrimAll op = new StreamLogOps.TrimAll();
    op.now = now;
    return op;
  }

  /** Appends {@code n} message events "0".."n-1" one millisecond apart from {@code start}. */
  static Map.Entry<String, StreamLog> streamWith(String stream, int n, long start) {
    Map.Entry<String, StreamLog> e = entry(stream);
    for (int i = 0; i < n; i++) {
      append(Integer.toString(i), start + i).process(e);
    }
    return e;
  }

  /** The data of every event the log holds, oldest first. */
  static List<String> heldData(StreamLog log) {
    List<String> out = new ArrayList<>();
    for (long s = log.headSeq(); s < log.nextSeq; s++) {
      out.add(LogRecord.decode("s", log.epoch, s, log.get(s)).data());
    }
    return out;
  }

  static List<String> dataOf(byte[][] records) {
    List<String> out = new ArrayList<>();
    for (byte[] r : records) {
      StreamEvent e = LogRecord.decode("s", EPOCH, 0, r);
      out.add(e.data());
    }
    return out;
  }

  /** Every field of a reply, for comparing two replies at once with a readable failure. */
  static String describe(LogReply r) {
    if (r == null) {
      return "null";
    }
    return "outcome=" + r.outcome + " epoch=" + r.epoch + " seq=" + r.seq + " publishedAt=" + r.publishedAtMillis
        + " head=" + r.headSeq + " next=" + r.nextSeq + " end=" + r.endSeq + " completed=" + r.completed
        + " tombstone=" + r.tombstone + " bytes=" + r.bytes + " lastAppend=" + r.lastAppendMillis
        + " records=" + (r.records == null ? "null" : dataOf(r.records));
  }
}
