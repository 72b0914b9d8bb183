package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15: a member paused past failure detection ({@code SIGSTOP} for 12 s, then {@code SIGCONT})
 * comes back as a cluster of its own. It must say it has no quorum ({@code /ready} 503), must not
 * acknowledge a publish (which the merge would discard), and once merged back must serve exactly
 * the majority's history: every event acknowledged anywhere, once, in order.
 *
 * <p>A failsafe test: signals need real processes. {@code mvn -B -pl app -am verify -Dit.test=HungMemberIT}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HungMemberIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(8);

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final String stream = "hung-" + UUID.randomUUID().toString().substring(0, 8);
  /** Data of every publish answered 201, in the order the answers came (publishes are sequential). */
  private final List<String> acked = new ArrayList<>();

  @BeforeEach
  void startNodes() throws Exception {
    String clusterName = "hung-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> ports = List.of(TestCluster.freePort(), TestCluster.freePort(), TestCluster.freePort());
    for (int i = 0; i < 3; i++) {
      NodeProcess n = new NodeProcess("node-" + (i + 1), clusterName, ports.get(i), TestCluster.freePort(),
          TestCluster.freePort(), ports);
      // protection off, to see this test fail without it: n.env("STREAMCAST_EXPECTED_MEMBERS", "1");
      nodes.add(n);
      n.start();
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(3, Duration.ofSeconds(60));
    }
  }

  @AfterEach
  void stopNodes() throws InterruptedException {
    for (NodeProcess n : nodes) {
      n.close();
    }
  }

  @Test
  void aMemberBackFromAPauseRefusesWorkUntilItRejoinsThenServesTheMajoritysHistory() throws Exception {
    NodeProcess n1 = nodes.get(0);
    NodeProcess n3 = nodes.get(2);
    for (int i = 0; i < 5; i++) {
      assertEquals(201, publish(n1, "before-" + i), "publish before the pause");
    }

    n3.signal("STOP");
    long resumeAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
    int during = 0;
    List<Integer> duringStatus = new ArrayList<>();
    while (System.nanoTime() < resumeAt) {
      // the majority goes on: some of these wait for n3's backup until n3 is declared dead
      duringStatus.add(publish(n1, "during-" + during++));
      Thread.sleep(200);
    }
    System.out.println("node-1 during the pause: " + duringStatus);
    n3.signal("CONT");
    long resumed = System.nanoTime();

    boolean sawNoQuorum = false;
    boolean rejoined = false;
    List<String> problems = new ArrayList<>();
    List<String> timeline = new ArrayList<>();
    int after = 0;
    while (!rejoined && System.nanoTime() - resumed < TimeUnit.SECONDS.toNanos(30)) {
      HttpResponse<String> ready = get(n3, "/ready");
      boolean noQuorum = ready != null && ready.statusCode() == 503 && ready.body().contains("no quorum");
      sawNoQuorum |= noQuorum;
      String data = "n3-" + after++;
      HttpResponse<String> published = post(n3.publishUrl() + "/streams/" + stream, data);
      if (published != null && published.statusCode() == 201) {
        acked.add(data);
        if (noQuorum) {
          problems.add("201 for " + data + " right after /ready said no quorum");
        }
      } else if (noQuorum && published != null && published.statusCode() == 503) {
        assertTrue(published.body().contains("\"no_quorum\""), published.body());
        assertEquals("2", published.headers().firstValue("Retry-After").orElse(null));
      }
      if (!sawNoQuorum && System.nanoTime() - resumed > TimeUnit.SECONDS.toNanos(10)) {
        problems.add("no /ready 503 'no quorum' within 10 s of SIGCONT, and not rejoined");
        break;
      }
      rejoined = ready != null && ready.statusCode() == 200 && members(n3) == 3;
      timeline.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed) + "ms ready="
          + (ready == null ? "-" : ready.statusCode()) + " publish=" + (published == null ? "-" : published.statusCode()
          + (published.statusCode() == 503 ? published.body().replaceAll(".*\"error\":\"([a-z_]+)\".*", ":$1") : "")));
      // no pause at first: the node may merge back within a second of SIGCONT
      Thread.sleep(after < 20 ? 0 : 250);
    }
    System.out.println("node-3 after SIGCONT: " + timeline);
    assertTrue(problems.isEmpty(), problems + "; see " + n3.log());
    assertTrue(rejoined, "node-3 back in the 3-member cluster within 30 s of SIGCONT; see " + n3.log());

    // ends the stream, so a replay from the start ends too
    assertEquals(201, post(n1.publishUrl() + "/streams/" + stream + "/complete", "").statusCode(), "complete");
    List<String[]> replay = replayFromEarliest(n3);
    List<String> data = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (String[] event : replay) {
      assertTrue(ids.add(event[0]), "id " + event[0] + " given twice: " + replay.size() + " events");
      data.add(event[1]);
    }
    assertEquals(acked, data, "node-3 replays exactly the acknowledged events, in order (" + acked.size()
        + " acknowledged, " + during + " published during the pause); see " + n3.log());
  }

  private int publish(NodeProcess node, String data) throws InterruptedException {
    HttpResponse<String> r = post(node.publishUrl() + "/streams/" + stream, data);
    if (r != null && r.statusCode() == 201) {
      acked.add(data);
    }
    return r == null ? -1 : r.statusCode();
  }

  private static HttpResponse<String> post(String url, String body) throws InterruptedException {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException noAnswer) {
      return null;
    }
  }

  private static HttpResponse<String> get(NodeProcess node, String path) throws InterruptedException {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(node.edgeUrl() + path)).timeout(REQUEST_TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException noAnswer) {
      return null;
    }
  }

  private static int members(NodeProcess node) throws InterruptedException {
    HttpResponse<String> health = get(node, "/health");
    return health == null ? 0 : health.body().split("\"node-", -1).length - 2;
  }

  /** @return {id, data} of each message event of a {@code from=earliest} replay that ends with the stream */
  private List<String[]> replayFromEarliest(NodeProcess node) throws InterruptedException {
    HttpResponse<String> r = get(node, "/streams/" + stream + "?from=earliest");
    assertTrue(r != null && r.statusCode() == 200, "replay answered " + (r == null ? "nothing" : r.statusCode()));
    List<String[]> events = new ArrayList<>();
    for (String block : r.body().split("\n\n")) {
      String id = null;
      String data = null;
      boolean message = true;
      for (String line : block.split("\n")) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.startsWith("event: ")) {
          message = false;
        }
      }
      if (message && data != null) {
        events.add(new String[] {id, data});
      }
    }
    return events;
  }
}
