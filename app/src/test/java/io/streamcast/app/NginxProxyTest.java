package io.streamcast.app;

import static io.streamcast.app.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes behind a real nginx (Debian's package) configured with {@code docs/nginx/streamcast.conf}
 * as documented (only its two marked addresses replaced): events arrive one by one, each before the
 * next is published, so nothing buffers them; a client that reconnects with {@code Last-Event-ID}
 * through nginx (round robin, so on the other node) gets exactly the events it missed.
 *
 * <p>nginx runs in the foreground as one process ({@code master_process off}), with its pid, logs and
 * temporary files in a directory of its own, listening on 127.0.0.1 only, and is stopped by the test.
 */
class NginxProxyTest {

  private static final Path NGINX = Path.of("/usr/sbin/nginx");
  private static final Path DOCUMENTED = Path.of(System.getProperty("maven.multiModuleProjectDirectory",
      ".."), "docs", "nginx", "streamcast.conf");

  private static TestCluster cluster;
  private static Process nginx;
  private static Path dir;
  private static String proxy;
  private static Vertx vertx;
  private static HttpClient client;

  @BeforeAll
  @Timeout(120)
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(NGINX),
        "nginx test skipped: needs Debian's nginx (/usr/sbin/nginx): apt-get install -y nginx");
    Path conf = Files.isReadable(DOCUMENTED) ? DOCUMENTED : Path.of("..", "docs", "nginx", "streamcast.conf");
    cluster = TestCluster.start(2);
    int port = TestPorts.free();
    String documented = Files.readString(conf);
    String site = documented
        .replace("    server 127.0.0.1:8080;", "    server 127.0.0.1:" + cluster.node(0).httpPort() + ";\n"
            + "    server 127.0.0.1:" + cluster.node(1).httpPort() + ";")
        .replace("    listen 80;", "    listen 127.0.0.1:" + port + ";");
    assertTrue(!site.equals(documented) && !site.contains("listen 80;") && !site.contains(":8080;"),
        "the documented configuration still has its two marked addresses");
    dir = Files.createTempDirectory("streamcast-nginx");
    Files.writeString(dir.resolve("streamcast.conf"), site);
    Path main = dir.resolve("nginx.conf");
    Files.writeString(main, String.join("\n",
        "pid " + dir.resolve("nginx.pid") + ";",
        "error_log " + dir.resolve("error.log") + " info;",
        "events { worker_connections 256; }",
        "http {",
        "  access_log " + dir.resolve("access.log") + ";",
        "  client_body_temp_path " + dir.resolve("client_body") + ";",
        "  proxy_temp_path " + dir.resolve("proxy") + ";",
        "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
        "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
        "  scgi_temp_path " + dir.resolve("scgi") + ";",
        "  include " + dir.resolve("streamcast.conf") + ";",
        "}", ""));
    nginx = new ProcessBuilder(NGINX.toString(), "-p", dir.toString(), "-c", main.toString(), "-e",
        dir.resolve("error.log").toString(), "-g", "daemon off; master_process off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    proxy = "http://127.0.0.1:" + port;
    long deadline = System.currentTimeMillis() + 15_000;
    while (!listening(port)) {
      if (!nginx.isAlive() || System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("stdout.log"))
            + Files.readString(dir.resolve("error.log")));
      }
      Thread.sleep(50);
    }
    vertx = Vertx.vertx();
    client = LoopHttpClient.create(vertx);
  }

  @AfterAll
  @Timeout(60)
  static void stop() throws Exception {
    if (nginx != null) {
      // SIGTERM: nginx's fast shutdown; it is this test's own process, stopped by its pid
      nginx.destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (vertx != null) {
      await(vertx.close());
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  @Timeout(90)
  void eventsArriveOneByOneAndResumeWorksThroughNginx() {
    SseProbe probe = await(SseProbe.open(vertx, client, proxy + "/streams/proxied"));
    assertEquals(200, probe.status());
    assertEquals("text/event-stream", probe.headers().get("Content-Type"));
    assertNull(probe.headers().get("Content-Encoding"));
    for (int i = 0; i < 5; i++) {
      assertEquals(201, await(Publishing.publish(client, cluster.publish(i % 2), "proxied", "e" + i)).status());
      // the event must be through before the next is published: a buffering proxy would hold it
      await(probe.awaitDataEvents(i + 1, 5_000));
    }
    List<SseEvent> seen = probe.dataEvents();
    assertEquals(List.of("e0", "e1", "e2", "e3", "e4"), seen.stream().map(SseEvent::data).toList());
    String lastId = seen.get(2).id();
    probe.close();

    for (int i = 5; i < 8; i++) {
      assertEquals(201, await(Publishing.publish(client, cluster.publish(0), "proxied", "e" + i)).status());
    }
    // two resumes in a row: with two upstreams in round robin, at least one is on each node
    for (int attempt = 0; attempt < 2; attempt++) {
      SseProbe resumed = await(SseProbe.open(vertx, client, proxy + "/streams/proxied", Map.of("Last-Event-ID", lastId)));
      assertEquals(200, resumed.status());
      List<SseEvent> got = await(resumed.awaitDataEvents(5, 10_000));
      assertEquals(List.of("e3", "e4", "e5", "e6", "e7"), got.stream().map(SseEvent::data).toList());
      resumed.close();
    }
  }

  @Test
  @Timeout(30)
  void metricsStayInside() {
    assertEquals(404, await(Publishing.get(client, proxy + "/metrics", Map.of())).status());
    assertEquals(200, await(Publishing.get(client, proxy + "/health", Map.of())).status());
  }
}
