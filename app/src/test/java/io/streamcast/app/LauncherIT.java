package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar's command line as a user meets it: a bad flag or a busy port is one line and a non-zero exit. */
class LauncherIT {

  private record Outcome(int exit, List<String> stderr) {
  }

  private static Outcome run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("streamcast.jar", "target/streamcast.jar")));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits by itself");
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return new Outcome(p.exitValue(), err.isEmpty() ? List.of() : err.lines().toList());
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void unknownFlagIsOneLineAndExit2() throws Exception {
    Outcome o = run("node", "--no-such-flag", "1");
    assertEquals(2, o.exit());
    assertEquals(1, o.stderr().size(), o.stderr().toString());
    assertTrue(o.stderr().get(0).startsWith("streamcast: ") && o.stderr().get(0).contains("--no-such-flag"), o.stderr().get(0));
  }

  @Test
  void badValueNamesTheFlag() throws Exception {
    Outcome o = run("node", "--http-port", "eighty");
    assertEquals(2, o.exit());
    assertEquals(List.of("streamcast: --http-port must be a whole number, got 'eighty'"), o.stderr());
  }

  @Test
  void busyPortIsOneLineAndExit1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Outcome o = run("node", "--bind-host", "127.0.0.1", "--http-port", Integer.toString(taken.getLocalPort()),
          "--publish-port", Integer.toString(TestPorts.free()), "--cluster-port", Integer.toString(TestPorts.free()));
      assertEquals(1, o.exit());
      assertEquals(1, o.stderr().size(), o.stderr().toString());
      assertTrue(o.stderr().get(0).contains("--http-port") && o.stderr().get(0).contains(Integer.toString(taken.getLocalPort())),
          o.stderr().get(0));
    }
  }

  @Test
  void bothJwtKeysAreOneLineAndExit2(@TempDir Path dir) throws Exception {
    Outcome o = run("node", "--jwt-secret", "s3cret", "--jwt-public-key", dir.resolve("key.pem").toString());
    assertEquals(2, o.exit());
    assertEquals(List.of("streamcast: --jwt-secret and --jwt-public-key exclude each other: give one key"), o.stderr());
  }

  @Test
  void missingPublicKeyFileIsOneLineAndExit2(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.pem");
    Outcome o = run("node", "--jwt-public-key", missing.toString());
    assertEquals(2, o.exit());
    assertEquals(List.of("streamcast: --jwt-public-key: cannot read " + missing + ": no such file"), o.stderr());
  }

  @Test
  void configFileUnknownKeyIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, "http-port: 9999\nhttp-prot: 1\n");
    Outcome o = run("node", "--config", file.toString());
    assertEquals(2, o.exit());
    assertEquals(1, o.stderr().size(), o.stderr().toString());
    assertTrue(o.stderr().get(0).contains("unknown key 'http-prot'"), o.stderr().get(0));
  }
}
