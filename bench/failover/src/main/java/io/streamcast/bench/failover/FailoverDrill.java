package io.streamcast.bench.failover;

import io.streamcast.client.Backoff;
import io.streamcast.client.IdempotentPublisher;
import io.streamcast.client.PublisherOptions;
import io.streamcast.client.StartPosition;
import io.streamcast.client.StreamSubscriber;
import io.streamcast.client.SubscriberOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The failover drill ({@code bench/failover-drill}): 3 node processes on loopback, N subscribers through
 * the Java client (each with all three node URLs, spread over the nodes), a publisher at R events/s with
 * idempotency keys; then (1) {@code kill -9} of one node mid-stream, restarted afterwards, and (2) a
 * rolling restart of all three with {@code SIGTERM}. Prints per scenario what was published, delivered,
 * lost, duplicated, reordered, the gaps, the longest silence and resume, and end-to-end latency before,
 * during and after. Exits 1 if anything was lost, duplicated or reordered (or a client did not resume
 * within the bound), 2 on a usage error, 3 if the drill itself could not run.
 */
public final class FailoverDrill {

  private final Map<String, String> opts;
  private final int clients;
  private final int rate;
  private final int phaseSeconds;
  private final int settleSeconds;
  private final double maxResumeSeconds;
  private final int basePort;
  private final String jar;
  private final Path logDir;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<StreamSubscriber> subscribers = new ArrayList<>();
  private final List<ClientProbe> probes = new ArrayList<>();
  private final AtomicInteger nextN = new AtomicInteger(1);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong publishFailures = new AtomicLong();
  private final List<String> failureNotes = new ArrayList<>();
  private Ledger ledger;
  private Vertx vertx;
  private IdempotentPublisher publisher;
  private long publishTimer = -1;
  private long drillStartNanos;
  private final List<String> summary = new ArrayList<>();
  private boolean failed;

  /** Held so the setting sticks: the client's own connection resets are expected here, not news. */
  private static final java.util.logging.Logger VERTX_LOG = java.util.logging.Logger.getLogger("io.vertx");

  private FailoverDrill(Map<String, String> opts) {
    this.opts = opts;
    this.clients = intOpt("clients", 300);
    this.rate = intOpt("rate", 50);
    this.phaseSeconds = intOpt("phase-seconds", 5);
    this.settleSeconds = intOpt("settle-seconds", 30);
    this.maxResumeSeconds = Double.parseDouble(opts.getOrDefault("max-resume-seconds", "5"));
    this.basePort = intOpt("base-port", 27400);
    this.jar = opts.getOrDefault("jar", "app/target/streamcast.jar");
    this.logDir = Path.of(opts.getOrDefault("logs", "bench/failover/target/drill-logs"));
    if (clients < 1 || rate < 1 || rate > 1000 || phaseSeconds < 1) {
      throw new IllegalArgumentException("--clients and --phase-seconds must be >= 1, --rate 1-1000");
    }
  }

