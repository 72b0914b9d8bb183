package io.streamcast.core;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a node is in its life: {@code /ready} answers 200 only while {@link State#SERVING}; the
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

  /** @return whether the node serves */
  public boolean isServing() {
    return state.get() == State.SERVING;
  }
}
