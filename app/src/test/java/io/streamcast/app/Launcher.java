package io.streamcast.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/streamcast} (the launcher the README, the image and the manifests use) from a test. */
final class Launcher {

  private Launcher() {
  }

  /** @return the repository's root (the app module's tests run in {@code app/}) */
  static Path home() {
    return Path.of(System.getProperty("streamcast.home", "..")).toAbsolutePath().normalize();
  }

  /** @return a process builder for {@code bin/streamcast args}, with this JVM's java and the built jar */
  static ProcessBuilder builder(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", home().resolve("bin/streamcast").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> e = pb.environment();
    // only what a test sets: a developer's own JAVA_OPTS or STREAMCAST_* must not leak into the node
    e.keySet().removeIf(k -> k.startsWith("STREAMCAST_") || k.equals("JAVA_OPTS"));
    e.put("JAVA_HOME", System.getProperty("java.home"));
    e.put("STREAMCAST_JAR", Path.of(System.getProperty("streamcast.jar", "target/streamcast.jar")).toAbsolutePath()
        .toString());
    e.putAll(env);
    return pb;
  }

  /** @return the java command the launcher would run, one word an element ({@code STREAMCAST_DRY_RUN}) */
  static List<String> dryRun(Map<String, String> env, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = builder(env, args);
    pb.environment().put("STREAMCAST_DRY_RUN", "1");
    Process p = pb.redirectError(ProcessBuilder.Redirect.PIPE).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("launcher failed (" + (p.isAlive() ? "hung" : p.exitValue()) + "): " + err);
      }
      return out.lines().toList();
    } finally {
      p.destroyForcibly();
    }
  }

  /** @return the launcher's exit status and stderr for a run that must end by itself */
  static Map.Entry<Integer, String> failure(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    ProcessBuilder pb = builder(env, args);
    pb.environment().put("STREAMCAST_DRY_RUN", "1");
    Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("launcher hung");
      }
      return Map.entry(p.exitValue(), err);
    } finally {
      p.destroyForcibly();
    }
  }
}
