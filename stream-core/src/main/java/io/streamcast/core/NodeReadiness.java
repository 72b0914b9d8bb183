package io.streamcast.core;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Where a node is in its life: {@code /ready} answers 200 only while {@link State#SERVING} and with
 * quorum (see {@link #noQuorum}); the
 * edge refuses new subscribers while {@link State#DRAINING} or {@link State#FAILED}; {@code /health}
 * answers 503 {@code DOWN} once {@link State#FAILED}.
 */
public final class NodeReadiness {

  /** Life stages of a node. */
  public enum State {
    /** Joining the cluster, deploying verticles. */
    STARTING,
    /** In the cluster and serving. */
    SERVING,
    /** Shutting down: closing streams so clients resume elsewhere. */
    DRAINING,
    /**
     * The cluster member under the node went away without the node asking (Hazelcast's
     * OutOfMemoryError handler, a cluster-wide shutdown, a fatal error): the node cannot work and
     * only a restart of the process helps. Final: no other state follows it.
     */
    FAILED
  }

  private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
  private volatile String failure;
  /** Why the node is without quorum, null while it has it. Apart from the state: quorum comes and goes. */
  private volatile Supplier<String> noQuorumReason = () -> null;

  /** @return the current stage */
  public State state() {
    return state.get();
  }

  /** Marks the node serving (unless it already drains or failed). */
  public void serving() {
    state.compareAndSet(State.STARTING, State.SERVING);
  }

  /** Marks the node draining; it never serves again. A failed node stays failed. */
  public void draining() {
    // a failed node's process exit runs the drain too: health must go on saying why it is down
    state.getAndUpdate(s -> s == State.FAILED ? s : State.DRAINING);
  }

  /**
   * Marks the node failed for good.
   *
   * @param reason one line for {@code /health} and the log
   */
  public void failed(String reason) {
    // the reason first, so a reader who sees FAILED also sees why
    failure = reason;
    state.set(State.FAILED);
  }

  /** @return why the node failed, null unless {@link State#FAILED} */
  public String failure() {
    return state.get() == State.FAILED ? failure : null;
  }

  /**
   * Sets how the node learns whether it sees a majority of the cluster's expected members. Asked
   * on every question rather than cached: the member list is a local view, cheap to read, and a
   * cached answer lagged Hazelcast's own refusals by up to the polling period.
   *
   * @param noQuorumReason answers null while the node has quorum, else one line saying why not
   */
  public void watchQuorum(Supplier<String> noQuorumReason) {
    this.noQuorumReason = noQuorumReason;
  }

  /**
   * @return why the node is without quorum (a partition, or it was paused past failure detection,
   *     and it must not serve history until it is back with the majority); null while it has quorum
   */
  public String noQuorum() {
    return noQuorumReason.get();
  }

  /** @return whether the node sees a majority of the cluster's expected members */
  public boolean hasQuorum() {
    return noQuorum() == null;
  }

  /** @return whether the node serves: {@link State#SERVING} and with quorum */
  public boolean isServing() {
    return state.get() == State.SERVING && hasQuorum();
  }
}
