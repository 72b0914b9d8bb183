package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node never dies of its own load (issue 10, scenario 9 in a test's size): one node process with a
 * small heap, publishes to new streams until it refuses them with {@code 503 capacity}; it stays
 * up, its existing streams still deliver, nothing it acknowledged is lost, and no
 * {@code OutOfMemoryError} appears in its log.
 */
class OverloadIT {

  private static final int MAX_PUBLISHES = 400_000;
  private static final int IN_FLIGHT = 16;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private NodeProcess node;

  @AfterEach
  void stopNode() throws InterruptedException {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void aNodeShortOfMemoryRefusesNewStreamsAndKeepsWhatItAcknowledged() throws Exception {
    int clusterPort = TestPorts.free();
    node = new NodeProcess("node-1", "overload-" + ProcessHandle.current().pid(), clusterPort,
        TestPorts.free(), TestPorts.free(), List.of(clusterPort),
        List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"));
    node.start();
    node.awaitReady(1, Duration.ofSeconds(60));
    assertEquals(201, post("/streams/existing", "before").statusCode());

    String body = "x".repeat(1000);
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger capacityInARow = new AtomicInteger();
    AtomicInteger capacity = new AtomicInteger();
    AtomicLong other = new AtomicLong();
    List<String> otherAnswers = Collections.synchronizedList(new ArrayList<>());
    Semaphore slots = new Semaphore(IN_FLIGHT);
    int sent = 0;
    while (sent < MAX_PUBLISHES && capacityInARow.get() < 200) {
      slots.acquire();
      String stream = "new" + sent++;
      http.sendAsync(request("/streams/" + stream, body), HttpResponse.BodyHandlers.ofString())
          .whenComplete((resp, failure) -> {
            slots.release();
            if (failure != null) {
              other.incrementAndGet();
              otherAnswers.add(String.valueOf(failure));
            } else if (resp.statusCode() == 201) {
              acknowledged.put(stream, new JsonObject(resp.body()).getString("id"));
              capacityInARow.set(0);
            } else if (resp.statusCode() == 503 && resp.body().contains("\"capacity\"")) {
              capacity.incrementAndGet();
              capacityInARow.incrementAndGet();
              assertTrue(resp.headers().firstValue("Retry-After").isPresent(), "503 capacity has Retry-After");
            } else {
              other.incrementAndGet();
              otherAnswers.add(resp.statusCode() + " " + resp.body());
            }
          });
    }
    slots.acquire(IN_FLIGHT);
    String log = Files.readString(node.log());
    assertFalse(log.contains("OutOfMemoryError"), "no OutOfMemoryError in the node's log");
    assertTrue(capacity.get() >= 200, "refused new streams with 503 capacity after " + acknowledged.size()
        + " (other answers: " + otherAnswers.subList(0, Math.min(5, otherAnswers.size())) + ")");
    assertEquals(0, other.get(), "every answer was 201 or 503 capacity: " + otherAnswers.subList(0,
        Math.min(5, otherAnswers.size())));

    // still up, still serving what exists, still refusing what is new
    assertEquals(200, get("/health").statusCode());
    HttpResponse<String> existing = post("/streams/existing", "after");
    assertEquals(201, existing.statusCode(), existing.body());
    HttpResponse<String> fresh = post("/streams/one-more-new-stream", "x");
    assertEquals(503, fresh.statusCode());
    assertEquals("capacity", new JsonObject(fresh.body()).getString("error"));
    HttpResponse<String> subscribe = http.send(HttpRequest.newBuilder(URI.create(node.edgeUrl()
        + "/streams/another-new-stream")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(503, subscribe.statusCode(), "a new subscription adds state too");
    String metrics = get("/metrics").body();
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("streamcast_requests_refused_total")
        && l.contains("reason=\"capacity\"") && !l.endsWith(" 0.0")), "refusals are counted");

    // nothing acknowledged is lost: every 50th acknowledged stream still holds its event
    List<String> streams = new ArrayList<>(acknowledged.keySet());
    Collections.sort(streams);
    int checked = 0;
    for (int i = 0; i < streams.size(); i += 50) {
      String stream = streams.get(i);
      JsonObject info = new JsonObject(get("/streams/" + stream + "/info").body());
      assertEquals(acknowledged.get(stream), info.getString("lastId"), stream + ": " + info.encode());
      assertEquals(1, info.getInteger("retained"), stream + ": " + info.encode());
      checked++;
    }
    assertTrue(checked > 100, "checked " + checked + " of " + acknowledged.size() + " acknowledged streams");
  }

  private HttpRequest request(String path, String body) {
    return HttpRequest.newBuilder(URI.create(node.publishUrl() + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(request(path, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.edgeUrl() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
