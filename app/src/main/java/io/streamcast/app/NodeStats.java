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
 *
 * <p>The traffic figures are the users': what system streams carry ({@code _cluster.stats} itself, to
 * the dashboards, a replay of minutes of it each time one opens) is taken out of them and reported
 * apart under {@code system}, so a dashboard watching a quiet cluster reads no traffic.
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
  private final Rates users = new Rates();
  private final Rates system = new Rates();

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
    StreamcastMeters.SystemTraffic sys = meters.systemTraffic();
    double published = meters.publishedEvents() - sys.published();
    double delivered = meters.deliveredEvents() - sys.delivered();
    int systemConnections = meters.systemConnections();
    JsonObject systemFigures = system.sample(sys.published(), sys.delivered(), sys.deliveredBytes(), seconds)
        .put("connections", systemConnections)
        .put("replays", (long) sys.replays())
        .put("replayedEvents", (long) sys.replayedEvents());
    JsonObject userRates = users.sample(published, delivered, meters.deliveredBytesTotal() - sys.deliveredBytes(),
        seconds);
    LatencyWindow.Percentiles e2e = endToEnd.tick();
    LatencyWindow.Percentiles pub = publish.tick();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return state("up")
        .put("uptimeSeconds", (now - startedNanos) / 1_000_000_000L)
        .put("roles", new JsonArray(roles.stream().sorted().toList()))
        .put("connections", meters.connections() - systemConnections)
        .mergeIn(userRates)
        .put("latencyP50Ms", round(e2e.p50()))
        .put("latencyP99Ms", round(e2e.p99()))
        .put("publishP50Ms", round(pub.p50()))
        .put("publishP99Ms", round(pub.p99()))
        .put("heapUsedBytes", heap.getUsed())
        .put("heapMaxBytes", heap.getMax() > 0 ? heap.getMax() : heap.getCommitted())
        .put("eventsPublished", (long) published)
        .put("eventsDelivered", (long) delivered)
        .put("replays", (long) (meters.replaysTotal() - sys.replays()))
        .put("replayedEvents", (long) (meters.replayedEventsTotal() - sys.replayedEvents()))
        .put("gaps", (long) meters.gapsTotal())
        .put("slowConsumerCatchUps", (long) meters.slowConsumerCatchUpsTotal())
        .put("slowConsumerDisconnects", (long) meters.slowConsumerDisconnectsTotal())
        .put("memoryPressure", memoryPressure.getAsBoolean())
        .put("refusedCapacity", (long) (meters.refusedTotal(StreamcastMeters.Port.EDGE, ApiError.CAPACITY)
            + meters.refusedTotal(StreamcastMeters.Port.PUBLISH, ApiError.CAPACITY)))
        .put("historyStreams", lastSweep.get().streams())
        .put("historyBytes", lastSweep.get().bytes())
        .put("system", systemFigures);
  }

  /** Per-second rates of one part of the traffic, from its totals at each sample. */
  private static final class Rates {
    private double lastPublished;
    private double lastDelivered;
    private double lastBytes;

    /** @return {@code eventsInPerSec}, {@code eventsOutPerSec}, {@code bytesOutPerSec} since the previous sample */
    JsonObject sample(double published, double delivered, double bytes, double seconds) {
      JsonObject rates = new JsonObject()
          .put("eventsInPerSec", round((published - lastPublished) / seconds))
          .put("eventsOutPerSec", round((delivered - lastDelivered) / seconds))
          .put("bytesOutPerSec", round((bytes - lastBytes) / seconds));
      lastPublished = published;
      lastDelivered = delivered;
      lastBytes = bytes;
      return rates;
    }
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
