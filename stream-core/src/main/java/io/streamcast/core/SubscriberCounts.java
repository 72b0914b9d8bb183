package io.streamcast.core;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Subscribers per stream across the cluster: what a job's idle cancellation and the {@code
 * subscribers} field of {@code GET /streams/{stream}/info} read.
 *
 * <p>Each edge counts its own subscribers per stream in memory (on its event loop, as subscriptions
 * open and close) and writes only the counts that changed, once a second, into one Hazelcast map
 * entry per stream and member. Nothing is paid per event, and a stream whose subscribers churn costs
 * at most one write per second per node. The key is {@code <member uuid>@<stream>}: Hazelcast's
 * {@code @} convention puts every member's entry of one stream in that stream's partition, and a
 * member's UUID is new at every start, so the entries of a member that died are simply never read
 * again (reads look up the current members only).
 */
public final class SubscriberCounts {

  /** The Hazelcast map of counts. */
  public static final String MAP = "streamcast.subscribers";

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, Integer> map;
  /** This edge's counts; touched only on the edge's event loop. */
  private final Map<String, Integer> local = new HashMap<>();
  /** Streams whose local count changed since the last {@link #flush()}. */
  private final Set<String> dirty = new HashSet<>();

  /**
   * @param vertx the node's Vert.x
   * @param hazelcast the node's member
   */
  public SubscriberCounts(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP);
  }

  /** A subscription of {@code stream} opened on this node (call on the edge's event loop). */
  public void opened(String stream) {
    local.merge(stream, 1, Integer::sum);
    dirty.add(stream);
  }

  /** A subscription of {@code stream} closed on this node (call on the edge's event loop). */
  public void closed(String stream) {
    local.computeIfPresent(stream, (s, n) -> n > 1 ? n - 1 : null);
    dirty.add(stream);
  }

  /**
   * Writes the counts that changed since the last call (call on the edge's event loop, about once
   * a second). Failures are left for the next change: a count is a hint for idle cancellation,
   * which waits many seconds anyway.
   */
  public void flush() {
    if (dirty.isEmpty() || !hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    String self = hazelcast.getCluster().getLocalMember().getUuid().toString();
    for (String stream : dirty) {
      Integer n = local.get(stream);
      if (n == null) {
        map.removeAsync(key(self, stream));
      } else {
        map.setAsync(key(self, stream), n);
      }
    }
    dirty.clear();
  }

  /**
   * @return subscribers of {@code stream} on every current member, as last flushed (up to about a
   *     second old)
   */
  public Future<Integer> count(String stream) {
    Context context = vertx.getOrCreateContext();
    List<Future<Integer>> parts = new ArrayList<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      parts.add(ClusterFutures.on(map.getAsync(key(m.getUuid().toString(), stream)), context));
    }
    return Future.all(parts).map(all -> {
      int sum = 0;
      for (int i = 0; i < all.size(); i++) {
        Integer n = all.resultAt(i);
        sum += n == null ? 0 : n;
      }
      return sum;
    });
  }

  private static String key(String member, String stream) {
    return member + "@" + stream;
  }
}