  /** Entry point; see {@code bench/README-failover.md} for the options. */
  public static void main(String[] args) {
    VERTX_LOG.setLevel(java.util.logging.Level.OFF);
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println("usage: bench/failover-drill [--clients 300] [--rate 50] [--phase-seconds 5]"
            + " [--settle-seconds 30] [--max-resume-seconds 5] [--base-port 27400] [--jar app/target/streamcast.jar]"
            + " [--logs bench/failover/target/drill-logs]");
        return;
      }
      if (!a.startsWith("--") || i + 1 >= args.length) {
        System.err.println("failover-drill: bad argument '" + a + "' (see --help)");
        System.exit(2);
      }
      opts.put(a.substring(2), args[++i]);
    }
    FailoverDrill drill;
    try {
      drill = new FailoverDrill(opts);
    } catch (IllegalArgumentException e) {
      System.err.println("failover-drill: " + e.getMessage());
      System.exit(2);
      return;
    }
    int status;
    try {
      status = drill.run();
    } catch (Exception e) {
      System.err.println("failover-drill: could not run: " + e);
      e.printStackTrace();
      status = 3;
    } finally {
      drill.cleanUp();
    }
    System.out.flush();
    System.exit(status);
  }

  private int intOpt(String name, int def) {
    try {
      return Integer.parseInt(opts.getOrDefault(name, Integer.toString(def)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " needs a number");
    }
  }

  private int run() throws Exception {
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(jar + " not found: build with mvn -B -q package -DskipTests");
    }
    Files.createDirectories(logDir);
    // run a private copy: a rebuild of the jar during the drill must not change the running nodes' classes
    Path nodeJar = logDir.resolve("streamcast.jar");
    Files.copy(Path.of(jar), nodeJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path pidFile = logDir.resolve("pids");
    Files.deleteIfExists(pidFile);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String clusterName = "drill-" + UUID.randomUUID().toString().substring(0, 8);
    String members = "127.0.0.1:" + NodeProcess.clusterPort(basePort, 0) + ",127.0.0.1:"
        + NodeProcess.clusterPort(basePort, 1) + ",127.0.0.1:" + NodeProcess.clusterPort(basePort, 2);
    List<String> jvm = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC");
    for (int i = 0; i < 3; i++) {
      Files.deleteIfExists(logDir.resolve("node-" + (i + 1) + ".log"));
      nodes.add(new NodeProcess(i, java, jvm, nodeJar.toString(), clusterName, basePort, members, logDir, pidFile));
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "drill-cleanup"));
    drillStartNanos = System.nanoTime();

    say("starting 3 nodes (cluster " + clusterName + ", ports " + basePort + "-" + (basePort + 22) + ", logs in "
        + logDir + ")");
    for (NodeProcess n : nodes) {
      n.start();
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(3, Duration.ofSeconds(120));
    }
    say("3 nodes ready");

    ledger = new Ledger(Math.max(10_000, rate * 1200));
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    String stream = "drill." + clusterName;
    List<String> edges = nodes.stream().map(NodeProcess::edgeUrl).toList();
    List<String> publishes = nodes.stream().map(NodeProcess::publishUrl).toList();
    publisher = IdempotentPublisher.create(vertx, PublisherOptions.builder().nodes(publishes)
        .maxAttempts(20).backoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.2))
        .responseTimeout(Duration.ofSeconds(10)).build());

    // the first event exists before the clients start, so every client starts at the same place
    publishOne(stream);
    for (int i = 0; i < clients; i++) {
      List<String> rotated = new ArrayList<>(3);
      for (int k = 0; k < 3; k++) {
        rotated.add(edges.get((i + k) % 3));
      }
      ClientProbe probe = new ClientProbe(i, ledger);
      StreamSubscriber s = StreamSubscriber.create(vertx, SubscriberOptions.builder()
          .nodes(rotated).stream(stream).startPosition(StartPosition.earliest())
          .backoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 0.5))
          .maxReconnectAttempts(50).build());
      s.eventHandler(probe::onEvent)
          .connectHandler(c -> probe.onConnected())
          .reconnectHandler(r -> probe.onDrop());
      s.end().onFailure(e -> note("client " + probe.index() + " gave up: " + e.getMessage()));
      probes.add(probe);
      subscribers.add(s);
      s.start();
    }
    waitFor("all " + clients + " clients connected", Duration.ofSeconds(60),
        () -> probes.stream().allMatch(p -> p.connections() > 0));
    say(clients + " clients connected (" + (clients + 2) / 3 + " per node)");

    startPublishing(stream);
    Thread.sleep(3000);

    runScenario(1, "kill -9 one node mid-stream, restart it", () -> {
      NodeProcess victim = nodes.get(0);
      long pid = victim.pid();
      victim.kill();
      say("kill -9 " + victim.name() + " (pid " + pid + ")");
      Thread.sleep(phaseSeconds * 1000L);
      long t = System.nanoTime();
      victim.start();
      victim.awaitReady(3, Duration.ofSeconds(120));
      say(victim.name() + " restarted (pid " + victim.pid() + "), ready after " + secs(System.nanoTime() - t));
    });

    runScenario(2, "rolling restart of all three with SIGTERM", () -> {
      for (NodeProcess n : nodes) {
        long pid = n.pid();
        long t = System.nanoTime();
        int status = n.terminate(Duration.ofSeconds(30));
        String drained = secs(System.nanoTime() - t);
        say("SIGTERM " + n.name() + " (pid " + pid + "): exited " + status + " after " + drained);
        if (status != 0) {
          note(n.name() + " exited " + status + " on SIGTERM (expected 0)");
        }
        t = System.nanoTime();
        n.start();
        n.awaitReady(3, Duration.ofSeconds(120));
        say(n.name() + " started again (pid " + n.pid() + "), ready after " + secs(System.nanoTime() - t));
      }
    });

    vertx.cancelTimer(publishTimer);
    System.out.println();
    System.out.println("== failover drill: " + clients + " clients, " + rate + " events/s, 3 nodes ==");
    summary.forEach(System.out::println);
    if (!failureNotes.isEmpty()) {
      System.out.println("problems:");
      failureNotes.forEach(n -> System.out.println("  - " + n));
    }
    System.out.println(failed || !failureNotes.isEmpty() ? "RESULT: FAIL" : "RESULT: PASS");
    return failed || !failureNotes.isEmpty() ? 1 : 0;
  }

  /** A step of a scenario that may block the drill's main thread. */
  private interface Disruption {
    void run() throws Exception;
  }

  private void runScenario(int scenario, String title, Disruption disruption) throws Exception {
    System.out.println();
    say("scenario " + scenario + ": " + title);
    ledger.currentScenario(scenario);
    int firstN = nextN.get();
    long start = System.nanoTime();
    Thread.sleep(phaseSeconds * 1000L);
    long disruptStart = System.nanoTime();
    disruption.run();
    long disruptEnd = System.nanoTime();
    Thread.sleep(phaseSeconds * 1000L);
    long end = System.nanoTime();
    int lastN = nextN.get() - 1;
    ledger.currentScenario(0);
    settle(firstN, lastN);
    report(scenario, title, firstN, lastN, new long[] {start, disruptStart, disruptEnd, end});
  }

  private void settle(int firstN, int lastN) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settleSeconds);
    while (System.nanoTime() < deadline) {
      boolean resolved = true;
      for (int n = firstN; n <= lastN && resolved; n++) {
        resolved = ledger.acked(n) || ledger.isFailed(n);
      }
      if (resolved && probes.stream().allMatch(p -> p.hasAll(firstN, lastN))) {
        return;
      }
      Thread.sleep(200);
    }
  }

  private void report(int scenario, String title, int firstN, int lastN, long[] t) {
    int published = 0;
    int unacked = 0;
    for (int n = firstN; n <= lastN; n++) {
      if (ledger.acked(n)) {
        published++;
      } else {
        unacked++;
      }
    }
    long min = Long.MAX_VALUE;
    long max = 0;
    long lost = 0;
    long dup = 0;
    long ooo = 0;
    long holes = 0;
    long gaps = 0;
    long errors = 0;
    long silence = 0;
    int silenceClient = -1;
    long resume = 0;
    int resumeClient = -1;
    int resumed = 0;
    int stillDown = 0;
    BitSet missingAnywhere = new BitSet();
    for (ClientProbe p : probes) {
      ClientProbe.Figures f = p.figures(scenario);
      min = Math.min(min, f.delivered());
      max = Math.max(max, f.delivered());
      lost += p.missing(firstN, lastN, missingAnywhere);
      dup += f.duplicated();
      ooo += f.outOfOrder();
      holes += f.holes();
      gaps += f.gaps();
      errors += f.errors();
      if (f.maxSilenceNanos() > silence) {
        silence = f.maxSilenceNanos();
        silenceClient = p.index();
      }
      if (f.maxResumeNanos() > resume) {
        resume = f.maxResumeNanos();
        resumeClient = p.index();
      }
      resumed += f.resumes();
      if (f.disconnected()) {
        stillDown++;
      }
    }
    List<String> out = new ArrayList<>();
    out.add("scenario " + scenario + ": " + title);
    out.add(row("events published", published + " acknowledged" + (unacked > 0 ? ", " + unacked + " NOT acknowledged" : "")
        + " (" + retried.get() + " publishes so far needed a retry on another node)"));
    out.add(row("delivered per client", "min " + min + " / max " + max + " (" + probes.size() + " clients)"));
    out.add(row("lost", lost + (lost > 0 ? " (" + missingAnywhere.cardinality() + " distinct events)" : "")
        + (holes > 0 ? ", plus " + holes + " skipped stream positions" : "")));
    out.add(row("duplicated", Long.toString(dup)));
    out.add(row("out of order", Long.toString(ooo)));
    out.add(row("gaps signalled", gaps + (errors > 0 ? " (and " + errors + " error events)" : "")));
    out.add(row("longest without events", secs(silence) + " (client " + silenceClient + ")"));
    out.add(row("longest resume", secs(resume) + " from a dropped connection to the next event (client "
        + resumeClient + "); " + resumed + " resumptions" + (stillDown > 0 ? ", " + stillDown + " clients still down" : "")));
    out.add(row("end-to-end p50 / p99", phase("before", firstN, lastN, t[0], t[1]) + "   "
        + phase("during", firstN, lastN, t[1], t[2]) + "   " + phase("after", firstN, lastN, t[2], t[3])));
    boolean ok = lost == 0 && dup == 0 && ooo == 0 && holes == 0 && unacked == 0 && stillDown == 0
        && resume <= (long) (maxResumeSeconds * 1e9);
    out.add(row("verdict", ok ? "OK" : "FAIL"));
    if (!ok) {
      failed = true;
    }
    summary.addAll(out);
    out.forEach(line -> System.out.println("  " + line));
  }

  private String phase(String name, int firstN, int lastN, long from, long to) {
    double[] p = ledger.percentiles(firstN, lastN, from, to);
    return String.format(Locale.ROOT, "%s %.1f / %.1f ms", name, p[0], p[1]);
  }

  private static String row(String label, String value) {
    return String.format(Locale.ROOT, "  %-24s %s", label, value);
  }

  private void startPublishing(String stream) {
    long start = System.nanoTime();
    int base = nextN.get();
    publishTimer = vertx.setPeriodic(5, id -> {
      long due = base + (System.nanoTime() - start) * rate / 1_000_000_000L;
      while (nextN.get() <= due && nextN.get() < ledger.capacity()) {
        if (inFlight.get() >= 500) {
          return; // the cluster is not answering: do not pile up requests
        }
        publishOne(stream);
      }
    });
  }

  private void publishOne(String stream) {
    int n = nextN.getAndIncrement();
    if (n >= ledger.capacity()) {
      return;
    }
    ledger.sent(n, System.nanoTime());
    inFlight.incrementAndGet();
    publisher.publish(stream, null, "{\"n\":" + n + "}", "drill-" + n).onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.succeeded()) {
        ledger.acked(n, System.nanoTime());
        if (ar.result().attempts() > 1) {
          retried.incrementAndGet();
        }
      } else {
        ledger.failed(n);
        publishFailures.incrementAndGet();
        note("publish " + n + " failed: " + ar.cause().getMessage());
      }
    });
  }

  private void waitFor(String what, Duration timeout, java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  private synchronized void note(String problem) {
    if (failureNotes.size() < 20) {
      failureNotes.add(problem);
    } else if (failureNotes.size() == 20) {
      failureNotes.add("(more problems left out)");
    }
  }

  private void say(String line) {
    System.out.printf(Locale.ROOT, "[%7.1f s] %s%n", (System.nanoTime() - drillStartNanos) / 1e9, line);
    System.out.flush();
  }

  private static String secs(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  private void cleanUp() {
    try {
      if (vertx != null) {
        if (publishTimer >= 0) {
          vertx.cancelTimer(publishTimer);
        }
        for (StreamSubscriber s : subscribers) {
          s.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      // the nodes are stopped below either way
    }
    stopAll();
  }

  /** Stops every node process: SIGTERM (drain) in parallel, SIGKILL what is still running after 30 s. */
  private void stopAll() {
    List<Thread> stoppers = nodes.stream().map(n -> new Thread(() -> {
      try {
        n.terminate(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    })).collect(Collectors.toList());
    stoppers.forEach(Thread::start);
    for (Thread t : stoppers) {
      try {
        t.join(40_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    killAll();
  }

  /** Last resort (also the JVM shutdown hook): SIGKILL every node still running, by pid. */
  private void killAll() {
    for (NodeProcess n : nodes) {
      try {
        n.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
