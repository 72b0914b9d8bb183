package io.streamcast.app;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Drains a node on {@code SIGTERM} (and {@code SIGINT}) and then exits: {@code 0} when the drain
 * finished within {@code --drain-seconds}, {@code 1} when the bound cut it short.
 *
 * <p>The signals are handled directly rather than from a shutdown hook: once the JVM runs its
 * shutdown hooks, {@code java.util.logging}'s own hook resets logging (the drain's log lines
 * vanish) and the exit status of a signalled JVM is {@code 143}, not {@code 0}. Here the drain
 * runs first, with logging intact, and only then does the process exit. A shutdown hook stays as a
 * fallback for other exits (a {@code System.exit} elsewhere, {@code -Xrs}); it reports on stderr.
 */
final class NodeDrain {

  private static final Logger LOG = Logger.getLogger(NodeDrain.class.getName());

  private final StreamcastNode node;
  private final int drainSeconds;
  private final AtomicBoolean signalled = new AtomicBoolean();

  private NodeDrain(StreamcastNode node, int drainSeconds) {
    this.node = node;
    this.drainSeconds = drainSeconds;
  }

  /** Installs the signal handlers and the fallback shutdown hook for {@code node}. */
  static void install(StreamcastNode node, int drainSeconds) {
    NodeDrain drain = new NodeDrain(node, drainSeconds);
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> drain.onSignal("SIG" + sig.getName()));
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // the JVM keeps this signal (-Xrs, or not on this OS): the shutdown hook drains instead
        LOG.fine("no handler for SIG" + name + ": " + e.getMessage());
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(drain::onShutdown, "streamcast-drain"));
  }

  private void onSignal(String signal) {
    if (!signalled.compareAndSet(false, true)) {
      if (signal.equals("SIGINT")) {
        // a second Ctrl-C: the operator does not want to wait
        System.err.println("streamcast: second SIGINT, exiting without finishing the drain");
        Runtime.getRuntime().halt(130);
      }
      return;
    }
    long started = System.nanoTime();
    LOG.info(signal + ": draining node " + node.config().cluster().nodeName() + " (at most " + drainSeconds + " s)");
    boolean drained = await();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    if (drained) {
      LOG.info("node " + node.config().cluster().nodeName() + " drained in " + millis + " ms; exiting");
    }
    System.out.flush();
    System.err.flush();
    System.exit(drained ? 0 : 1);
  }

  private void onShutdown() {
    if (signalled.get()) {
      return; // the signal handler drained (or is draining) and is the one exiting
    }
    await();
  }

  /** @return whether the node stopped within the bound */
  private boolean await() {
    try {
      node.stop().toCompletionStage().toCompletableFuture().get(drainSeconds, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      // stderr, not the logger: from the shutdown hook, logging may already be reset
      System.err.println("streamcast: drain of " + node.config().cluster().nodeName() + " did not finish within "
          + drainSeconds + " s: " + e);
      return false;
    }
  }
}
