package io.streamcast.app;

import static io.streamcast.app.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.parsetools.RecordParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge over HTTPS ({@code --tls-cert}, {@code --tls-key}): SSE and NDJSON over HTTP/2 (ALPN h2,
 * where a subscription writes through {@code HttpServerResponse.write}) and over HTTP/1.1 (a client
 * without ALPN), large events through HTTP/2's flow control, and a renewed certificate served to new
 * connections without a restart while an open stream goes on.
 */
class EdgeTlsTest {

  private static TestCluster cluster;
  private static Vertx vertx;
  private static HttpClient h2;
  private static HttpClient h1;
  private static HttpClient plain;
  private static Path dir;
  private static SelfSignedCertificate renewed;

  @BeforeAll
  @Timeout(90)
  static void start() throws Exception {
    dir = Files.createTempDirectory("streamcast-tls");
    SelfSignedCertificate first = SelfSignedCertificate.create("localhost");
    renewed = SelfSignedCertificate.create("localhost");
    Files.copy(Path.of(first.certificatePath()), dir.resolve("cert.pem"));
    Files.copy(Path.of(first.privateKeyPath()), dir.resolve("key.pem"));
    cluster = TestCluster.start(1, Map.of(NodeFlag.TLS_CERT, dir.resolve("cert.pem").toString(),
        NodeFlag.TLS_KEY, dir.resolve("key.pem").toString()));
    vertx = Vertx.vertx();
    h2 = LoopHttpClient.create(vertx, new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2));
    h1 = LoopHttpClient.create(vertx, new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setProtocolVersion(HttpVersion.HTTP_1_1));
    plain = LoopHttpClient.create(vertx);
  }

  @AfterAll
  @Timeout(60)
  static void stop() {
    TestCluster.close(cluster, vertx);
  }

  private static String edge() {
    return "https://127.0.0.1:" + cluster.node(0).httpPort();
  }

  @Test
  @Timeout(60)
  void sseOverHttp2AndHttp11() {
    for (HttpClient client : List.of(h2, h1)) {
      String stream = client == h2 ? "tls.h2" : "tls.h1";
      SseProbe probe = await(SseProbe.open(vertx, client, edge() + "/streams/" + stream));
      assertEquals(200, probe.status());
      assertEquals(client == h2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1, probe.version());
      assertEquals("text/event-stream", probe.headers().get("Content-Type"));
      await(Publishing.publishSequence(plain, cluster.publish(0), stream, "e", 0, 200));
      List<SseEvent> got = await(probe.awaitDataEvents(200, 20_000));
      for (int i = 0; i < 200; i++) {
        assertEquals("e" + i, got.get(i).data(), stream);
      }
      probe.close();
    }
  }

  @Test
  @Timeout(60)
  void ndjsonAndLargeEventsOverHttp2AndHttp11() {
    String big = "x".repeat(300_000);
    await(Publishing.publishSequence(plain, cluster.publish(0), "tls.big", "b", 0, 6, big));
    for (HttpClient client : List.of(h2, h1)) {
      List<String> lines = await(ndjson(client, edge() + "/streams/tls.big?from=earliest", 6));
      for (int i = 0; i < 6; i++) {
        assertEquals("b" + i + ";" + big, new JsonObject(lines.get(i)).getString("data"), "line " + i);
      }
    }
  }

  @Test
  @Timeout(90)
  void aRenewedCertificateIsServedWithoutARestart() throws Exception {
    SseProbe open = await(SseProbe.open(vertx, h1, edge() + "/streams/tls.renew"));
    byte[] before = servedCertificate();
    Path staging = dir.resolve("staging");
    Files.createDirectories(staging);
    Files.copy(Path.of(renewed.certificatePath()), staging.resolve("cert.pem"));
    Files.copy(Path.of(renewed.privateKeyPath()), staging.resolve("key.pem"));
    // as a renewal tool does: each file replaced whole
    Files.move(staging.resolve("key.pem"), dir.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(staging.resolve("cert.pem"), dir.resolve("cert.pem"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    long deadline = System.currentTimeMillis() + 30_000;
    byte[] now = servedCertificate();
    while (java.util.Arrays.equals(now, before) && System.currentTimeMillis() < deadline) {
      Thread.sleep(250);
      now = servedCertificate();
    }
    assertTrue(!java.util.Arrays.equals(now, before), "the renewed certificate is served within 30 s");
    assertArrayEquals(pemCertificate(Path.of(renewed.certificatePath())), now);
    // the stream opened before the renewal goes on
    await(Publishing.publishSequence(plain, cluster.publish(0), "tls.renew", "r", 0, 3));
    assertEquals(3, await(open.awaitDataEvents(3, 10_000)).size());
    open.close();
  }

  /** @return the DER of the certificate the edge presents to a new connection */
  private static byte[] servedCertificate() throws Exception {
    HttpClient once = LoopHttpClient.create(vertx, new HttpClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false).setKeepAlive(false));
    try {
      List<Certificate> chain = await(LoopHttpClient.call(once, () -> once.request(HttpMethod.GET,
              cluster.node(0).httpPort(), "127.0.0.1", "/health")
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> {
            try {
              return req.connection().peerCertificates();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          })))));
      return chain.get(0).getEncoded();
    } finally {
      await(once.close());
    }
  }

  private static byte[] pemCertificate(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
    }
  }

  /** Reads {@code n} NDJSON lines (heartbeat blank lines skipped), then resets the stream. */
  private static Future<List<String>> ndjson(HttpClient client, String url, int n) {
    Promise<List<String>> done = Promise.promise();
    List<String> lines = new CopyOnWriteArrayList<>();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
        .addHeader("Accept", "application/x-ndjson");
    LoopHttpClient.call(client, () -> client.request(options).compose(req -> req.send()).onSuccess(resp -> {
      if (resp.statusCode() != 200) {
        done.tryFail("status " + resp.statusCode());
        return;
      }
      RecordParser parser = RecordParser.newDelimited("\n", line -> {
        if (line.length() > 0 && lines.size() < n) {
          lines.add(line.toString());
          if (lines.size() == n) {
            done.tryComplete(new ArrayList<>(lines));
            resp.request().reset();
          }
        }
      });
      parser.maxRecordSize(1 << 20);
      resp.handler(parser);
      resp.exceptionHandler(e -> done.tryFail(e));
    })).onFailure(done::tryFail);
    vertx.setTimer(20_000, id -> done.tryFail("got " + lines.size() + " of " + n + " lines"));
    return done.future();
  }
}
