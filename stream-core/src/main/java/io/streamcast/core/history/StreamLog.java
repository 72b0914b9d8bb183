package io.streamcast.core.history;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One stream as the cluster holds it: its epoch, its retained events, its completion and the
 * idempotency keys of its recent publishes, in one Hazelcast map entry (in-memory format
 * {@code OBJECT}) keyed by the stream name.
 *
 * <p>Memory follows what it holds: an array of record references that grows by doubling from 4
 * slots, each record a {@code byte[]} of {@link LogRecord} form, and a small fixed part. Nothing
 * is preallocated for a capacity.
 *
 * <p>Only the entry processors of {@link StreamLogOps} touch it, on the partition thread of its
 * owner (and of its backup), so it needs no locking. Every mutation is a function of its inputs
 * and the log's state: the same processor applied to the backup copy produces the same log.
 */
public final class StreamLog implements IdentifiedDataSerializable {

  private static final int MIN_SLOTS = 4;

  /** History incarnation. */
  String epoch;
  /** Sequence the next appended event gets; the head is {@code nextSeq - size}. */
  long nextSeq;
  /** Sequence of the {@code complete} event, or the last event a deletion ended the stream at; -1 while open. */
  long endSeq = -1;
  /** True once the stream was completed or deleted and its events dropped: a tombstone. */
  boolean tombstone;
  /** True when the stream ended by a {@code complete} event (false for a deletion). */
  boolean completed;
  long createdMillis;
  long lastAppendMillis;
  long lastSubscriberMillis;
  /** When a completed stream turns into a tombstone, or a tombstone is forgotten; 0: not scheduled. */
  long expiresAtMillis;
  private byte[][] records = new byte[MIN_SLOTS][];
  private int first;
  private int size;
  private long bytes;
  /** Idempotency key to {@code [seq, publishedAtMillis]}, oldest first. */
  private LinkedHashMap<String, long[]> keys;

  /** For Hazelcast. */
  public StreamLog() {
  }

  StreamLog(String epoch, long nowMillis) {
    this.epoch = epoch;
    this.createdMillis = nowMillis;
    this.lastAppendMillis = nowMillis;
    this.lastSubscriberMillis = nowMillis;
  }

  long headSeq() {
    return nextSeq - size;
  }

  int size() {
    return size;
  }

  long bytes() {
    return bytes;
  }

  /** @return the record at {@code seq}, which must lie in {@code [headSeq, nextSeq)} */
  byte[] get(long seq) {
    return records[(first + (int) (seq - headSeq())) & (records.length - 1)];
  }

  void append(byte[] record) {
    if (size == records.length) {
      byte[][] grown = new byte[records.length * 2][];
      for (int i = 0; i < size; i++) {
        grown[i] = records[(first + i) & (records.length - 1)];
      }
      records = grown;
      first = 0;
    }
    records[(first + size) & (records.length - 1)] = record;
    size++;
    nextSeq++;
    bytes += record.length;
  }

  /** Drops the oldest event. */
  void dropOldest() {
    byte[] r = records[first];
    records[first] = null;
    first = (first + 1) & (records.length - 1);
    size--;
    bytes -= r.length;
    if (size == 0) {
      first = 0;
    }
    if (records.length > MIN_SLOTS && size <= records.length / 4) {
      shrink();
    }
  }

  /** Drops every event (the sequence carries on). */
  void dropAll() {
    records = new byte[MIN_SLOTS][];
    first = 0;
    size = 0;
    bytes = 0;
  }

  private void shrink() {
    byte[][] smaller = new byte[Math.max(MIN_SLOTS, records.length / 2)][];
    for (int i = 0; i < size; i++) {
      smaller[i] = records[(first + i) & (records.length - 1)];
    }
    records = smaller;
    first = 0;
  }

  /**
   * @return the sequence published with {@code key} at or after {@code oldestMillis} (within the
   *     window), or -1; a read-only check, so a refused append changes nothing
   */
  long seqOfKey(String key, long oldestMillis) {
    if (keys == null) {
      return -1;
    }
    long[] v = keys.get(key);
    return v == null || v[1] < oldestMillis ? -1 : v[0];
  }

  void rememberKey(String key, long seq, long nowMillis) {
    if (keys == null) {
      keys = new LinkedHashMap<>();
    }
    keys.put(key, new long[] {seq, nowMillis});
  }

  /** Forgets keys older than {@code oldestMillis}. */
  void forgetKeysBefore(long oldestMillis) {
    if (keys == null) {
      return;
    }
    Iterator<Map.Entry<String, long[]>> it = keys.entrySet().iterator();
    while (it.hasNext() && it.next().getValue()[1] < oldestMillis) {
      it.remove();
    }
    if (keys.isEmpty()) {
      keys = null;
    }
  }

  int keyCount() {
    return keys == null ? 0 : keys.size();
  }

  /** Turns the stream into a tombstone: no events, no keys, only what answers a late reconnect. */
  void bury(long endSeq, long forgetAtMillis) {
    this.endSeq = endSeq;
    this.tombstone = true;
    this.expiresAtMillis = forgetAtMillis;
    dropAll();
    keys = null;
  }

  @Override
  public int getFactoryId() {
    return HistorySerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return HistorySerialization.STREAM_LOG;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(epoch);
    out.writeLong(nextSeq);
    out.writeLong(endSeq);
    out.writeBoolean(tombstone);
    out.writeBoolean(completed);
    out.writeLong(createdMillis);
    out.writeLong(lastAppendMillis);
    out.writeLong(lastSubscriberMillis);
    out.writeLong(expiresAtMillis);
    out.writeInt(size);
    for (int i = 0; i < size; i++) {
      out.writeByteArray(records[(first + i) & (records.length - 1)]);
    }
    out.writeInt(keyCount());
    if (keys != null) {
      for (Map.Entry<String, long[]> k : keys.entrySet()) {
        out.writeString(k.getKey());
        out.writeLong(k.getValue()[0]);
        out.writeLong(k.getValue()[1]);
      }
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    epoch = in.readString();
    long next = in.readLong();
    endSeq = in.readLong();
    tombstone = in.readBoolean();
    completed = in.readBoolean();
    createdMillis = in.readLong();
    lastAppendMillis = in.readLong();
    lastSubscriberMillis = in.readLong();
    expiresAtMillis = in.readLong();
    int n = in.readInt();
    int slots = MIN_SLOTS;
    while (slots < n) {
      slots *= 2;
    }
    records = new byte[slots][];
    first = 0;
    size = 0;
    bytes = 0;
    nextSeq = next - n;
    for (int i = 0; i < n; i++) {
      append(in.readByteArray());
    }
    int k = in.readInt();
    keys = null;
    for (int i = 0; i < k; i++) {
      String key = in.readString();
      rememberKey(key, in.readLong(), in.readLong());
    }
  }
}
