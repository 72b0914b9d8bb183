package io.streamcast.app;

/**
 * How a node ends its process when it can no longer serve and only a restart helps (see
 * {@link MemberLossWatch}). The launcher passes {@link JvmExit}; tests, which run several nodes in
 * one JVM, pass a recorder; an application embedding a node without one gets {@link #NONE}.
 */
@FunctionalInterface
public interface NodeExit {

  /** Does not end anything: the node reports DOWN on {@code /health} and whoever embeds it decides. */
  NodeExit NONE = status -> { };

  /**
   * Ends the process (or records that it would). Called once, from a Hazelcast or Vert.x thread: it
   * must return at once and do any waiting elsewhere.
   *
   * @param status the exit status, non-zero
   */
  void exit(int status);
}
