package io.streamcast.app;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.streamcast.core.NodeReadiness;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Tells the node whether it sees a majority of the cluster's expected members. Without quorum
 * ({@link NodeReadiness#noQuorum}) {@code /ready} answers 503, new subscriptions {@code 503
 * no_quorum}, and the edge ends its open streams so their clients resume on the majority (ADR 12).
 *
 * <p>A member cut off from the others (a partition, or a pause longer than failure detection) forms a
 * cluster of its own and would otherwise serve its stale copy of history. The history map's own
 * split-brain protection refuses the operations; this watch makes the node say so before a client
 * asks, and holds open streams to the same rule.
 *
 * <p>The answer is computed when asked, from the member list (a local view: reading it does not
 * block), so it never lags Hazelcast's own refusals. Membership events and a check once a second
 * only log the changes.
 */
final class QuorumWatch implements MembershipListener, Supplier<String> {

  private static final Logger LOG = Logger.getLogger(QuorumWatch.class.getName());
  /** How often a change is looked for besides the membership events (for the log only). */
  static final long CHECK_MILLIS = 1000;

  private final HazelcastInstance hazelcast;
  private final int expected;
  private final int quorum;
  private String logged;

  private QuorumWatch(HazelcastInstance hazelcast, int expected, int quorum) {
    this.hazelcast = hazelcast;
    this.expected = expected;
    this.quorum = quorum;
  }

  /**
   * Starts watching; does nothing for a cluster expected to have one member (it cannot split).
   *
   * @param expected the cluster's expected member count ({@code --expected-members})
   * @param quorum the members a side must see to serve (a strict majority of {@code expected})
   */
  static void install(Vertx vertx, HazelcastInstance hazelcast, NodeReadiness readiness, int expected, int quorum) {
    if (expected <= 1) {
      return;
    }
    QuorumWatch watch = new QuorumWatch(hazelcast, expected, quorum);
    readiness.watchQuorum(watch);
    hazelcast.getCluster().addMembershipListener(watch);
    watch.logChange();
    vertx.setPeriodic(CHECK_MILLIS, id -> watch.logChange());
  }

  /** @return null while this node sees at least {@code quorum} members, else why it has no quorum */
  @Override
  public String get() {
    int seen;
    try {
      seen = hazelcast.getCluster().getMembers().size();
    } catch (RuntimeException memberGone) {
      // the member is gone: MemberLossWatch fails the node with its own reason
      return null;
    }
    return seen >= quorum ? null
        : "no quorum: this node sees " + seen + " of " + expected + " expected members and needs " + quorum;
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    logChange();
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    logChange();
  }

  private synchronized void logChange() {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    String now = get();
    if (now != null && logged == null) {
      LOG.warning(now + "; it serves no history until it is back with the majority");
    } else if (now == null && logged != null) {
      LOG.warning("quorum regained: sees " + hazelcast.getCluster().getMembers().size() + " of " + expected
          + " expected members");
    }
    logged = now;
  }
}
