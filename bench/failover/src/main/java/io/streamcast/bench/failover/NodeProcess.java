package io.streamcast.bench.failover;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Streamcast node process ({@code java -jar streamcast.jar node ...}) on loopback with ports of its
 * own. It can be killed ({@code SIGKILL}), stopped ({@code SIGTERM}, which drains) and started again on
 * the same ports; every start appends to the same log file. Signals go to the process by its pid.
 */
final class NodeProcess {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final int index;
  private final String java;
  private final List<String> jvmArgs;
  private final String jar;
  private final String clusterName;
  private final String clusterHost;
  private final int clusterPort;
  private final int httpPort;
  private final int publishPort;
  private final String members;
  private final Path log;
  private final Path pidFile;
  private Process process;

  /**
   * @param clusterHost the loopback address Hazelcast and the event bus bind (another 127.x address
   *     lets the drill cut this node off by routing, while its HTTP ports stay on 127.0.0.1)
   */
  NodeProcess(int index, String java, List<String> jvmArgs, String jar, String clusterName, String clusterHost,
      int basePort, String members, Path logDir, Path pidFile) {
    this.clusterHost = clusterHost;
    this.index = index;
    this.java = java;
    this.jvmArgs = jvmArgs;
    this.jar = jar;
    this.clusterName = clusterName;
    this.clusterPort = clusterPort(basePort, index);
    this.httpPort = basePort + 10 + index;
    this.publishPort = basePort + 20 + index;
    this.members = members;
    this.log = logDir.resolve("node-" + (index + 1) + ".log");
    this.pidFile = pidFile;
  }

  static int clusterPort(int basePort, int index) {
    return basePort + index;
  }

  String name() {
    return "node-" + (index + 1);
  }

  String edgeUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  String publishUrl() {
    return "http://127.0.0.1:" + publishPort;
  }

  /** Starts the process (it joins the cluster in the background; see {@link #awaitReady}). */
  synchronized void start() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", jar, "node",
        "--cluster-name", clusterName,
        "--cluster-host", clusterHost,
        "--bind-host", "127.0.0.1",
        "--cluster-port", Integer.toString(clusterPort),
        "--http-port", Integer.toString(httpPort),
        "--publish-port", Integer.toString(publishPort),
        "--members", members,
        "--node-name", name(),
        "--drain-seconds", "20"));
    Files.writeString(log, "=== " + Instant.now() + " start " + String.join(" ", cmd) + "\n",
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    Files.writeString(pidFile, process.pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** @return whether the process runs */
  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** Sends {@code signal} ({@code STOP}, {@code CONT}) to the current process by its pid. */
  synchronized void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** @return the pid of the current process, -1 when none was started */
  synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** Waits until {@code /ready} answers 200 and {@code /health} lists {@code members} members. */
  void awaitReady(int members, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive()) {
        throw new IllegalStateException(name() + " exited while starting (status " + process.exitValue()
            + "); see " + log);
      }
      if (get("/ready") == 200 && membersSeen() >= members) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(name() + " not ready within " + timeout.toSeconds() + " s; see " + log);
  }

  /** @return the status of {@code GET path} on the edge port, or -1 when nothing answers */
  int get(String path) {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(edgeUrl() + path)).timeout(Duration.ofSeconds(2)).build();
      return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  int membersSeen() {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(edgeUrl() + "/health")).timeout(Duration.ofSeconds(2)).build();
      String body = HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body();
      int start = body.indexOf("\"members\":[");
      if (start < 0) {
        return 0;
      }
      int end = body.indexOf(']', start);
      String list = body.substring(start + 11, end);
      return list.isBlank() ? 0 : list.split(",").length;
    } catch (IOException | RuntimeException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** {@code kill -9}: the process dies at once, with no drain. */
  synchronized void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * {@code SIGTERM}: the node drains and exits.
   *
   * @return the exit status, or -1 if it had to be killed after {@code timeout}
   */
  int terminate(Duration timeout) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null || !p.isAlive()) {
      return p == null ? -1 : p.exitValue();
    }
    p.destroy();
    if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return p.exitValue();
    }
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
    return -1;
  }
}
