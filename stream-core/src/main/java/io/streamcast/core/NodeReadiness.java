package io.streamcast.core;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a node is in its life: {@code /ready} answers 200 only while {@link State#SERVING}; the
 * edge refuses new subscribers while {@link State#DRAINING}.
 */
public final class NodeReadiness {

  /** Life stages of a node. */
  public enum State {
    /** Joining the cluster, deploying verticles. */
    STARTING,
    /** In the cluster and serving. */
    SERVING,
    /** Shutting down: closing streams so clients resume elsewhere. */
    DRAINING
  }

  private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

  /** @return the current stage */
  public State state() {
    return state.get();
  }

  /** Marks the node serving (unless it already drains). */
  public void serving() {
    state.compareAndSet(State.STARTING, State.SERVING);
  }

  /** Marks the node draining; it never serves again. */
  public void draining() {
    state.set(State.DRAINING);
  }

  /** @return whether the node serves */
  public boolean isServing() {
    return state.get() == State.SERVING;
  }
}
