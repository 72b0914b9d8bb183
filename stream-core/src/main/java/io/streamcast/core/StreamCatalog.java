package io.streamcast.core;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster-wide record of which streams exist, their history epoch and completion, kept in the
 * Hazelcast map {@value #MAP} (backed up, and near-cached on every member so the per-publish
 * lookup stays local).
 */
public final class StreamCatalog {

  /** Name of the Hazelcast map holding {@link StreamMeta} per stream. */
  public static final String MAP = "streamcast.meta";

  private final Vertx vertx;
  private final IMap<String, String> map;

  /**
   * @param vertx the node's Vert.x
   * @param hazelcast the member Vert.x's cluster manager runs
   */
  public StreamCatalog(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP);
  }

  /**
   * @return the stream's meta, creating the stream (a new epoch) if nothing has subscribed to or
   *     published on it yet; concurrent creators on any members agree on one epoch
   */
  public Future<StreamMeta> ensure(String stream) {
    Context ctx = vertx.getOrCreateContext();
    return ClusterFutures.on(map.getAsync(stream), ctx).compose(existing -> {
      if (existing != null) {
        return Future.succeededFuture(StreamMeta.decode(existing));
      }
      StreamMeta created = new StreamMeta(newEpoch(), -1);
      return ClusterFutures.on(map.submitToKey(stream, new KeepFirstValue(created.encode(), 0)), ctx)
          .map(winner -> winner == null ? created : StreamMeta.decode(winner));
    });
  }

  /** @return the stream's meta, or null when the stream does not exist */
  public Future<StreamMeta> find(String stream) {
    return ClusterFutures.on(map.getAsync(stream), vertx.getOrCreateContext())
        .map(s -> s == null ? null : StreamMeta.decode(s));
  }

  /**
   * Records that the stream's {@code complete} event sits at {@code seq}; the first completion
   * wins.
   *
   * @return the meta after the call
   */
  public Future<StreamMeta> markCompleted(String stream, StreamMeta open, long seq) {
    Context ctx = vertx.getOrCreateContext();
    StreamMeta done = open.completedAt(seq);
    return ClusterFutures.on(map.submitToKey(stream, new CompleteOnce(done.encode())), ctx)
        .map(StreamMeta::decode);
  }

  private static String newEpoch() {
    // time first, so epochs of one stream sort by creation; two random chars break same-ms ties
    return Long.toString(System.currentTimeMillis(), 36)
        + Integer.toString(36 + ThreadLocalRandom.current().nextInt(36 * 36 - 36), 36);
  }
}
