package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15: a member paused past failure detection ({@code SIGSTOP} for 12 s, then {@code SIGCONT})
 * comes back as a cluster of its own. It must stop answering {@code /ready} 200, must never acknowledge
 * a publish the merge would discard (nor hand out an id the majority gave to another event), and once
 * merged back must serve exactly the majority's history: every event acknowledged anywhere, once, in
 * order, under the id it was acknowledged with.
 *
 * <p>Six streams, so that (with 271 partitions over 3 members) the paused node owns some and backs up
 * others. Publishes carry an {@code Idempotency-Key} and the majority's are retried until {@code 201},
 * as a client does after a {@code 503} whose outcome is unknown; the node back from the pause gets one
 * try per event, and whatever it did not acknowledge may or may not be in history, at most once.
 *
 * <p>A failsafe test: signals need real processes.
 * {@code mvn -B -pl app -am verify -Dit.test=HungMemberIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false};
 * add {@code -Dstreamcast.it.quorum=off} to run the nodes with {@code --expected-members 1} (no
 * protection) and see it fail.
 */
@Timeout(value = 200, unit = TimeUnit.SECONDS)
class HungMemberIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(8);
  private static final int STREAMS = 6;
  private static final long PAUSE_SECONDS = 12;

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final String prefix = "hung-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  /** Per stream, data of each acknowledged publish in the order of its acknowledgement (sequential per stream). */
  private final Map<String, List<String>> acked = new LinkedHashMap<>();
  /** Id each acknowledged data was given. */
  private final Map<String, String> idOf = new HashMap<>();
  /** Data each id was given to: the same id for two events is an id given twice. */
  private final Map<String, String> dataOfId = new HashMap<>();
  /** Data published without a 201 (unknown outcome): may be in history, at most once. */
  private final List<String> unknown = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();

  @BeforeEach
  void startNodes() throws Exception {
    String clusterName = "hung-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> ports = List.of(TestPorts.free(), TestPorts.free(), TestPorts.free());
    for (int i = 0; i < 3; i++) {
      NodeProcess n = new NodeProcess("node-" + (i + 1), clusterName, ports.get(i), TestPorts.free(),
          TestPorts.free(), ports);
      if ("off".equals(System.getProperty("streamcast.it.quorum"))) {
        n.env("STREAMCAST_EXPECTED_MEMBERS", "1");
      }
      nodes.add(n);
      n.start();
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(3, Duration.ofSeconds(60));
    }
    for (int s = 0; s < STREAMS; s++) {
      acked.put(prefix + s, new ArrayList<>());
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
    for (int i = 0; i < 2 * STREAMS; i++) {
      publishUntilAcked(n1, prefix + (i % STREAMS), "before-" + i);
    }

    n3.signal("STOP");
    long resumeAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(PAUSE_SECONDS);
    int during = 0;
    List<String> duringTries = new ArrayList<>();
    while (System.nanoTime() < resumeAt) {
      // the majority goes on; a publish in flight while node-3 is dropped may answer 503 (unknown
      // outcome) and is retried with its key, as a client would
      duringTries.add(Integer.toString(publishUntilAcked(n1, prefix + (during % STREAMS), "during-" + during)));
      during++;
      Thread.sleep(100);
    }
    System.out.println("node-1 during the pause, tries per event: " + duringTries);
    n3.signal("CONT");
    long resumed = System.nanoTime();

    Long notReadyAfter = null;
    boolean rejoined = false;
    List<String> timeline = new ArrayList<>();
    int after = 0;
    HttpResponse<String> readyBefore = get(n3, "/ready");
    while (!rejoined && System.nanoTime() - resumed < TimeUnit.SECONDS.toNanos(30)) {
      String stream = prefix + (after % STREAMS);
      String data = "n3-" + after++;
      HttpResponse<String> published = post(n3.publishUrl() + "/streams/" + stream, data, "k-" + data);
      HttpResponse<String> readyAfter = get(n3, "/ready");
      long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
      if (notReadyAfter == null && readyAfter != null && readyAfter.statusCode() == 503) {
        notReadyAfter = at;
      }
      if (published != null && published.statusCode() == 201) {
        acknowledged(stream, data, published);
        if (noQuorum(readyBefore) && noQuorum(readyAfter)) {
          problems.add("201 for " + data + " at " + at + " ms, between two /ready answers saying no quorum");
        }
      } else {
        unknown.add(data);
        if (published != null && published.statusCode() == 503 && noQuorum(readyBefore)) {
          String code = new JsonObject(published.body()).getString("error");
          assertTrue(code.equals("no_quorum") || code.equals("unavailable"), published.body());
          assertTrue(published.headers().firstValue("Retry-After").isPresent(), "Retry-After on " + published.body());
        }
      }
      rejoined = notReadyAfter != null && readyAfter != null && readyAfter.statusCode() == 200 && members(n3) == 3;
      timeline.add(at + "ms publish=" + (published == null ? "-" : published.statusCode()
          + (published.statusCode() == 503 ? published.body().replaceAll(".*\"error\":\"([a-z_]+)\".*", ":$1") : ""))
          + " ready=" + (readyAfter == null ? "-" : readyAfter.statusCode()));
      readyBefore = readyAfter;
      // no pause at first: the node may notice, and merge back, within a second or two of SIGCONT
      Thread.sleep(after < 40 ? 0 : 200);
    }
    System.out.println("node-3 after SIGCONT: " + timeline);
    if (notReadyAfter == null || notReadyAfter > 10_000) {
      problems.add("node-3 did not stop answering /ready 200 within 10 s of SIGCONT (" + notReadyAfter + " ms)");
    }
    while (!rejoined && System.nanoTime() - resumed < TimeUnit.SECONDS.toNanos(60)) {
      HttpResponse<String> ready = get(n3, "/ready");
      rejoined = ready != null && ready.statusCode() == 200 && members(n3) == 3;
      Thread.sleep(200);
    }
    long rejoinedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
    System.out.println("node-3: /ready 503 after " + notReadyAfter + " ms, back and ready after " + rejoinedAfter
        + " ms");
    assertTrue(rejoined, "node-3 back in the 3-member cluster and ready within 60 s of SIGCONT; see " + n3.log());
    if (rejoinedAfter > 30_000) {
      problems.add("node-3 rejoined only " + rejoinedAfter + " ms after SIGCONT (more than 30 s)");
    }

    for (String stream : acked.keySet()) {
      // ends the stream, so a replay from the start ends too
      HttpResponse<String> complete = post(n1.publishUrl() + "/streams/" + stream + "/complete", "", null);
      assertEquals(201, complete == null ? -1 : complete.statusCode(), "complete " + stream);
      for (NodeProcess n : List.of(n3, n1)) {
        checkReplay(n, stream);
      }
    }
    assertTrue(problems.isEmpty(), problems + "; see " + n3.log());
  }

  /** Every acknowledged event once, in order, with its id; unacknowledged ones at most once; nothing else. */
  private void checkReplay(NodeProcess node, String stream) throws InterruptedException {
    List<String[]> replay = replayFromEarliest(node, stream);
    List<String> ackedHere = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String[] event : replay) {
      String id = event[0];
      String data = event[1];
      if (seen.merge(data, 1, Integer::sum) > 1) {
        problems.add(node.name + " " + stream + ": " + data + " twice");
      }
      if (idOf.containsKey(data)) {
        ackedHere.add(data);
        if (!idOf.get(data).equals(id)) {
          problems.add(node.name + " " + stream + ": " + data + " acknowledged as " + idOf.get(data) + ", served as "
              + id);
        }
      } else if (!unknown.contains(data)) {
        problems.add(node.name + " " + stream + ": " + data + " was never published");
      }
    }
    if (!ackedHere.equals(acked.get(stream))) {
      List<String> missing = new ArrayList<>(acked.get(stream));
      missing.removeAll(ackedHere);
      problems.add(node.name + " " + stream + ": acknowledged " + acked.get(stream) + " but served " + ackedHere
          + (missing.isEmpty() ? " (order differs)" : " (missing " + missing + ")"));
    }
  }

  /**
   * Publishes with one key until a {@code 201}, for up to 45 s.
   *
   * <p>Why that long: once in about seven CI runs the two members left lost each other too while they dropped
   * the paused one (node-2 sent node-1 no heartbeat for 5 s right after both suspected node-3), so each was
   * alone, without quorum ({@code 503}), until Hazelcast's split-brain merge 6 s later; 60 tries 250 ms apart
   * did not cover that. No acknowledged event is lost by it (what this test is about); the answers seen are
   * in the failure message.
   *
   * @return how many tries it took
   */
  private int publishUntilAcked(NodeProcess node, String stream, String data) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    List<String> answers = new ArrayList<>();
    for (int tries = 1; ; tries++) {
      HttpResponse<String> r = post(node.publishUrl() + "/streams/" + stream, data, "k-" + data);
      if (r != null && r.statusCode() == 201) {
        acknowledged(stream, data, r);
        return tries;
      }
      answers.add(r == null ? "none" : r.statusCode() + (r.statusCode() >= 500 ? ":" + errorOf(r) : ""));
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no 201 for " + data + " on " + node.name + " in 45 s (" + tries + " tries): "
            + answers);
      }
      Thread.sleep(250);
    }
  }

  private static String errorOf(HttpResponse<String> r) {
    try {
      return new JsonObject(r.body()).getString("error");
    } catch (RuntimeException notJson) {
      return "?";
    }
  }

  private void acknowledged(String stream, String data, HttpResponse<String> r) {
    String id = new JsonObject(r.body()).getString("id");
    String before = dataOfId.put(stream + "/" + id, data);
    if (before != null && !before.equals(data)) {
      problems.add("id " + id + " of " + stream + " given to " + before + " and to " + data);
    }
    if (idOf.put(data, id) == null) {
      acked.get(stream).add(data);
    }
  }

  private static boolean noQuorum(HttpResponse<String> ready) {
    return ready != null && ready.statusCode() == 503 && ready.body().contains("no quorum");
  }

  private static HttpResponse<String> post(String url, String body, String key) throws InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
  private List<String[]> replayFromEarliest(NodeProcess node, String stream) throws InterruptedException {
    HttpResponse<String> r = get(node, "/streams/" + stream + "?from=earliest");
    assertTrue(r != null && r.statusCode() == 200, node.name + " replay of " + stream + " answered "
        + (r == null ? "nothing" : r.statusCode() + " " + r.body()));
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
