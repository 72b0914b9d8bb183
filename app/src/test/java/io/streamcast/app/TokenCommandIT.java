package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code java -jar streamcast.jar token} as the README uses it: the token alone on stdout, the secret from the environment. */
class TokenCommandIT {

  @Test
  void printsOnlyTheToken() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        System.getProperty("streamcast.jar", "target/streamcast.jar"), "token", "--sub", "alice", "--sub-streams",
        "chat.*", "--pub-streams", "chat.*", "--ttl", "1h");
    pb.environment().put("STREAMCAST_JWT_SECRET", "token-it-secret-0123456789");
    Process p = pb.start();
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits by itself");
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), err);
      List<String> lines = out.lines().toList();
      assertEquals(1, lines.size(), out);
      assertEquals("alice", TokenCommandTest.claims(lines.get(0)).getString("sub"));
      assertTrue(!out.contains("token-it-secret") && !err.contains("token-it-secret"), "the secret is never printed");
    } finally {
      p.destroyForcibly();
    }
  }
}
