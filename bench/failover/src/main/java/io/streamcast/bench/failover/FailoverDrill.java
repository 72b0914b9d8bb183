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
  private final java.util.Set<Integer> scenarios;
  private final int hungSeconds;
  /** Loopback address node 3's cluster traffic uses, so routing can cut it off; null: no scenario 4. */
  private final String partitionHost;
  private final String noPartition;
  private String stream;
  /** Id each acknowledged event got, and the event each id was given to (an id given twice is a divergence). */
  private final Map<Integer, String> idOfN = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Integer> nOfId = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger idsGivenTwice = new AtomicInteger();
  /** Extra rows and the verdict of a cut-off scenario, filled by its disruption. */
  private final List<String> cutOffRows = new ArrayList<>();
  private boolean cutOffOk = true;
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
    this.scenarios = java.util.Arrays.stream(opts.getOrDefault("scenarios", "1,2,3,4").split(","))
        .map(String::trim).map(Integer::parseInt).collect(Collectors.toSet());
    this.hungSeconds = intOpt("hung-seconds", 12);
    this.partitionHost = opts.get("partition-host");
    this.noPartition = opts.getOrDefault("no-partition", "scenario 4 needs bench/failover-drill's private network"
        + " namespace (it passes --partition-host)");
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
            + " [--logs bench/failover/target/drill-logs] [--scenarios 1,2,3,4] [--hung-seconds 12]");
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
    String host3 = partitionHost == null ? "127.0.0.1" : partitionHost;
    String members = "127.0.0.1:" + NodeProcess.clusterPort(basePort, 0) + ",127.0.0.1:"
        + NodeProcess.clusterPort(basePort, 1) + "," + host3 + ":" + NodeProcess.clusterPort(basePort, 2);
    List<String> jvm = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC");
    for (int i = 0; i < 3; i++) {
      Files.deleteIfExists(logDir.resolve("node-" + (i + 1) + ".log"));
      nodes.add(new NodeProcess(i, java, jvm, nodeJar.toString(), clusterName, i == 2 ? host3 : "127.0.0.1", basePort,
          members, logDir, pidFile));
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
    stream = "drill." + clusterName;
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

    if (scenarios.contains(1)) runScenario(1, "kill -9 one node mid-stream, restart it", () -> {
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

    if (scenarios.contains(2)) runScenario(2, "rolling restart of all three with SIGTERM", () -> {
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

    if (scenarios.contains(3)) {
      runScenario(3, "hung member: SIGSTOP node-3 for " + hungSeconds + " s (failure detection: 5 s), then SIGCONT",
          () -> {
            NodeProcess victim = nodes.get(2);
            victim.signal("STOP");
            say("SIGSTOP " + victim.name() + " (pid " + victim.pid() + ")");
            Thread.sleep(hungSeconds * 1000L);
            victim.signal("CONT");
            say("SIGCONT " + victim.name());
            watchCutOff(victim, System.nanoTime(), "SIGCONT");
          });
    }
    if (scenarios.contains(4)) {
      if (partitionHost == null) {
        System.out.println();
        say("scenario 4 (network partition) skipped: " + noPartition);
        summary.add("scenario 4: network partition of one node: SKIPPED (" + noPartition + ")");
      } else {
        runScenario(4, "network partition: node-3's cluster traffic (" + partitionHost + ") blackholed for "
            + hungSeconds + " s, then healed", () -> {
              NodeProcess victim = nodes.get(2);
              partition(true);
              long cut = System.nanoTime();
              say("partitioned " + victim.name() + " (routes from and to " + partitionHost + " blackholed)");
              long notReady = -1;
              while (System.nanoTime() - cut < hungSeconds * 1_000_000_000L) {
                if (notReady < 0 && victim.get("/ready") != 200) {
                  notReady = System.nanoTime() - cut;
                }
                Thread.sleep(100);
              }
              partition(false);
              long healed = System.nanoTime();
              say("healed the partition");
              cutOffRows.add(row("cut-off node /ready", notReady < 0
                  ? "still 200 when the partition healed after " + hungSeconds + " s"
                  : "not 200 " + secs(notReady) + " after the cut"));
              cutOffOk &= notReady >= 0 && notReady <= 10_000_000_000L;
              watchRejoin(victim, healed, "the heal");
            });
      }
    }

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
    if (scenario >= 3) {
      int[] history = checkHistory(firstN, lastN);
      out.add(row("acked missing after heal", history[0] + " (history of every node read from the start: "
          + history[1] + " acknowledged events checked per node, " + history[2] + " served twice, " + history[3]
          + " under another id than acknowledged)"));
      out.add(row("ids given twice", Integer.toString(idsGivenTwice.get())));
      out.addAll(cutOffRows);
      ok &= history[0] == 0 && history[2] == 0 && history[3] == 0 && idsGivenTwice.get() == 0 && cutOffOk;
      cutOffRows.clear();
      cutOffOk = true;
    }
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
        idOfN.put(n, ar.result().id());
        Integer other = nOfId.putIfAbsent(ar.result().id(), n);
        if (other != null && other != n) {
          idsGivenTwice.incrementAndGet();
          note("id " + ar.result().id() + " given to event " + other + " and to event " + n);
        }
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

  /**
   * After a hung member resumes: how long until its {@code /ready} stops answering 200 (it cannot
   * answer while stopped), then how long until it is back in the 3-member cluster and ready.
   */
  private void watchCutOff(NodeProcess victim, long from, String event) throws InterruptedException {
    long notReady = -1;
    int firstStatus = 0;
    while (System.nanoTime() - from < 10_000_000_000L) {
      int status = victim.get("/ready");
      if (firstStatus == 0 && status > 0) {
        firstStatus = status;
      }
      if (status > 0 && status != 200) {
        notReady = System.nanoTime() - from;
        break;
      }
      Thread.sleep(50);
    }
    cutOffRows.add(row("cut-off node /ready", notReady < 0 ? "still 200 10 s after " + event
        : "not 200 " + secs(notReady) + " after " + event + " (first answer after " + event + ": " + firstStatus + ")"));
    cutOffOk &= notReady >= 0;
    watchRejoin(victim, from, event);
  }

  private void watchRejoin(NodeProcess victim, long from, String event) throws InterruptedException {
    while (System.nanoTime() - from < 60_000_000_000L) {
      if (victim.get("/ready") == 200 && victim.membersSeen() == 3) {
        long after = System.nanoTime() - from;
        say(victim.name() + " back in the cluster and ready " + secs(after) + " after " + event);
        cutOffRows.add(row("rejoined", secs(after) + " after " + event + " (ready, 3 members)"));
        cutOffOk &= after <= 30_000_000_000L;
        return;
      }
      Thread.sleep(100);
    }
    cutOffRows.add(row("rejoined", "NOT within 60 s of " + event));
    cutOffOk = false;
  }

  /** Cuts node-3's cluster address off (or heals it) by routing, inside the drill's own network namespace. */
  private void partition(boolean cut) throws Exception {
    List<List<String>> commands = cut
        ? List.of(
            // the local table first answers every 127.x address: move it behind the blackhole rules
            List.of("ip", "rule", "add", "pref", "100", "lookup", "local"),
            List.of("ip", "rule", "del", "pref", "0", "lookup", "local"),
            List.of("ip", "rule", "add", "pref", "10", "from", partitionHost, "blackhole"),
            List.of("ip", "rule", "add", "pref", "11", "to", partitionHost, "blackhole"))
        : List.of(
            List.of("ip", "rule", "del", "pref", "10"),
            List.of("ip", "rule", "del", "pref", "11"),
            List.of("ip", "rule", "add", "pref", "0", "lookup", "local"),
            List.of("ip", "rule", "del", "pref", "100"));
    for (List<String> c : commands) {
      Process p = new ProcessBuilder(c).inheritIO().start();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", c) + " failed");
      }
    }
  }

  /**
   * Reads the stream's history from the start on every node (NDJSON) and checks each acknowledged
   * event of [firstN, lastN]: there, once, under the id it was acknowledged with.
   *
   * @return {missing (summed over nodes), checked per node, served twice, under another id}
   */
  private int[] checkHistory(int firstN, int lastN) {
    int missing = 0;
    int twice = 0;
    int otherId = 0;
    int checked = 0;
    for (NodeProcess node : nodes) {
      Map<Integer, String> served = new java.util.HashMap<>();
      try {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        // read up to the newest event as of now: retried publishes append out of n's order, so the
        // first n >= lastN seen is not the end of the scenario's events
        String lastId = new io.vertx.core.json.JsonObject(http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(node.edgeUrl() + "/streams/" + stream + "/info")).timeout(Duration.ofSeconds(10))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()).getString("lastId");
        java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.edgeUrl()
            + "/streams/" + stream + "?from=earliest")).header("Accept", "application/x-ndjson")
            .timeout(Duration.ofSeconds(30)).build();
        java.net.http.HttpResponse<java.util.stream.Stream<String>> r = http.send(req,
            java.net.http.HttpResponse.BodyHandlers.ofLines());
        try (java.util.stream.Stream<String> lines = r.body()) {
          java.util.Iterator<String> it = lines.iterator();
          while (it.hasNext()) {
            io.vertx.core.json.JsonObject e = new io.vertx.core.json.JsonObject(it.next());
            if (!"message".equals(e.getString("event", "message"))) {
              if (String.valueOf(e.getString("id")).equals(lastId)) {
                break;
              }
              continue;
            }
            int n = new io.vertx.core.json.JsonObject(e.getString("data")).getInteger("n");
            if (served.put(n, e.getString("id")) != null && n >= firstN && n <= lastN) {
              twice++;
            }
            if (e.getString("id").equals(lastId)) {
              break;
            }
          }
        }
      } catch (Exception e) {
        note(node.name() + ": history read failed: " + e);
      }
      checked = 0;
      for (int n = firstN; n <= lastN; n++) {
        if (!ledger.acked(n)) {
          continue;
        }
        checked++;
        String id = served.get(n);
        if (id == null) {
          missing++;
        } else if (!id.equals(idOfN.get(n))) {
          otherId++;
        }
      }
    }
    return new int[] {missing, checked, twice, otherId};
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
