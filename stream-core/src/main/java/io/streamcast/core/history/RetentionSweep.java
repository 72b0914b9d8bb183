package io.streamcast.core.history;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.query.Predicates;
import io.streamcast.core.RetentionPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * The lifecycle of the streams this member owns, applied periodically: events past their age
 * are dropped, completed streams past their retention become tombstones, tombstones past their
 * time and idle streams are forgotten, and when the member owns more history than the node-wide
 * budget, the streams appended to least recently lose their events (subscribers behind them get
 * {@code event: gap}).
 *
 * <p>Each member sweeps only the partitions it owns, one partition-wide operation each, so the
 * cluster's work is shared and nothing is swept twice; the processors also run on the backups.
 * (Not {@code executeOnKeys}: Hazelcast hands every partition the whole key set and hashes each key
 * again there, which at 2,000 keys was a fifth of a busy node's CPU.) A sweep blocks while
 * Hazelcast works: run it on a worker thread, never on an event loop.
 */
public final class RetentionSweep {

  private static final Logger LOG = Logger.getLogger(RetentionSweep.class.getName());

  private final HazelcastInstance hazelcast;
  private final IMap<String, StreamLog> map;
  private final RetentionPolicy policy;
  /** A key that falls in each partition, by partition id: what a partition predicate is built from. */
  private String[] partitionKeys;

  /** A stream whose events are gone for good: its feeds close, its subscribers are told. */
  public record Ended(String stream, String epoch, boolean forgotten) {
  }

  /**
   * What one sweep found and did.
   *
   * @param streams streams this member owns that hold events
   * @param bytes bytes of events those hold
   * @param ended streams buried or forgotten by this sweep
   * @param trimmedByBudget streams whose events the budget dropped
   */
  public record Report(int streams, long bytes, List<Ended> ended, int trimmedByBudget) {
  }

  /**
   * @param hazelcast this member
   * @param policy the cluster's retention policy
   */
  public RetentionSweep(HazelcastInstance hazelcast, RetentionPolicy policy) {
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(HazelcastStreamHistory.MAP);
    this.policy = policy;
  }

  private String[] partitionKeys() {
    if (partitionKeys == null) {
      PartitionService partitions = hazelcast.getPartitionService();
      String[] keys = new String[partitions.getPartitions().size()];
      int found = 0;
      for (int i = 0; found < keys.length; i++) {
        String key = "p" + i;
        int id = partitions.getPartition(key).getPartitionId();
        if (keys[id] == null) {
          keys[id] = key;
          found++;
        }
      }
      partitionKeys = keys;
    }
    return partitionKeys;
  }

  /** Sweeps once (blocking). */
  public Report run() {
    long now = System.currentTimeMillis();
    StreamLogOps.Sweep sweep = new StreamLogOps.Sweep(policy, now);
    Member self = hazelcast.getCluster().getLocalMember();
    String[] keys = partitionKeys();
    List<Ended> ended = new ArrayList<>();
    List<Map.Entry<String, LogReply>> holding = new ArrayList<>();
    long bytes = 0;
    List<Map.Entry<String, LogReply>> results = new ArrayList<>();
    for (Partition partition : hazelcast.getPartitionService().getPartitions()) {
      if (self.equals(partition.getOwner())) {
        results.addAll(map.executeOnEntries(sweep,
            Predicates.partitionPredicate(keys[partition.getPartitionId()], Predicates.alwaysTrue())).entrySet());
      }
    }
    for (Map.Entry<String, LogReply> e : results) {
      LogReply r = e.getValue();
      if (r == null) {
        continue;
      }
      if (r.outcome == LogReply.BURIED || r.outcome == LogReply.REMOVED) {
        ended.add(new Ended(e.getKey(), r.epoch, r.outcome == LogReply.REMOVED));
      } else if (r.bytes > 0) {
        holding.add(e);
        bytes += r.bytes;
      }
    }
    int trimmed = 0;
    if (policy.budgetBytes() > 0 && bytes > policy.budgetBytes()) {
      trimmed = trimToBudget(holding, bytes, now);
    }
    return new Report(holding.size(), bytes, ended, trimmed);
  }

  /** Drops the events of the least recently appended streams until the rest fits the budget. */
  private int trimToBudget(List<Map.Entry<String, LogReply>> holding, long bytes, long now) {
    holding.sort(Comparator.comparingLong(e -> e.getValue().lastAppendMillis));
    List<CompletableFuture<LogReply>> victims = new ArrayList<>();
    StreamLogOps.TrimAll trim = new StreamLogOps.TrimAll();
    trim.now = now;
    long left = bytes;
    for (Map.Entry<String, LogReply> e : holding) {
      if (left <= policy.budgetBytes()) {
        break;
      }
      victims.add(map.submitToKey(e.getKey(), trim).toCompletableFuture());
      left -= e.getValue().bytes;
    }
    CompletableFuture.allOf(victims.toArray(CompletableFuture[]::new)).join();
    long freed = bytes - left;
    LOG.warning(() -> "history over the node-wide budget (--history-budget-bytes " + policy.budgetBytes() + "): "
        + bytes + " bytes owned; dropped the events of the " + victims.size()
        + " least recently appended streams (" + freed + " bytes); their subscribers get event: gap");
    return victims.size();
  }
}
