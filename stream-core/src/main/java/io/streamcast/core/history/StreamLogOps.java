package io.streamcast.core.history;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.streamcast.core.RetentionPolicy;
import java.io.IOException;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The operations on a {@link StreamLog}, as Hazelcast entry processors: each runs atomically on the
 * partition thread of the stream's owner, and then on its backup.
 *
 * <p>Why the backup runs the same processor: every input that is not the log's state (the clock,
 * the epoch a new stream gets) is decided by the caller and carried in the processor, so applying
 * it to the backup copy yields the same log, at the cost of shipping the processor (for an append,
 * the event) rather than the whole log. An append also carries the sequence the owner gave it, so
 * a backup that missed an operation can never put an event at another sequence.
 */
final class StreamLogOps {

  private static final Logger LOG = Logger.getLogger(StreamLogOps.class.getName());

  private StreamLogOps() {
  }

  /** Fields every operation carries: the caller's clock. */
  abstract static class Op implements EntryProcessor<String, StreamLog, LogReply>, IdentifiedDataSerializable {
    private static final long serialVersionUID = 1L;

    long now;

    @Override
    public int getFactoryId() {
      return HistorySerialization.FACTORY_ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(now);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      now = in.readLong();
    }
  }

  /**
   * The epoch a stream created now gets: time first, so the epochs of one stream sort by creation,
   * then two base-36 characters from {@code salt} to break same-millisecond ties. Built only when a
   * stream is created, not on every append, and a pure function of the processor's fields, so the
   * backup builds the same one.
   */
  static String epoch(long now, int salt) {
    return Long.toString(now, 36) + Integer.toString(36 + Math.floorMod(salt, 36 * 36 - 36), 36);
  }

  /** @return the oldest sequence whose event has not outlived {@code ttlMillis} (0: no limit) */
  static long liveHead(StreamLog log, long ttlMillis, long now) {
    long head = log.headSeq();
    if (ttlMillis <= 0) {
      return head;
    }
    long oldest = now - ttlMillis;
    while (head < log.nextSeq && LogRecord.publishedAtMillis(log.get(head)) < oldest) {
      head++;
    }
    return head;
  }

  /** Drops what outlived its age. */
  static void expire(StreamLog log, long ttlMillis, long now) {
    if (ttlMillis <= 0) {
      return;
    }
    long oldest = now - ttlMillis;
    while (log.size() > 0 && LogRecord.publishedAtMillis(log.get(log.headSeq())) < oldest) {
      log.dropOldest();
    }
  }

  /** Appends an event (or the {@code complete} event), creating the stream if allowed. */
  static final class Append extends Op {
    private static final long serialVersionUID = 1L;

    String type;
    byte[] data;
    String key;
    /** The epoch a new stream gets; null: {@link #epoch(long, int)} of {@link #now} and {@link #epochSalt}. */
    String epochIfNew;
    int epochSalt;
    boolean mayCreate;
    boolean complete;
    int capacity;
    long maxBytes;
    long ttlMillis;
    long keyWindowMillis;
    long completedRetentionMillis;
    /** The sequence the owner gave the event (-1: it appended nothing), carried to the backup. */
    long assignedSeq = -1;
    /** True in the copy sent to the backup: apply the owner's decision, decide nothing. */
    boolean backup;

    Append() {
    }

    @Override
    public LogReply process(Map.Entry<String, StreamLog> entry) {
      StreamLog log = entry.getValue();
      if (backup) {
        applyOnBackup(entry, log);
        return null;
      }
      assignedSeq = -1;
      if (log == null) {
        if (!mayCreate) {
          return LogReply.absent();
        }
        log = new StreamLog(newEpoch(), now);
      } else {
        // the key first: a retry of a publish that did succeed gets its id, even once the stream
        // completed after it (the keys of a completed stream live until it is buried)
        long replayed = key == null ? -1 : log.seqOfKey(key, now - keyWindowMillis);
        if (replayed >= 0 || (log.completed && complete)) {
          LogReply r = LogReply.of(LogReply.REPLAYED, log);
          r.seq = replayed >= 0 ? replayed : log.endSeq;
          return r;
        }
        if (log.completed || log.tombstone) {
          return LogReply.of(LogReply.ENDED, log);
        }
      }
      long seq = log.nextSeq;
      appendAt(log, seq);
      entry.setValue(log);
      assignedSeq = seq;
      LogReply r = LogReply.of(LogReply.DONE, log);
      r.seq = seq;
      r.publishedAtMillis = now;
      return r;
    }

