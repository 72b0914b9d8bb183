package io.streamcast.app;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.core.LifecycleListener;
import io.streamcast.core.NodeReadiness;
import io.vertx.core.Vertx;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Notices the node's Hazelcast member going away without the node asking, and then fails the node:
 * {@link NodeReadiness#failed} (so {@code /health} and {@code /ready} answer 503 with the reason),
 * one SEVERE log line, and the {@link NodeExit} with {@link Streamcast#EXIT_MEMBER_LOST}.
 *
 * <p>Without it, Vert.x's HTTP servers go on answering after the member is gone: {@code /health}
 * said 200 {@code UP} and every publish failed with 500, and nothing restarted the process.
 *
 * <p>Two signals, because one is not enough: the member's lifecycle events ({@code SHUTTING_DOWN},
 * {@code SHUTDOWN}) for a shutdown through its lifecycle service (a cluster-wide shutdown, a
 * {@code terminate()}), and a poll of {@code isRunning()} every {@value #POLL_MILLIS} ms, because
 * Hazelcast's default OutOfMemoryError handler stops the member's node directly
 * ({@code Node.shutdown(true)} in 5.3.8), which fires no lifecycle event at all.
 *
 * <p>The node's own drain ({@link StreamcastNode#stop()}) calls {@link #leaving()} first: the member
 * leaving after that is expected and does nothing here.
 */
final class MemberLossWatch implements LifecycleListener {

  private static final Logger LOG = Logger.getLogger(MemberLossWatch.class.getName());
  /** How often the member is asked whether it still runs (a volatile read, fine on an event loop). */
  static final long POLL_MILLIS = 500;

  private final HazelcastInstance hazelcast;
  private final NodeReadiness readiness;
  private final String nodeName;
  private final NodeExit exit;
  private final AtomicBoolean leaving = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();
  private final Vertx vertx;
  private UUID registration;
  private long poll;

  private MemberLossWatch(Vertx vertx, HazelcastInstance hazelcast, NodeReadiness readiness, String nodeName,
      NodeExit exit) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.readiness = readiness;
    this.nodeName = nodeName;
    this.exit = exit;
  }

  /**
   * Starts watching {@code hazelcast} for {@code nodeName}.
   *
   * @return the watch, to tell it when the node leaves on purpose
   */
  static MemberLossWatch install(Vertx vertx, HazelcastInstance hazelcast, NodeReadiness readiness, String nodeName,
      NodeExit exit) {
    MemberLossWatch watch = new MemberLossWatch(vertx, hazelcast, readiness, nodeName, exit);
    watch.registration = hazelcast.getLifecycleService().addLifecycleListener(watch);
    watch.poll = vertx.setPeriodic(POLL_MILLIS, id -> watch.checkRunning());
    // the member may have gone between its start and the listener's registration
    watch.checkRunning();
    return watch;
  }

  /** The node is leaving on purpose (its drain): from now on the member going away is expected. */
  void leaving() {
    if (leaving.compareAndSet(false, true)) {
      vertx.cancelTimer(poll);
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getLifecycleService().removeLifecycleListener(registration);
      }
    }
  }

  @Override
  public void stateChanged(LifecycleEvent event) {
    LifecycleState state = event.getState();
    if (state == LifecycleState.SHUTTING_DOWN || state == LifecycleState.SHUTDOWN) {
      lost("Hazelcast member " + state + " without the node's drain (a cluster-wide shutdown, a terminate, "
          + "a fatal error)");
    }
  }

  private void checkRunning() {
    if (!hazelcast.getLifecycleService().isRunning()) {
      lost("Hazelcast member no longer running (stopped without a lifecycle event, as Hazelcast's "
          + "OutOfMemoryError handler does)");
    }
  }

  private void lost(String reason) {
    if (leaving.get() || !lost.compareAndSet(false, true)) {
      return;
    }
    vertx.cancelTimer(poll);
    readiness.failed(reason);
    LOG.severe("node " + nodeName + " lost its cluster member: " + reason + "; /health is DOWN"
        + (exit == NodeExit.NONE ? "; no process exit configured: restart the node"
            : "; exiting with status " + Streamcast.EXIT_MEMBER_LOST + " so it is restarted"));
    exit.exit(Streamcast.EXIT_MEMBER_LOST);
  }
}
