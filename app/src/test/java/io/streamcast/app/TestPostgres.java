package io.streamcast.app;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for one test class: {@code initdb} on a fresh directory under /tmp, then
 * {@code pg_ctl start} on a free port of 127.0.0.1 (as the {@code postgres} user when the tests run
 * as root: the server refuses to run as root). Stopped by its postmaster's pid.
 */
final class TestPostgres implements AutoCloseable {

  private final Path dir;
  private final int port;
  private final boolean asPostgres;
  private long pid = -1;

  private TestPostgres(Path dir, int port, boolean asPostgres) {
    this.dir = dir;
    this.port = port;
    this.asPostgres = asPostgres;
  }

  /** @return the directory of the server's binaries, null when PostgreSQL is not installed */
  static Path binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.naturalOrder()).orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** Initialises and starts a server; fails the test if PostgreSQL is missing. */
  static TestPostgres start() throws IOException, InterruptedException {
    Path bin = binaries();
    if (bin == null) {
      throw new IllegalStateException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
          + ".ci/run installs it with apt-get");
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "streamcast-pg-");
    TestPostgres pg = new TestPostgres(dir, TestPorts.free(), root);
    try {
      if (root) {
        run(List.of("chown", "postgres:postgres", dir.toString()), false);
      }
      Path data = dir.resolve("data");
      pg.run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
          "-E", "UTF8", "--locale=C", "--no-sync"));
      pg.run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
          "-w", "-t", "60", "-o", "-k " + dir + " -p " + pg.port + " -c listen_addresses=127.0.0.1 -c fsync=off",
          "start"));
      List<String> pidFile = Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      pg.pid = Long.parseLong(pidFile.get(0).trim());
    } catch (IOException | RuntimeException e) {
      pg.close();
      throw e;
    }
    return pg;
  }

  /** @return a URL for the export job */
  String url() {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  int port() {
    return port;
  }

  private void run(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    run(full, true);
  }

  private static void run(List<String> command, boolean quiet) throws IOException, InterruptedException {
    File out = File.createTempFile("streamcast-pg-cmd", ".log");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("failed (" + p.exitValue() + "): " + command + "\n"
            + Files.readString(out.toPath()));
      }
    } finally {
      out.delete();
    }
  }

  /** Fast shutdown (SIGINT to the postmaster, by its pid), then the directory goes. */
  @Override
  public void close() {
    if (pid > 0) {
      ProcessHandle.of(pid).ifPresent(h -> {
        try {
          run(List.of("kill", "-INT", Long.toString(pid)), false);
          h.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          h.destroyForcibly();
        }
      });
      pid = -1;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless
    }
  }
}