    private String newEpoch() {
      return epochIfNew != null ? epochIfNew : epoch(now, epochSalt);
    }

    private void appendAt(StreamLog log, long seq) {
      if (key != null) {
        log.forgetKeysBefore(now - keyWindowMillis);
      }
      log.append(LogRecord.encode(type, data, now));
      log.lastAppendMillis = now;
      if (key != null) {
        log.rememberKey(key, seq, now);
      }
      if (complete) {
        log.completed = true;
        log.endSeq = seq;
        log.expiresAtMillis = now + completedRetentionMillis;
      }
      while (log.size() > capacity || (log.bytes() > maxBytes && log.size() > 1)) {
        log.dropOldest();
      }
      expire(log, ttlMillis, now);
    }

    /**
     * The backup puts the event at the owner's sequence, never at its own next one. Hazelcast applies
     * a backup operation that arrives after a missed one (a member paused past the backup timeout)
     * and repairs the replica only later: appending at the backup's own position would shift every
     * later event to a wrong sequence, and a promoted backup would serve them under wrong ids. Here a
     * backup that missed events restarts at the owner's position (the missed ones read as trimmed,
     * so a reader gets event: gap, until Hazelcast copies the owner's log), and one that already has
     * the event changes nothing.
     */
    private void applyOnBackup(Map.Entry<String, StreamLog> entry, StreamLog log) {
      if (log == null) {
        log = new StreamLog(newEpoch(), now);
      }
      if (log.nextSeq > assignedSeq) {
        return;
      }
      if (log.nextSeq < assignedSeq) {
        LOG.warning("stream " + entry.getKey() + ": backup held up to " + (log.nextSeq - 1) + ", owner appended "
            + assignedSeq + "; restarting the backup there until Hazelcast copies the owner's log");
        log.dropAll();
        log.nextSeq = assignedSeq;
      }
      appendAt(log, assignedSeq);
      entry.setValue(log);
    }

    @Override
    public EntryProcessor<String, StreamLog, LogReply> getBackupProcessor() {
      if (assignedSeq < 0) {
        return null;
      }
      Append copy = new Append();
      copy.now = now;
      copy.type = type;
      copy.data = data;
      copy.key = key;
      copy.epochIfNew = epochIfNew;
      copy.epochSalt = epochSalt;
      copy.complete = complete;
      copy.capacity = capacity;
      copy.maxBytes = maxBytes;
      copy.ttlMillis = ttlMillis;
      copy.keyWindowMillis = keyWindowMillis;
      copy.completedRetentionMillis = completedRetentionMillis;
      copy.assignedSeq = assignedSeq;
      copy.backup = true;
      return copy;
    }

    @Override
    public int getClassId() {
      return HistorySerialization.APPEND;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      out.writeString(type);
      out.writeByteArray(data);
      out.writeString(key);
      out.writeString(epochIfNew);
      out.writeInt(epochSalt);
      out.writeBoolean(mayCreate);
      out.writeBoolean(complete);
      out.writeInt(capacity);
      out.writeLong(maxBytes);
      out.writeLong(ttlMillis);
      out.writeLong(keyWindowMillis);
      out.writeLong(completedRetentionMillis);
      out.writeLong(assignedSeq);
      out.writeBoolean(backup);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      type = in.readString();
      data = in.readByteArray();
      key = in.readString();
      epochIfNew = in.readString();
      epochSalt = in.readInt();
      mayCreate = in.readBoolean();
      complete = in.readBoolean();
      capacity = in.readInt();
      maxBytes = in.readLong();
      ttlMillis = in.readLong();
      keyWindowMillis = in.readLong();
      completedRetentionMillis = in.readLong();
      assignedSeq = in.readLong();
      backup = in.readBoolean();
    }
  }

