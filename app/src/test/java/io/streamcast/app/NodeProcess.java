package io.streamcast.app;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Streamcast node as a separate OS process, started from the shaded jar exactly as the README
 * shows ({@code java -jar app/target/streamcast.jar node ...}). Its output goes to a log file under
 * {@code target/}; {@link #close()} stops it by pid.
 */
final class NodeProcess implements AutoCloseable {

  final String name;
  final int httpPort;
  final int publishPort;
  final int clusterPort;
  final Path log;
  private final Process process;

  private NodeProcess(String name, int httpPort, int publishPort, int clusterPort, Path log, Process process) {
    this.name = name;
    this.httpPort = httpPort;
    this.publishPort = publishPort;
    this.clusterPort = clusterPort;
    this.log = log;
    this.process = process;
  }

  /** Starts a node; {@code members} are the cluster ports of every node (itself included). */
  static NodeProcess start(String clusterName, String name, int clusterPort, List<Integer> members) throws IOException {
    String jar = System.getProperty("streamcast.jar", "target/streamcast.jar");
    if (!new File(jar).isFile()) {
      throw new IllegalStateException("no jar at " + jar + ": run `mvn verify` (the jar is built by `package`)");
    }
    int http = TestCluster.freePort();
    int publish = TestCluster.freePort();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar, "node",
        "--node-name", name, "--cluster-name", clusterName, "--bind-host", "127.0.0.1",
        "--http-port", Integer.toString(http), "--publish-port", Integer.toString(publish),
        "--cluster-port", Integer.toString(clusterPort),
        "--members", String.join(",", members.stream().map(p -> "127.0.0.1:" + p).toList())));
    Path log = Path.of("target", "it-" + name + ".log");
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new NodeProcess(name, http, publish, clusterPort, log, p);
  }

  long pid() {
    return process.pid();
  }

  String edge() {
    return "http://127.0.0.1:" + httpPort;
  }

  String publish() {
    return "http://127.0.0.1:" + publishPort;
  }

  /** Waits until {@code /ready} answers 200. */
  void awaitReady(Duration timeout) throws InterruptedException, IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(edge() + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(name + " not ready within " + timeout + ": " + Files.readString(log));
  }

  /** Sends SIGTERM and waits for the drain; @return the exit status, or -1 if it had to be killed. */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
