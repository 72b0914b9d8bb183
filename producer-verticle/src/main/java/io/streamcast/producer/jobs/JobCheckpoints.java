package io.streamcast.producer.jobs;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.streamcast.core.ClusterFutures;
import io.streamcast.core.ClusterMembers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What another node needs to restart a running job of a restartable kind: a Hazelcast map (backed up
 * on another member, so it outlives the node running the job) from job id to JSON {@code job, kind,
 * stream, parameters, checkpoint, node, started, restarts}. The node running the job writes it when
 * the job starts and when it records a checkpoint, and removes it when the job ends; a node that
 * restarts the job claims it first (a compare-and-set of {@code node}, so two nodes never both run it).
 */
public final class JobCheckpoints {

  /** The Hazelcast map of restartable jobs. */
  public static final String MAP = "streamcast.jobs.restartable";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final HazelcastInstance hazelcast;

  /**
   * @param vertx the node's Vert.x
   * @param hazelcast the node's member
   */
  public JobCheckpoints(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP);
  }

  /** Stores a job's entry; it expires after {@code ttlSeconds} (0: never) should nobody remove it. */
  Future<Void> put(JsonObject entry, int ttlSeconds) {
    return JobDirectory.store(vertx, map, entry, ttlSeconds);
  }

  /** Forgets a job (it ended). */
  Future<Void> remove(String id) {
    if (!hazelcast.getLifecycleService().isRunning()) {
      // the member is going under the job (which failed for that): its entry is what lets another node go on
      return Future.failedFuture("job " + id + " kept for a restart elsewhere: this node's member is gone");
    }
    try {
      return ClusterFutures.on(map.removeAsync(id), vertx.getOrCreateContext()).mapEmpty();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Claims a job for {@code toNode} if {@code fromNode} still has it: one atomic compare-and-set, so
   * of two nodes claiming at once one wins.
   *
   * @return the entry as claimed ({@code node} = toNode, {@code restarts} + 1), null when the job is
   *     gone or another node has it
   */
  Future<JsonObject> claim(String id, String fromNode, String toNode) {
    return vertx.executeBlocking(() -> {
      String current = map.get(id);
      if (current == null) {
        return null;
      }
      JsonObject entry = new JsonObject(current);
      if (!fromNode.equals(entry.getString("node"))) {
        return null;
      }
      entry.put("node", toNode).put("restarts", entry.getInteger("restarts", 0) + 1);
      return map.replace(id, current, entry.encode()) ? entry : null;
    }, false);
  }

  /** @return entries whose node is not a member of the cluster now (it left without handing its jobs over) */
  Future<List<JsonObject>> orphans() {
    if (!hazelcast.getLifecycleService().isRunning()) {
      // this node's member is gone: it has nobody to adopt from, and nothing to adopt with
      return Future.succeededFuture(List.of());
    }
    return vertx.executeBlocking(() -> {
      Set<String> members = new HashSet<>(new ClusterMembers(hazelcast).names());
      List<JsonObject> out = new ArrayList<>();
      for (String value : map.values()) {
        JsonObject entry = new JsonObject(value);
        if (!members.contains(entry.getString("node"))) {
          out.add(entry);
        }
      }
      return out;
    }, false);
  }

  /** @return members of the cluster now (how many nodes a handover asks at most) */
  int members() {
    return hazelcast.getCluster().getMembers().size();
  }

  /**
   * Calls {@code handler} (on a Hazelcast thread) whenever a member leaves the cluster.
   *
   * @return what {@link #stopWatching} takes
   */
  UUID watchDepartures(Runnable handler) {
    return hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        // a new member runs no job yet
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        handler.run();
      }
    });
  }

  /** Stops calling a handler given to {@link #watchDepartures}. */
  void stopWatching(UUID registration) {
    if (hazelcast.getLifecycleService().isRunning()) {
      hazelcast.getCluster().removeMembershipListener(registration);
    }
  }
}
