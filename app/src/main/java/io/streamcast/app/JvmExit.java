package io.streamcast.app;

import java.util.concurrent.TimeUnit;

/**
 * The launcher's {@link NodeExit}: {@code System.exit(status)} after a short grace, on a thread of
 * its own, with {@code Runtime.halt} as a backstop.
 *
 * <p>Why each part: the grace lets the SEVERE log line reach the console and lets a probe in flight
 * see {@code /health} 503 {@code DOWN}; its own thread because the caller is a Hazelcast or Vert.x
 * thread that must not block; {@code System.exit} (not {@code halt}) so the shutdown hooks run,
 * among them {@link NodeDrain}'s, which closes what is left of the node (quickly: the member is
 * already gone); the halt because a hook that hangs must not keep a broken node alive for an
 * orchestrator to wait on. If the caller has no memory left to start a thread (the member may have
 * been shut down by Hazelcast's OutOfMemoryError handler), it halts at once.
 */
final class JvmExit implements NodeExit {

  /** Time between the decision and {@code System.exit}. */
  static final long GRACE_MILLIS = 1_000;
  /** Time the shutdown hooks get before the process is halted anyway. */
  static final long HOOKS_MILLIS = 10_000;

  @Override
  public void exit(int status) {
    try {
      Thread halt = new Thread(() -> {
        sleep(GRACE_MILLIS + HOOKS_MILLIS);
        Runtime.getRuntime().halt(status);
      }, "streamcast-exit-backstop");
      halt.setDaemon(true);
      halt.start();
      Thread exit = new Thread(() -> {
        sleep(GRACE_MILLIS);
        System.out.flush();
        System.err.flush();
        if (!jvmShuttingDown()) {
          // System.exit from inside a shutdown blocks forever; the JVM is on its way out already
          System.exit(status);
        }
      }, "streamcast-exit");
      exit.start();
    } catch (Throwable noThread) { // NOPMD: OutOfMemoryError included: nothing else is left to do
      Runtime.getRuntime().halt(status);
    }
  }

  /** @return whether the JVM already runs its shutdown hooks (it refuses new ones then) */
  private static boolean jvmShuttingDown() {
    Thread probe = new Thread(() -> { });
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException shuttingDown) {
      return true;
    }
  }

  private static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
