package io.streamcast.core.history;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.map.IMap;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.streamcast.core.ApiError;
import io.streamcast.core.AppendResult;
import io.streamcast.core.ClusterFutures;
import io.streamcast.core.EventType;
import io.streamcast.core.HistoryBatch;
import io.streamcast.core.HistoryTrimmedException;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.RetentionPolicy;
import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * {@link StreamHistory} on a Hazelcast map of {@link StreamLog}s ({@value #MAP}): one entry per
 * stream, in-memory format {@code OBJECT}, one synchronous backup. Every operation is one entry
 * processor on the stream's partition owner: an append (with its idempotency check, completion
 * check and trimming) is one atomic, replicated step, and the log costs what it holds.
 *
 * <p>On the smaller side of a split cluster the map's split-brain protection refuses every operation;
 * that refusal reaches callers as {@link InvalidRequestException} {@link ApiError#NO_QUORUM} (ADR 12).
 */
public final class HazelcastStreamHistory implements StreamHistory {

  /** Name of the Hazelcast map holding every stream's log. */
  public static final String MAP = "streamcast.streams";

  private static final byte[] COMPLETE_DATA = "{}".getBytes(StandardCharsets.UTF_8);

  private final Vertx vertx;
  private final IMap<String, StreamLog> map;
  private final RetentionPolicy policy;
  private final HazelcastInstance hazelcast;
  private final Supplier<String> noQuorum;

  /**
   * @param vertx the node's Vert.x
   * @param hazelcast the member Vert.x's cluster manager runs (its configuration must come from
   *     {@code HazelcastMemberConfig}, which registers {@link HistorySerialization})
   * @param policy bounds and lifetimes; the same on every member
   * @param noQuorum null while this node has quorum, else why not (asked when every operation starts,
   *     and when a write completes, before it is reported as done)
   */
  public HazelcastStreamHistory(Vertx vertx, HazelcastInstance hazelcast, RetentionPolicy policy,
      Supplier<String> noQuorum) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP);
    this.policy = policy;
    this.noQuorum = noQuorum;
  }

  @Override
  public Future<AppendResult> append(String stream, String type, byte[] data, String idempotencyKey,
      boolean mayCreate) {
    StreamLogOps.Append op = appendOp(stream, mayCreate);
    op.type = type;
    op.data = data;
    op.key = idempotencyKey;
    return write(stream, op).map(r -> appended(r));
  }

  @Override
  public Future<AppendResult> complete(String stream, boolean mayCreate) {
    StreamLogOps.Append op = appendOp(stream, mayCreate);
    op.type = EventType.COMPLETE;
    op.data = COMPLETE_DATA;
    op.complete = true;
    return write(stream, op).map(r -> appended(r));
  }

  private StreamLogOps.Append appendOp(String stream, boolean mayCreate) {
    StreamLogOps.Append op = new StreamLogOps.Append();
    op.now = System.currentTimeMillis();
    op.epochSalt = ThreadLocalRandom.current().nextInt();
    op.mayCreate = mayCreate;
    op.capacity = policy.capacityOf(stream);
    op.maxBytes = policy.maxBytes();
    op.ttlMillis = policy.ttlSecondsOf(stream) * 1000L;
    op.keyWindowMillis = policy.idempotencyWindowSeconds() * 1000L;
    op.completedRetentionMillis = policy.completedRetentionSeconds() * 1000L;
    return op;
  }

  private static AppendResult appended(LogReply r) {
    return switch (r.outcome) {
      case LogReply.ABSENT -> new AppendResult(AppendResult.Outcome.ABSENT, null, -1, 0);
      case LogReply.REPLAYED -> new AppendResult(AppendResult.Outcome.REPLAYED, r.epoch, r.seq, r.publishedAtMillis);
      case LogReply.ENDED -> new AppendResult(r.completed ? AppendResult.Outcome.COMPLETED : AppendResult.Outcome.DELETED,
          r.epoch, r.endSeq, 0);
      default -> new AppendResult(AppendResult.Outcome.APPENDED, r.epoch, r.seq, r.publishedAtMillis);
    };
  }

  @Override
  public Future<StreamState> open(String stream, boolean mayCreate) {
    StreamLogOps.Open op = new StreamLogOps.Open();
    op.now = System.currentTimeMillis();
    op.epochSalt = ThreadLocalRandom.current().nextInt();
    op.mayCreate = mayCreate;
    op.touch = true;
    op.ttlMillis = policy.ttlSecondsOf(stream) * 1000L;
    return submit(stream, op).map(HazelcastStreamHistory::state);
  }

  @Override
  public Future<StreamState> state(String stream) {
    StreamLogOps.Read op = new StreamLogOps.Read();
    op.now = System.currentTimeMillis();
    op.from = -1;
    op.ttlMillis = policy.ttlSecondsOf(stream) * 1000L;
    return submit(stream, op).map(HazelcastStreamHistory::state);
  }

  private static StreamState state(LogReply r) {
    if (r.outcome == LogReply.ABSENT) {
      return null;
    }
    return new StreamState(r.epoch, r.headSeq, r.nextSeq - 1, r.endSeq, r.completed, r.tombstone);
  }

  @Override
  public Future<HistoryBatch> read(String stream, long fromSeq, int max) {
    StreamLogOps.Read op = new StreamLogOps.Read();
    op.now = System.currentTimeMillis();
    op.from = fromSeq;
    op.max = max;
    op.ttlMillis = policy.ttlSecondsOf(stream) * 1000L;
    return submit(stream, op).compose(r -> {
      if (r.outcome == LogReply.ABSENT) {
        // never created, or forgotten (idle) since: nothing is held, so only the start is a position
        return fromSeq == 0 ? Future.succeededFuture(new HistoryBatch(List.of(), 0))
            : Future.failedFuture(beyond(fromSeq));
      }
      if (fromSeq < r.headSeq) {
        return Future.failedFuture(new HistoryTrimmedException(fromSeq, r.headSeq));
      }
      if (fromSeq > r.nextSeq) {
        return Future.failedFuture(beyond(fromSeq));
      }
      List<StreamEvent> events = new ArrayList<>(r.records.length);
      for (int i = 0; i < r.records.length; i++) {
        events.add(LogRecord.decode(stream, r.epoch, fromSeq + i, r.records[i]));
      }
      return Future.succeededFuture(new HistoryBatch(events, fromSeq + events.size()));
    });
  }

  private static InvalidRequestException beyond(long fromSeq) {
    return new InvalidRequestException(ApiError.BAD_POSITION,
        "position " + fromSeq + " is beyond the newest event of this stream");
  }

  @Override
  public Future<StreamState> delete(String stream) {
    StreamLogOps.Delete op = new StreamLogOps.Delete();
    op.now = System.currentTimeMillis();
    op.tombstoneMillis = policy.tombstoneSeconds() * 1000L;
    return write(stream, op).map(HazelcastStreamHistory::state);
  }

  @Override
  public Future<Void> touch(Collection<String> streams) {
    if (streams.isEmpty()) {
      return Future.succeededFuture();
    }
    StreamLogOps.Touch op = new StreamLogOps.Touch();
    op.now = System.currentTimeMillis();
    // one operation per stream, not submitToKeys: that hands every partition the whole key set
    // and hashes every key again there (ADR 9)
    List<Future<LogReply>> touched = new ArrayList<>(streams.size());
    for (String stream : streams) {
      touched.add(submit(stream, op));
    }
    return Future.join(touched).mapEmpty();
  }

  /** A third of the idle time, so two touches can be missed; at most every 5 s, at least every 0.2 s. */
  @Override
  public long touchEveryMillis() {
    return Math.max(200, Math.min(5_000, policy.idleSeconds() * 1000L / 3));
  }

  /**
   * A write the caller will report as done (a publish's {@code 201}): it is reported only if this node
   * had quorum when it started, still has it now, and lost no member meanwhile. Why the last two: on a
   * member that is cut off and does not know it yet, Hazelcast completes a write whose backup the
   * others refused as soon as this member drops them from its list (it counts a departed backup as
   * done), and the write then lives only on the side the merge discards. Reporting it as unknown
   * instead costs the majority an answer now and then (a write in flight while a member is lost), which
   * a retry with the same {@code Idempotency-Key} resolves.
   */
  private Future<LogReply> write(String stream, StreamLogOps.Op op) {
    Set<Member> before;
    try {
      before = hazelcast.getCluster().getMembers();
    } catch (RuntimeException memberGone) {
      return Future.failedFuture(memberGone);
    }
    return submit(stream, op).compose(reply -> {
      // both: quorum can go with the list unchanged (a suspicion, a pause), a member can go with quorum kept
      String refused = noQuorum.get();
      if (refused != null) {
        return Future.failedFuture(new InvalidRequestException(ApiError.NO_QUORUM, refused + "; this write may or may"
            + " not be in history: retry on another node with the same Idempotency-Key", NO_QUORUM_RETRY_AFTER_SECONDS));
      }
      Set<Member> after = hazelcast.getCluster().getMembers();
      // Hazelcast hands out one immutable set per member list: the same set is the same list, no lookups
      if (after != before && !after.containsAll(before)) {
        return Future.failedFuture(new InvalidRequestException(ApiError.UNAVAILABLE, "a cluster member was lost while"
            + " this write ran, so whether it is in the majority's history is unknown: retry with the same"
            + " Idempotency-Key", 1));
      }
      return Future.succeededFuture(reply);
    });
  }

  private Future<LogReply> submit(String stream, StreamLogOps.Op op) {
    String refused = noQuorum.get();
    if (refused != null) {
      return Future.failedFuture(new InvalidRequestException(ApiError.NO_QUORUM,
          refused + "; retry on another node or later", NO_QUORUM_RETRY_AFTER_SECONDS));
    }
    Context ctx = vertx.getOrCreateContext();
    try {
      return ClusterFutures.on(map.submitToKey(stream, op), ctx, HazelcastStreamHistory::noQuorumIfRefused);
    } catch (RuntimeException e) {
      return Future.failedFuture(noQuorumIfRefused(e));
    }
  }

  /** Seconds a client refused for want of quorum is told to wait (the same on every port). */
  public static final int NO_QUORUM_RETRY_AFTER_SECONDS = ApiError.NO_QUORUM_RETRY_AFTER_SECONDS;

  /**
   * The one place a split-brain refusal becomes the contract's {@code 503 no_quorum}: Hazelcast
   * throws {@link SplitBrainProtectionException}, wrapped (in a {@code CompletionException} or an
   * {@code ExecutionException}) depending on where the operation failed.
   */
  static Throwable noQuorumIfRefused(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SplitBrainProtectionException) {
        return new InvalidRequestException(ApiError.NO_QUORUM, "this node is cut off from the majority of the "
            + "cluster and serves no history; retry on another node or later", NO_QUORUM_RETRY_AFTER_SECONDS);
      }
      if (t instanceof IndeterminateOperationStateException) {
        // hazelcast.operation.fail.on.indeterminate.state: the backup did not confirm in time
        return new InvalidRequestException(ApiError.UNAVAILABLE, "a replica did not confirm this operation in time, "
            + "so whether it is in history is unknown: retry with the same Idempotency-Key", 1);
      }
    }
    return failure;
  }
}
