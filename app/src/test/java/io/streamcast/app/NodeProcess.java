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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Streamcast node as an OS process of the shaded jar ({@code java -jar ... node}, as the README
 * shows) on fixed loopback ports, which can be killed ({@code SIGKILL}),
 * terminated ({@code SIGTERM}: drain) and started again on the same ports. Signals go to its pid.
 */
public final class NodeProcess {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  /** The node's name. */
  public final String name;
  private final List<String> command;
  private final Path log;
  private final Map<String, String> environment;
  private Process process;

  public NodeProcess(String name, String cluster, int clusterPort, int httpPort, int publishPort, List<Integer> members) {
    this(name, cluster, clusterPort, httpPort, publishPort, members,
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
  }

  /** As above, with these JVM options instead of the small, quick-starting defaults. */
  public NodeProcess(String name, String cluster, int clusterPort, int httpPort, int publishPort, List<Integer> members,
      List<String> jvmOptions) {
    this(name, cluster, clusterPort, httpPort, publishPort, members, jvmOptions, "127.0.0.1", List.of(), Map.of());
  }

  /**
   * As above, with the HTTP ports bound to {@code bindHost} (tests still connect to 127.0.0.1),
   * more node flags and more environment variables.
   */
  public NodeProcess(String name, String cluster, int clusterPort, int httpPort, int publishPort, List<Integer> members,
      List<String> jvmOptions, String bindHost, List<String> extraFlags, Map<String, String> environment) {
    String jar = privateJar().toString();
    this.name = name;
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar, "node",
        "--node-name", name, "--cluster-name", cluster, "--bind-host", bindHost, "--cluster-host", "127.0.0.1",
        "--http-port", Integer.toString(httpPort), "--publish-port", Integer.toString(publishPort),
        "--cluster-port", Integer.toString(clusterPort), "--drain-seconds", "20",
        "--members", String.join(",", members.stream().map(p -> "127.0.0.1:" + p).toList())));
    cmd.addAll(extraFlags);
    this.command = List.copyOf(cmd);
    this.environment = Map.copyOf(environment);
    this.log = Path.of("target", "it-" + clusterName(cluster) + "-" + name + ".log");
    this.edgeUrl = "http://127.0.0.1:" + httpPort;
    this.publishUrl = "http://127.0.0.1:" + publishPort;
  }

  private final String edgeUrl;
  private final String publishUrl;

  public String edgeUrl() {
    return edgeUrl;
  }

  public String publishUrl() {
    return publishUrl;
  }

  private static String clusterName(String cluster) {
    return cluster.replaceAll("[^A-Za-z0-9-]", "");
  }

  /**
   * A copy of the shaded jar for these processes: a node started again later must run the same
   * classes even if the jar is rebuilt meanwhile.
   */
  private static boolean copied;

  private static synchronized Path privateJar() {
    Path copy = Path.of("target", "it-jar", "streamcast.jar");
    if (!copied) {
      String jar = System.getProperty("streamcast.jar", "target/streamcast.jar");
      if (!new File(jar).isFile()) {
        throw new IllegalStateException("no jar at " + jar + ": run `mvn verify` (the jar is built by `package`)");
      }
      try {
        Files.createDirectories(copy.getParent());
        Files.copy(Path.of(jar), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        copied = true;
      } catch (IOException e) {
        throw new IllegalStateException("cannot copy " + jar + ": " + e, e);
      }
    }
    return copy;
  }

  private final java.util.Map<String, String> env = new java.util.HashMap<>();

  /** Sets an environment variable (e.g. {@code STREAMCAST_EXPECTED_MEMBERS}) for the next {@link #start()}. */
  public NodeProcess env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public void start() throws IOException {
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    builder.environment().putAll(env);
    process = builder.start();
  }

  /** @return the process id, for signals of the test's own choosing */
  public long pid() {
    return process.pid();
  }

  /**
   * Sends {@code signal} ({@code STOP}, {@code CONT}, ...) to this process with {@code kill}; a
   * stopped process is a member that stops answering without its sockets closing, as in a partition.
   */
  public void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** Waits until {@code /ready} is 200 and {@code /health} lists {@code members} members. */
  public void awaitReady(int members, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
      }
      try {
        int ready = HTTP.send(HttpRequest.newBuilder(URI.create(edgeUrl + "/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        String health = HTTP.send(HttpRequest.newBuilder(URI.create(edgeUrl + "/health")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (ready == 200 && health.split("\"node-", -1).length - 2 >= members) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(name + " not ready within " + timeout + "; see " + log);
  }

  /** Stops it if it still runs ({@code kill -9}): every test ends its processes by pid. */
  public void close() throws InterruptedException {
    kill();
  }

  /** {@code kill -9} (which also ends a stopped process). */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** @return the exit status once it ends by itself within {@code timeout}, -1 if it still runs then */
  public int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** @return the file its output goes to */
  public Path log() {
    return log;
  }

  /** {@code SIGTERM}; @return the exit status, -1 if it had to be killed after {@code timeout} */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return -1;
  }
}