  /** Reads events from a position: no lock, no backup. */
  static final class Read extends Op implements ReadOnly {
    private static final long serialVersionUID = 1L;

    long from;
    int max;
    long ttlMillis;

    Read() {
    }

    @Override
    public LogReply process(Map.Entry<String, StreamLog> entry) {
      StreamLog log = entry.getValue();
      if (log == null) {
        return LogReply.absent();
      }
      long head = liveHead(log, ttlMillis, now);
      LogReply r = LogReply.of(LogReply.DONE, log, head);
      if (from >= head && from <= log.nextSeq) {
        int n = (int) Math.min(max, log.nextSeq - from);
        r.records = new byte[n][];
        for (int i = 0; i < n; i++) {
          r.records[i] = log.get(from + i);
        }
      }
      return r;
    }

    @Override
    public EntryProcessor<String, StreamLog, LogReply> getBackupProcessor() {
      return null;
    }

    @Override
    public int getClassId() {
      return HistorySerialization.READ;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      out.writeLong(from);
      out.writeInt(max);
      out.writeLong(ttlMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      from = in.readLong();
      max = in.readInt();
      ttlMillis = in.readLong();
    }
  }

  /**
   * The state for a new subscriber: creates the stream if allowed and absent, and records that it
   * has a subscriber. With {@code touch} false and {@code mayCreate} false it only describes.
   */
  static final class Open extends Op {
    private static final long serialVersionUID = 1L;

    /** As in {@link Append}: null derives the epoch from {@link #now} and {@link #epochSalt}. */
    String epochIfNew;
    int epochSalt;
    boolean mayCreate;
    boolean touch;
    long ttlMillis;

    Open() {
    }

    @Override
    public LogReply process(Map.Entry<String, StreamLog> entry) {
      StreamLog log = entry.getValue();
      if (log == null) {
        if (!mayCreate) {
          return LogReply.absent();
        }
        log = new StreamLog(epochIfNew != null ? epochIfNew : epoch(now, epochSalt), now);
        entry.setValue(log);
      } else if (touch && !log.tombstone && log.lastSubscriberMillis < now) {
        log.lastSubscriberMillis = now;
        entry.setValue(log);
      }
      return LogReply.of(LogReply.DONE, log, liveHead(log, ttlMillis, now));
    }

    @Override
    public EntryProcessor<String, StreamLog, LogReply> getBackupProcessor() {
      return mayCreate || touch ? this : null;
    }

    @Override
    public int getClassId() {
      return HistorySerialization.OPEN;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      out.writeString(epochIfNew);
      out.writeInt(epochSalt);
      out.writeBoolean(mayCreate);
      out.writeBoolean(touch);
      out.writeLong(ttlMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      epochIfNew = in.readString();
      epochSalt = in.readInt();
      mayCreate = in.readBoolean();
      touch = in.readBoolean();
      ttlMillis = in.readLong();
    }
  }

  /** Deletes a stream now, leaving a tombstone. */
  static final class Delete extends Op {
    private static final long serialVersionUID = 1L;

    long tombstoneMillis;

    Delete() {
    }

    @Override
    public LogReply process(Map.Entry<String, StreamLog> entry) {
      StreamLog log = entry.getValue();
      if (log == null) {
        return LogReply.absent();
      }
      if (!log.tombstone) {
        log.bury(log.completed ? log.endSeq : log.nextSeq - 1, now + tombstoneMillis);
        entry.setValue(log);
      }
      return LogReply.of(LogReply.DONE, log);
    }

    @Override
    public int getClassId() {
      return HistorySerialization.DELETE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      out.writeLong(tombstoneMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      tombstoneMillis = in.readLong();
    }
  }

