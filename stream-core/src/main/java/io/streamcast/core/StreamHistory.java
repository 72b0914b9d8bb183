package io.streamcast.core;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import com.hazelcast.ringbuffer.StaleSequenceException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The replicated history of every stream: one Hazelcast Ringbuffer per stream (synchronous backup,
 * capacity and TTL from the cluster configuration). The sequence a Ringbuffer hands out on append
 * is the event's position, so history, not the event bus, defines a stream's order.
 *
 * <p>Every method is asynchronous and completes on the caller's Vert.x context; nothing here
 * blocks an event loop.
 */
public final class StreamHistory {

  private static final int SCAN_BATCH = 500;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;

  /**
   * @param vertx the node's Vert.x
   * @param hazelcast the member Vert.x's cluster manager runs
   */
  public StreamHistory(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
  }

  private Ringbuffer<byte[]> ring(String stream) {
    return hazelcast.getRingbuffer(StreamName.historyName(stream));
  }

  /**
   * Appends a record once the synchronous backup has it.
   *
   * @return the sequence it was given
   */
  public Future<Long> append(String stream, byte[] record) {
    Context ctx = vertx.getOrCreateContext();
    return ClusterFutures.on(ring(stream).addAsync(record, OverflowPolicy.OVERWRITE), ctx);
  }

  /**
   * Reads up to {@code max} events from {@code fromSeq} on, without waiting for new ones.
   *
   * @return the events; fails with {@link HistoryTrimmedException} when {@code fromSeq} is older
   *     than history, or with {@link InvalidRequestException} ({@code bad_position}) when it lies
   *     beyond the newest event plus one
   */
  public Future<HistoryBatch> read(String stream, long fromSeq, int max) {
    Context ctx = vertx.getOrCreateContext();
    Future<ReadResultSet<byte[]>> read;
    try {
      Ringbuffer<byte[]> ring = ring(stream);
      // Hazelcast refuses a read larger than the ring itself; capacity() is local config, no call
      int count = (int) Math.min(max, ring.capacity());
      read = ClusterFutures.on(ring.readManyAsync(fromSeq, 0, count, null), ctx);
    } catch (RuntimeException e) {
      read = Future.failedFuture(e);
    }
    return read.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(translate(fromSeq, ar.cause()));
      }
      ReadResultSet<byte[]> rs = ar.result();
      if (rs.size() > 0 && rs.getSequence(0) > fromSeq) {
        // readMany silently starts at the head when asked for an overwritten or expired
        // sequence; a reader must learn that it missed something, so surface it as such
        return Future.failedFuture(new HistoryTrimmedException(fromSeq, rs.getSequence(0)));
      }
      List<StreamEvent> events = new ArrayList<>(rs.size());
      for (int i = 0; i < rs.size(); i++) {
        events.add(HistoryRecord.decode(stream, rs.getSequence(i), rs.get(i)));
      }
      long next = rs.size() == 0 ? fromSeq : rs.getSequence(rs.size() - 1) + 1;
      return Future.succeededFuture(new HistoryBatch(events, next));
    });
  }

  /**
   * Looks for the newest event published with {@code idempotencyKey}, newest first, among events
   * published since {@code sinceMillis} (at most {@code maxScan} of them): the way to learn whether a
   * publish whose outcome is unknown reached history.
   *
   * @return the event's id, or null when none of the scanned events carries the key
   */
  public Future<String> findIdempotencyKey(String stream, String idempotencyKey, long sinceMillis, int maxScan) {
    Ringbuffer<byte[]> ring = ring(stream);
    return vertx.executeBlocking(() -> {
      long head = ring.headSequence();
      long tail = ring.tailSequence();
      long floor = Math.max(head, tail - maxScan + 1);
      long to = tail;
      while (to >= floor) {
        long from = Math.max(floor, to - SCAN_BATCH + 1);
        ReadResultSet<byte[]> rs;
        try {
          rs = ring.readManyAsync(from, 0, (int) (to - from + 1), null).toCompletableFuture().get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof StaleSequenceException) {
            return null; // history moved on under the scan: what was older is gone anyway
          }
          throw e;
        }
        for (int i = rs.size() - 1; i >= 0; i--) {
          byte[] record = rs.get(i);
          if (idempotencyKey.equals(HistoryRecord.idempotencyKey(record))) {
            return EventId.format(HistoryRecord.epoch(record), rs.getSequence(i));
          }
          if (HistoryRecord.publishedAtMillis(record) < sinceMillis) {
            return null;
          }
        }
        to = from - 1;
      }
      return null;
    }, false);
  }

  /** @return the oldest and newest sequence held (a worker-thread call: Hazelcast has no async form) */
  public Future<HistoryBounds> bounds(String stream) {
    Ringbuffer<byte[]> ring = ring(stream);
    return vertx.executeBlocking(() -> new HistoryBounds(ring.headSequence(), ring.tailSequence()), false);
  }

  private static Throwable translate(long fromSeq, Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof StaleSequenceException stale) {
      return new HistoryTrimmedException(fromSeq, stale.getHeadSeq());
    }
    if (c instanceof IllegalArgumentException && String.valueOf(c.getMessage()).contains("too large")) {
      return new InvalidRequestException(ApiError.BAD_POSITION,
          "position " + fromSeq + " is beyond the newest event of this stream");
    }
    return c;
  }
}
