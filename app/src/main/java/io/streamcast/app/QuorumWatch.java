package io.streamcast.app;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.impl.MemberImpl;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.cluster.impl.MembershipManager;
import io.streamcast.cluster.QuorumFunction;
import io.streamcast.core.NodeReadiness;
import io.vertx.core.Vertx;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Tells the node whether it has quorum (see {@link QuorumFunction}: a majority of the expected
 * members in its list, heard from recently, and again since this process was last paused). Without
 * quorum ({@link NodeReadiness#noQuorum}) {@code /ready} answers 503, publishes and new
 * subscriptions {@code 503 no_quorum}, and the edge ends its open streams so their clients resume
 * on the majority (ADR 12).
 *
 * <p>A member cut off from the others (a partition, or a pause longer than failure detection) forms a
 * cluster of its own and would otherwise serve its stale copy of history. The history map's own
 * split-brain protection (the same function) refuses the operations, but Hazelcast caches its answer
 * for up to a heartbeat interval; this watch answers from the live state whenever asked.
 *
 * <p>It also runs the pause detector: a daemon thread that ticks every {@value #TICK_MILLIS} ms, so a
 * gap between two ticks (the whole process stopped) is seen, and until then the stale tick itself
 * refuses. A thread rather than a Vert.x timer: a busy event loop is not a paused process.
 */
final class QuorumWatch implements MembershipListener, Supplier<String>, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(QuorumWatch.class.getName());
  /** How often a change is looked for besides the membership events (for the log only). */
  static final long CHECK_MILLIS = 1000;
  /** Pause detector period. */
  static final long TICK_MILLIS = 100;

  private final HazelcastInstance hazelcast;
  private final QuorumFunction function;
  private final Thread detector;
  private volatile boolean closed;
  private String logged;

  private QuorumWatch(HazelcastInstance hazelcast, QuorumFunction function) {
    this.hazelcast = hazelcast;
    this.function = function;
    this.detector = function == null ? null : new Thread(this::detectPauses, "streamcast-pause-detector");
  }

  /**
   * Starts watching; without a function (a cluster expected to have one member cannot split) it
   * does nothing but can still be closed.
   *
   * @param function the history map's split-brain protection function, null for none
   */
  static QuorumWatch install(Vertx vertx, HazelcastInstance hazelcast, NodeReadiness readiness,
      QuorumFunction function) {
    QuorumWatch watch = new QuorumWatch(hazelcast, function);
    if (function == null) {
      return watch;
    }
    function.watchSuspicion(suspicion(hazelcast));
    readiness.watchQuorum(watch);
    hazelcast.getCluster().addMembershipListener(watch);
    watch.detector.setDaemon(true);
    watch.detector.start();
    watch.logChange();
    vertx.setPeriodic(CHECK_MILLIS, id -> {
      if (!watch.closed) {
        watch.logChange();
      }
    });
    return watch;
  }

  /**
   * Whether this member suspects another, read from Hazelcast's membership manager, which keeps it
   * package-private: a member dropped by the others learns it by an explicit suspicion seconds before
   * its own list changes (ADR 12). Reflection on an internal class: if a Hazelcast version moves it,
   * the node says so once and goes on with the other checks of {@link QuorumFunction}.
   */
  static Predicate<Member> suspicion(HazelcastInstance hazelcast) {
    try {
      HazelcastInstanceImpl impl = hazelcast instanceof HazelcastInstanceProxy proxy ? proxy.getOriginal()
          : (HazelcastInstanceImpl) hazelcast;
      MembershipManager manager = impl.node.getClusterService().getMembershipManager();
      Method isSuspected = MembershipManager.class.getDeclaredMethod("isMemberSuspected", MemberImpl.class);
      isSuspected.setAccessible(true);
      MethodHandle handle = MethodHandles.lookup().unreflect(isSuspected).bindTo(manager);
      return member -> {
        try {
          return member instanceof MemberImpl m && (boolean) handle.invokeExact(m);
        } catch (Throwable e) {
          return false;
        }
      };
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warning("cannot read Hazelcast's suspected members (" + e + "); quorum goes by members and heartbeats only");
      return member -> false;
    }
  }

  private void detectPauses() {
    while (!closed) {
      long pause = function.tick();
      if (pause > 0) {
        LOG.warning("this process was paused for " + pause + " ms (stopped, a long GC, a frozen VM): it serves no "
            + "history for a few seconds, until it knows whether the others dropped it meanwhile");
      }
      try {
        Thread.sleep(TICK_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** @return null while this node has quorum, else why it has not */
  @Override
  public String get() {
    try {
      return function.noQuorum(hazelcast.getCluster().getMembers());
    } catch (RuntimeException memberGone) {
      // the member is gone: MemberLossWatch fails the node with its own reason
      return null;
    }
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
      LOG.warning("quorum regained: sees " + hazelcast.getCluster().getMembers().size() + " of "
          + function.expected() + " expected members");
    }
    logged = now;
  }

  /** Stops the pause detector. */
  @Override
  public void close() {
    closed = true;
    if (detector != null) {
      detector.interrupt();
    }
  }
}