  /** Records that a stream has subscribers now. */
  static final class Touch extends Op {
    private static final long serialVersionUID = 1L;

    Touch() {
    }

    @Override
    public LogReply process(Map.Entry<String, StreamLog> entry) {
      StreamLog log = entry.getValue();
      if (log != null && !log.tombstone && log.lastSubscriberMillis < now) {
        log.lastSubscriberMillis = now;
        entry.setValue(log);
      }
      return null;
    }

    @Override
    public int getClassId() {
      return HistorySerialization.TOUCH;
    }
  }

  /** Drops every event of a stream (the node-wide budget chose it); its sequence carries on. */
  static final class TrimAll extends Op {
    private static final long serialVersionUID = 1L;

    TrimAll() {
    }

    @Override
    public LogReply process(Map.Entry<String, StreamLog> entry) {
      StreamLog log = entry.getValue();
      if (log == null || log.size() == 0) {
        return null;
      }
      log.dropAll();
      entry.setValue(log);
      return LogReply.of(LogReply.DONE, log);
    }

    @Override
    public int getClassId() {
      return HistorySerialization.TRIM_ALL;
    }
  }

  /**
   * The retention sweep of one stream: drops expired events, buries a completed stream past its
   * retention, forgets a tombstone past its time and an idle stream.
   *
   * @return the outcome and what the stream still holds (for the node-wide budget); null for a
   *     stream that holds no event after the sweep and was neither buried nor removed
   */
  static final class Sweep extends Op {
    private static final long serialVersionUID = 1L;

    long ttlMillis;
    long systemTtlMillis;
    long idleMillis;
    long tombstoneMillis;
    long keyWindowMillis;

    Sweep() {
    }

    Sweep(RetentionPolicy policy, long now) {
      this.now = now;
      this.ttlMillis = policy.ttlSeconds() * 1000L;
      this.systemTtlMillis = RetentionPolicy.SYSTEM_STREAM_TTL_SECONDS * 1000L;
      this.idleMillis = policy.idleSeconds() * 1000L;
      this.tombstoneMillis = policy.tombstoneSeconds() * 1000L;
      this.keyWindowMillis = policy.idempotencyWindowSeconds() * 1000L;
    }

    @Override
    public LogReply process(Map.Entry<String, StreamLog> entry) {
      StreamLog log = entry.getValue();
      if (log == null) {
        return null;
      }
      if (log.tombstone) {
        if (now >= log.expiresAtMillis) {
          entry.setValue(null);
          return LogReply.of(LogReply.REMOVED, log);
        }
        return null;
      }
      if (log.completed && now >= log.expiresAtMillis) {
        log.bury(log.endSeq, now + tombstoneMillis);
        entry.setValue(log);
        return LogReply.of(LogReply.BURIED, log);
      }
      if (!log.completed && now - Math.max(log.lastAppendMillis, log.lastSubscriberMillis) >= idleMillis) {
        entry.setValue(null);
        return LogReply.of(LogReply.REMOVED, log);
      }
      int before = log.size();
      int keysBefore = log.keyCount();
      expire(log, RetentionPolicy.isSystem(entry.getKey()) ? systemTtlMillis : ttlMillis, now);
      log.forgetKeysBefore(now - keyWindowMillis);
      if (log.size() != before || log.keyCount() != keysBefore) {
        entry.setValue(log);
      }
      return log.size() == 0 ? null : LogReply.of(LogReply.DONE, log);
    }

    @Override
    public int getClassId() {
      return HistorySerialization.SWEEP;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      out.writeLong(ttlMillis);
      out.writeLong(systemTtlMillis);
      out.writeLong(idleMillis);
      out.writeLong(tombstoneMillis);
      out.writeLong(keyWindowMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      ttlMillis = in.readLong();
      systemTtlMillis = in.readLong();
      idleMillis = in.readLong();
      tombstoneMillis = in.readLong();
      keyWindowMillis = in.readLong();
    }
  }
}
