package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code Dockerfile}, read statically (no Docker engine can run here): multi-stage, every base image
 * pinned to an exact release or digest, the runtime stage running as a numeric non-root user, exposing the
 * node's default ports, packing the jar, the launcher and its options, and starting through the launcher.
 */
class DockerfileTest {

  /** Where the image puts the launcher; the manifests' command is the same path (ManifestsTest). */
  static final String ENTRYPOINT = "/opt/streamcast/bin/streamcast";

  @Test
  void imageIsPinnedNonRootAndStartsThroughTheLauncher() throws Exception {
    List<String> lines = new ArrayList<>();
    for (String l : Files.readAllLines(Launcher.home().resolve("Dockerfile"))) {
      if (!l.isBlank() && !l.stripLeading().startsWith("#")) {
        lines.add(l.strip());
      }
    }
    List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertTrue(froms.size() >= 2, "multi-stage: " + froms);
    Pattern pinned = Pattern.compile("FROM (\\S+?)(?::([\\w.-]+))?(@sha256:[0-9a-f]{64})?(?: AS \\w+)?");
    for (String from : froms) {
      Matcher m = pinned.matcher(from);
      assertTrue(m.matches(), from);
      boolean digest = m.group(3) != null;
      boolean exactTag = m.group(2) != null && m.group(2).matches(".*\\d+\\.\\d+\\.\\d+.*") && !m.group(2).contains("latest");
      assertTrue(digest || exactTag, "base image pinned to a release or digest: " + from);
    }
    // the runtime stage: everything after the last FROM
    List<String> runtime = lines.subList(lines.indexOf(froms.get(froms.size() - 1)), lines.size());
    String user = runtime.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
    String uid = user.substring(5).split(":")[0];
    assertTrue(uid.matches("\\d+") && Integer.parseInt(uid) > 0, "numeric non-root user: " + user);

    List<String> exposed = runtime.stream().filter(l -> l.startsWith("EXPOSE ")).flatMap(l -> Arrays.stream(l.substring(7).split("\\s+")))
        .toList();
    assertEquals(List.of(NodeFlag.HTTP_PORT.defaultValue(), NodeFlag.PUBLISH_PORT.defaultValue(),
        NodeFlag.CLUSTER_PORT.defaultValue()), exposed);

    assertTrue(runtime.contains("ENTRYPOINT [\"" + ENTRYPOINT + "\"]"), "entrypoint through the launcher");
    assertTrue(runtime.contains("CMD [\"node\"]"));
    String all = String.join("\n", lines);
    for (String packed : List.of("app/target/streamcast.jar", "bin/streamcast", "config/jvm.options")) {
      assertTrue(all.contains("COPY " + packed + " "), "packs " + packed);
    }
    assertFalse(runtime.stream().anyMatch(l -> l.startsWith("VOLUME")), "no anonymous volumes: /tmp is the deployer's");
  }
}
