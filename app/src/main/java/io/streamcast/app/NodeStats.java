package io.streamcast.app;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamcastMeters;
import io.streamcast.core.history.RetentionSweep;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The figures a node publishes about itself once a second on {@link NodeStatsReporter#STREAM}:
 * cumulative counts, rates since the previous sample, latency percentiles of the last few seconds,
 * and its heap. One JSON object per sample; the dashboard reads exactly these fields.
 */
final class NodeStats {

  /** Seconds the latency percentiles span: long enough to hold a few events of a quiet node. */
  private static final int LATENCY_WINDOW_SECONDS = 5;

  private final String node;
  private final Set<String> roles;
  private final StreamcastMeters meters;
  private final LatencyWindow endToEnd;
  private final LatencyWindow publish;
  private final BooleanSupplier memoryPressure;
  private final Supplier<RetentionSweep.Report> lastSweep;
  private final long startedNanos = System.nanoTime();
  private long lastNanos = startedNanos;
  private double lastPublished;
  private double lastDelivered;
  private double lastBytes;

  /**
   * @param node the node's name
   * @param roles the node's roles
   * @param meters the node's meters
   * @param memoryPressure whether the node refuses new streams and subscriptions for memory
   * @param lastSweep what the last retention sweep found: the streams and bytes of history this member owns
   */
  NodeStats(String node, Set<String> roles, StreamcastMeters meters, BooleanSupplier memoryPressure,
      Supplier<RetentionSweep.Report> lastSweep) {
    this.memoryPressure = memoryPressure;
    this.lastSweep = lastSweep;
    this.node = node;
    this.roles = Set.copyOf(roles);
    this.meters = meters;
    this.endToEnd = new LatencyWindow(meters.endToEndLatency(), LATENCY_WINDOW_SECONDS);
    this.publish = new LatencyWindow(meters.publishLatency(), LATENCY_WINDOW_SECONDS);
  }

  /** @return this second's figures; call about once a second from one thread */
  JsonObject sample() {
    long now = System.nanoTime();
    double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
    lastNanos = now;
    double published = meters.publishedEvents();
    double delivered = meters.deliveredEvents();
    double bytes = meters.deliveredBytesTotal();
    double inRate = (published - lastPublished) / seconds;
    double outRate = (delivered - lastDelivered) / seconds;
    double bytesRate = (bytes - lastBytes) / seconds;
    lastPublished = published;
    lastDelivered = delivered;
    lastBytes = bytes;
    LatencyWindow.Percentiles e2e = endToEnd.tick();
    LatencyWindow.Percentiles pub = publish.tick();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return state("up")
        .put("uptimeSeconds", (now - startedNanos) / 1_000_000_000L)
        .put("roles", new JsonArray(roles.stream().sorted().toList()))
        .put("connections", meters.connections())
        .put("eventsInPerSec", round(inRate))
        .put("eventsOutPerSec", round(outRate))
        .put("bytesOutPerSec", round(bytesRate))
        .put("latencyP50Ms", round(e2e.p50()))
        .put("latencyP99Ms", round(e2e.p99()))
        .put("publishP50Ms", round(pub.p50()))
        .put("publishP99Ms", round(pub.p99()))
        .put("heapUsedBytes", heap.getUsed())
        .put("heapMaxBytes", heap.getMax() > 0 ? heap.getMax() : heap.getCommitted())
        .put("eventsPublished", (long) published)
        .put("eventsDelivered", (long) delivered)
        .put("replays", (long) meters.replaysTotal())
        .put("replayedEvents", (long) meters.replayedEventsTotal())
        .put("gaps", (long) meters.gapsTotal())
        .put("slowConsumerCatchUps", (long) meters.slowConsumerCatchUpsTotal())
        .put("slowConsumerDisconnects", (long) meters.slowConsumerDisconnectsTotal())
        .put("memoryPressure", memoryPressure.getAsBoolean())
        .put("refusedCapacity", (long) (meters.refusedTotal(StreamcastMeters.Port.EDGE, ApiError.CAPACITY)
            + meters.refusedTotal(StreamcastMeters.Port.PUBLISH, ApiError.CAPACITY)))
        .put("historyStreams", lastSweep.get().streams())
        .put("historyBytes", lastSweep.get().bytes());
  }

  /** @return the last word of a node that leaves: the dashboard shows it gone at once */
  JsonObject leaving() {
    return state("leaving");
  }

  private JsonObject state(String state) {
    return new JsonObject().put("node", node).put("state", state).put("time", System.currentTimeMillis());
  }

  private static Double round(Double v) {
    return v == null || v.isNaN() ? null : Math.round(v * 100) / 100.0;
  }
}
