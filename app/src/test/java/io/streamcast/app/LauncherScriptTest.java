package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/streamcast}'s java command, without running it ({@code STREAMCAST_DRY_RUN}): the measured
 * options from {@code config/jvm.options}, the heap from a (fake) cgroup limit or machine memory, the
 * user's options after them, every argument passed on. The launcher is run for real in LauncherScriptIT.
 */
class LauncherScriptTest {

  /** bench/fanout's tuned options (README, Performance), without the heap, which the launcher sizes. */
  static final List<String> MEASURED = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmn32m", "-Xss256k");

  @TempDir
  Path dir;
  private Path meminfo;
  private Path cgroup;

  @BeforeEach
  void machine() throws Exception {
    meminfo = dir.resolve("meminfo");
    Files.writeString(meminfo, "MemTotal:       24683584 kB\nMemFree:         1000000 kB\n");
    cgroup = Files.createDirectories(dir.resolve("cgroup"));
  }

  private Map<String, String> env(String... kv) {
    java.util.Map<String, String> m = new java.util.HashMap<>(Map.of(
        "STREAMCAST_MEMINFO", meminfo.toString(), "STREAMCAST_CGROUP_ROOT", cgroup.toString(),
        "STREAMCAST_JAR", dir.resolve("streamcast.jar").toString()));
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private List<String> command(Map<String, String> env, String... args) throws Exception {
    Files.writeString(dir.resolve("streamcast.jar"), "");
    return Launcher.dryRun(env, args);
  }

  @Test
  void defaultIsTheMeasuredOptionsWithTheMeasuredHeapAndEveryArgumentPassedOn() throws Exception {
    List<String> cmd = command(env(), "node", "--http-port", "9", "--node-name", "a b");
    assertTrue(cmd.get(0).endsWith("/bin/java"), cmd.toString());
    assertEquals(MEASURED, cmd.subList(1, 5));
    // 24 GiB and no container limit: half of it, bounded by the heap the benchmarks measured
    assertEquals("-Xmx512m", cmd.get(5));
    assertEquals(List.of("-jar", dir.resolve("streamcast.jar").toString(), "node", "--http-port", "9", "--node-name",
        "a b"), cmd.subList(6, cmd.size()));
  }

  @Test
  void heapFollowsTheContainersLimitCgroupV2() throws Exception {
    Files.writeString(cgroup.resolve("memory.max"), "536870912\n");   // 512 MiB
    assertTrue(command(env()).contains("-Xmx256m"));
    Files.writeString(cgroup.resolve("memory.max"), "max\n");
    assertTrue(command(env()).contains("-Xmx512m"), "no limit: the machine's memory");
  }

  @Test
  void heapFollowsTheContainersLimitCgroupV1AndIgnoresItsNoLimitValue() throws Exception {
    Path v1 = Files.createDirectories(cgroup.resolve("memory"));
    Files.writeString(v1.resolve("memory.limit_in_bytes"), "402653184\n");   // 384 MiB
    assertTrue(command(env()).contains("-Xmx192m"));
    Files.writeString(v1.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
    assertTrue(command(env()).contains("-Xmx512m"));
    Files.writeString(v1.resolve("memory.limit_in_bytes"), "134217728\n");   // 128 MiB: not below the floor
    assertTrue(command(env()).contains("-Xmx128m"));
  }

  @Test
  void streamcastHeapTakesASizeOrAShareOfTheLimit() throws Exception {
    Files.writeString(cgroup.resolve("memory.max"), Long.toString(2L << 30));   // 2 GiB
    assertTrue(command(env("STREAMCAST_HEAP", "50%")).contains("-Xmx1024m"));
    assertTrue(command(env("STREAMCAST_HEAP", "1536m")).contains("-Xmx1536m"));
    Map.Entry<Integer, String> bad = Launcher.failure(env("STREAMCAST_HEAP", "lots"));
    assertEquals(2, bad.getKey());
    assertTrue(bad.getValue().startsWith("streamcast: STREAMCAST_HEAP must be"), bad.getValue());
  }

  @Test
  void usersOptionsComeLastAndTheirCollectorReplacesTheFilesOne() throws Exception {
    List<String> cmd = command(env("JAVA_OPTS", "-Xmx1g -XX:+UseG1GC", "STREAMCAST_JAVA_OPTS", "-Dx=1"));
    assertFalse(cmd.contains("-XX:+UseSerialGC"), "two collectors would stop the JVM: " + cmd);
    int jar = cmd.indexOf("-jar");
    assertEquals(List.of("-Xmx1g", "-XX:+UseG1GC", "-Dx=1"), cmd.subList(jar - 3, jar));
    assertTrue(cmd.indexOf("-Xmx512m") < cmd.indexOf("-Xmx1g"), "the JVM takes the last -Xmx: the user's");
  }

  @Test
  void missingJarIsOneLineAndExit2() throws Exception {
    Map.Entry<Integer, String> r = Launcher.failure(env("STREAMCAST_JAR", dir.resolve("none.jar").toString()));
    assertEquals(2, r.getKey());
    assertTrue(r.getValue().startsWith("streamcast: no jar at "), r.getValue());
  }
}
