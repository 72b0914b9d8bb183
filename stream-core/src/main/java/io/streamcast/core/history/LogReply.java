package io.streamcast.core.history;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;

/**
 * What a {@link StreamLogOps} processor answers: an outcome, the log's state after the operation
 * and, for a read, the records asked for. One compact form for every operation, so a reply costs
 * a few dozen bytes on the wire.
 */
public final class LogReply implements IdentifiedDataSerializable {

  /** The stream does not exist. */
  static final int ABSENT = 0;
  /** The operation applied (or, for a read, the state and records are here). */
  static final int DONE = 1;
  /** An earlier append with the same key, or the first completion, stands: {@link #seq} is its. */
  static final int REPLAYED = 2;
  /** The stream is completed or deleted: nothing was appended. */
  static final int ENDED = 3;
  /** The retention sweep turned a completed stream into a tombstone. */
  static final int BURIED = 4;
  /** The retention sweep removed the stream for good (idle, or a tombstone past its time). */
  static final int REMOVED = 5;

  int outcome;
  String epoch;
  long seq = -1;
  long publishedAtMillis;
  long headSeq;
  long nextSeq;
  long endSeq = -1;
  boolean completed;
  boolean tombstone;
  long bytes;
  long lastAppendMillis;
  byte[][] records;

  /** For Hazelcast. */
  public LogReply() {
  }

  static LogReply absent() {
    return new LogReply();
  }

  /** @return a reply of {@code outcome} carrying {@code log}'s state, with {@code headSeq} as given */
  static LogReply of(int outcome, StreamLog log, long headSeq) {
    LogReply r = new LogReply();
    r.outcome = outcome;
    r.epoch = log.epoch;
    r.headSeq = headSeq;
    r.nextSeq = log.nextSeq;
    r.endSeq = log.endSeq;
    r.completed = log.completed;
    r.tombstone = log.tombstone;
    r.bytes = log.bytes();
    r.lastAppendMillis = log.lastAppendMillis;
    return r;
  }

  static LogReply of(int outcome, StreamLog log) {
    return of(outcome, log, log.headSeq());
  }

  @Override
  public int getFactoryId() {
    return HistorySerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return HistorySerialization.LOG_REPLY;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeByte(outcome);
    out.writeString(epoch);
    out.writeLong(seq);
    out.writeLong(publishedAtMillis);
    out.writeLong(headSeq);
    out.writeLong(nextSeq);
    out.writeLong(endSeq);
    out.writeBoolean(completed);
    out.writeBoolean(tombstone);
    out.writeLong(bytes);
    out.writeLong(lastAppendMillis);
    out.writeInt(records == null ? -1 : records.length);
    if (records != null) {
      for (byte[] r : records) {
        out.writeByteArray(r);
      }
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    outcome = in.readByte();
    epoch = in.readString();
    seq = in.readLong();
    publishedAtMillis = in.readLong();
    headSeq = in.readLong();
    nextSeq = in.readLong();
    endSeq = in.readLong();
    completed = in.readBoolean();
    tombstone = in.readBoolean();
    bytes = in.readLong();
    lastAppendMillis = in.readLong();
    int n = in.readInt();
    if (n >= 0) {
      records = new byte[n][];
      for (int i = 0; i < n; i++) {
        records[i] = in.readByteArray();
      }
    }
  }
}
