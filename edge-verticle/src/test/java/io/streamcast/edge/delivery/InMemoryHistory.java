package io.streamcast.edge.delivery;

import io.streamcast.core.ApiError;
import io.streamcast.core.AppendResult;
import io.streamcast.core.EventType;
import io.streamcast.core.HistoryBatch;
import io.streamcast.core.HistoryTrimmedException;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One stream's history in memory, for delivery tests without a cluster: appends, trims, deletes,
 * and reads that complete on a later turn of the test's context (as Hazelcast's do), or that wait
 * until the test releases them ({@link #holdReads()}), to order a read against live events.
 */
final class InMemoryHistory implements StreamHistory {

  private final Context context;
  private final String stream;
  private String epoch = "e1";
  private final List<StreamEvent> events = new ArrayList<>();
  /** Oldest sequence held (events before it were trimmed). */
  private long headSeq;
  private boolean completed;
  private boolean tombstone;
  private boolean holding;
  private final List<Runnable> heldReads = new ArrayList<>();
  int reads;

  InMemoryHistory(Context context, String stream) {
    this.context = context;
    this.stream = stream;
  }

  /** Appends an event and returns it, as the producer would before publishing it on the bus. */
  StreamEvent append(String type) {
    StreamEvent e = new StreamEvent(stream, epoch, headSeq + events.size(), type,
        ("d" + (headSeq + events.size())).getBytes(StandardCharsets.UTF_8), System.currentTimeMillis());
    events.add(e);
    completed |= EventType.COMPLETE.equals(type);
    return e;
  }

  StreamEvent append() {
    return append(EventType.MESSAGE);
  }

  /** Forgets every event before {@code newHeadSeq} (a capacity bound or a TTL). */
  void trimTo(long newHeadSeq) {
    events.subList(0, (int) (newHeadSeq - headSeq)).clear();
    headSeq = newHeadSeq;
  }

  /** Recreates the stream's history under a new epoch (a whole-cluster restart). */
  void recreate(String newEpoch) {
    epoch = newEpoch;
    events.clear();
    headSeq = 0;
  }

  /** Deletes the stream, leaving a tombstone; returns the bus's deletion notice. */
  StreamEvent delete() {
    tombstone = true;
    return new StreamEvent(stream, epoch, -1, EventType.MESSAGE, new byte[0], System.currentTimeMillis());
  }

  String epoch() {
    return epoch;
  }

  /** From now on reads wait for {@link #releaseReads()}. */
  void holdReads() {
    holding = true;
  }

  /** Answers the reads waiting, from what history holds now, and stops holding. */
  void releaseReads() {
    holding = false;
    List<Runnable> waiting = new ArrayList<>(heldReads);
    heldReads.clear();
    waiting.forEach(Runnable::run);
  }

  private long tailSeq() {
    return headSeq + events.size() - 1;
  }

  private StreamState state() {
    long tail = tailSeq();
    return new StreamState(epoch, headSeq, tail, completed || tombstone ? tail : -1, completed, tombstone);
  }

  @Override
  public Future<StreamState> open(String name, boolean mayCreate) {
    return later(this::state);
  }

  @Override
  public Future<StreamState> state(String name) {
    return later(this::state);
  }

  @Override
  public Future<HistoryBatch> read(String name, long fromSeq, int max) {
    reads++;
    Promise<HistoryBatch> p = Promise.promise();
    Runnable answer = () -> context.runOnContext(v -> {
      if (fromSeq < headSeq) {
        p.fail(new HistoryTrimmedException(fromSeq, headSeq));
      } else if (fromSeq > tailSeq() + 1) {
        p.fail(new InvalidRequestException(ApiError.BAD_POSITION, "position " + fromSeq + " is beyond the newest event"));
      } else {
        int from = (int) (fromSeq - headSeq);
        List<StreamEvent> batch = List.copyOf(events.subList(from, Math.min(events.size(), from + max)));
        p.complete(new HistoryBatch(batch, fromSeq + batch.size()));
      }
    });
    if (holding) {
      heldReads.add(answer);
    } else {
      answer.run();
    }
    return p.future();
  }

  private <T> Future<T> later(java.util.function.Supplier<T> value) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> p.complete(value.get()));
    return p.future();
  }

  @Override
  public Future<AppendResult> append(String name, String type, byte[] data, String idempotencyKey, boolean mayCreate) {
    throw new UnsupportedOperationException("tests append with append(type)");
  }

  @Override
  public Future<AppendResult> complete(String name, boolean mayCreate) {
    throw new UnsupportedOperationException("tests append with append(type)");
  }

  @Override
  public Future<StreamState> delete(String name) {
    throw new UnsupportedOperationException("tests delete with delete()");
  }

  @Override
  public Future<Void> touch(Collection<String> streams) {
    return Future.succeededFuture();
  }

  @Override
  public long touchEveryMillis() {
    return 60_000;
  }
}
