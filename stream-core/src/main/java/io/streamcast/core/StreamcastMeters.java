package io.streamcast.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streamcast's own meters of one node, registered in that node's registry (which carries the
 * {@code node} tag for every meter). The edge reports connections and deliveries here, the
 * publisher its appends; {@code /metrics} and the once-a-second node stats read them back.
 *
 * <p>Thread-safe: the edge verticle, the publisher's callers and the stats reporter run on
 * different event loops.
 *
 * <p>No meter is tagged with a stream name unless {@code streamLabels} is on: stream names are
 * unbounded, and one series per stream per node can swamp a Prometheus server.
 */
public final class StreamcastMeters {

  /** The port a request was refused on: the {@code port} tag of {@code streamcast.requests.refused}. */
  public enum Port {
    /** The edge port: subscribe and stream info; also refuses a user whose byte quota is spent. */
    EDGE("edge", ApiError.QUOTA_EXCEEDED),
    /** The publish port: publish, complete and stream info. */
    PUBLISH("publish");

    private final String tag;
    /** Refusal reasons of this port only, besides {@link #REFUSALS}. */
    private final Set<ApiError> own;

    Port(String tag, ApiError... own) {
      this.tag = tag;
      this.own = Set.of(own);
    }

    /** @return the tag value */
    public String tag() {
      return tag;
    }
  }

  /** The refusals counted by {@code streamcast.requests.refused} on every port: its {@code reason} tag is the error code. */
  private static final Set<ApiError> REFUSALS = Set.of(ApiError.UNAUTHORIZED, ApiError.FORBIDDEN, ApiError.RATE_LIMITED,
      ApiError.CAPACITY);

  /** The {@code event: error} code of a stream ended by {@code --max-stream-seconds}. */
  public static final String MAX_DURATION = "max_duration";
  /** The limits that end open streams: the {@code reason} tag of {@code streamcast.streams.limited}. */
  private static final List<String> STREAM_LIMITS = List.of(MAX_DURATION, ApiError.QUOTA_EXCEEDED.code());

  /**
   * Latency histogram bucket bounds: fine where a healthy cluster lives (a few ms), coarse up to
   * a stalled one. Explicit bounds keep each histogram at 20 series instead of Micrometer's ~70.
   */
  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofNanos(500_000), ms(1), ms(2), ms(3), ms(5), ms(7), ms(10), ms(15), ms(25), ms(50), ms(75),
      ms(100), ms(250), ms(500), ms(1_000), ms(2_500), ms(5_000), ms(10_000), ms(30_000)};

  private final MeterRegistry registry;
  private final boolean streamLabels;
  private final AtomicInteger connections = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> streamConnections = new ConcurrentHashMap<>();
  private final Counter connectionsOpened;
  private final Counter published;
  private final Counter publishFailures;
  private final Counter delivered;
  private final Counter deliveredBytes;
  private final Counter fanouts;
  private final Counter replays;
  private final Counter replayedEvents;
  private final Counter gaps;
  private final Counter slowCatchUps;
  private final Counter slowDisconnects;
  private final Timer publishLatency;
  private final Timer endToEndLatency;
  /** Registered up front for every port and reason, so each series reads 0 before its first refusal. */
  private final Map<Port, Map<ApiError, Counter>> refused = new EnumMap<>(Port.class);
  /** Streams ended by a limit, by the limit's error code; registered up front as the refusals are. */
  private final Map<String, Counter> limited = new HashMap<>();
  /** The part of the traffic that is system streams' ({@code _cluster.stats} for the dashboards), kept apart. */
  private final AtomicInteger systemConnections = new AtomicInteger();
  private final Counter systemPublished;
  private final Counter systemDelivered;
  private final Counter systemDeliveredBytes;
  private final Counter systemReplays;
  private final Counter systemReplayedEvents;

  /**
   * @param registry the node's registry (never a global one: several nodes may share a JVM)
   * @param streamLabels whether per-stream meters, tagged {@code stream}, are kept
   */
  public StreamcastMeters(MeterRegistry registry, boolean streamLabels) {
    this.registry = registry;
    this.streamLabels = streamLabels;
    Gauge.builder("streamcast.connections.active", connections, AtomicInteger::get)
        .description("Open streaming (SSE and NDJSON) connections on this node").register(registry);
    connectionsOpened = Counter.builder("streamcast.connections.opened")
        .description("Streaming connections accepted by this node").register(registry);
    published = Counter.builder("streamcast.events.published")
        .description("Events appended to history and published on the bus by this node").register(registry);
    publishFailures = Counter.builder("streamcast.publish.failures")
        .description("Publish attempts on this node that failed (rejected or history unavailable)").register(registry);
    delivered = Counter.builder("streamcast.events.delivered")
        .description("Events written to clients by this node, live or from history").register(registry);
    deliveredBytes = Counter.builder("streamcast.delivered").baseUnit("bytes")
        .description("Bytes of events and control events (gap, error) written to clients; heartbeats excluded")
        .register(registry);
    fanouts = Counter.builder("streamcast.fanouts")
        .description("Fan-outs of a stream's new events to this node's live subscribers; each carries every event"
            + " that arrived since the last, so events per fan-out above 1 means writes were coalesced under load")
        .register(registry);
    replays = Counter.builder("streamcast.replays")
        .description("Connections that were served events from history (resume, from=earliest, catch-up)")
        .register(registry);
    replayedEvents = Counter.builder("streamcast.replayed.events")
        .description("Events written to clients from history rather than live").register(registry);
    gaps = Counter.builder("streamcast.gaps")
        .description("event: gap signals sent (a position older than history)").register(registry);
    slowCatchUps = Counter.builder("streamcast.slow.consumer.catchups")
        .description("Times a client too slow for live pushes was moved to catch up from history").register(registry);
    slowDisconnects = Counter.builder("streamcast.slow.consumer.disconnects")
        .description("Connections closed because the client could not keep up").register(registry);
    publishLatency = latency("streamcast.publish.latency",
        "Time from a publish call to the event being in replicated history and on the bus");
    endToEndLatency = latency("streamcast.end.to.end.latency",
        "Time from the producer accepting an event to this node having written it to its live clients"
            + " (once per event per node, when its fan-out ends)");
    for (Port port : Port.values()) {
      Map<ApiError, Counter> byReason = new EnumMap<>(ApiError.class);
      Set<ApiError> reasons = new HashSet<>(REFUSALS);
      reasons.addAll(port.own);
      for (ApiError reason : reasons) {
        byReason.put(reason, Counter.builder("streamcast.requests.refused")
            .description("Requests refused before any work: no or bad token (unauthorized), token not allowed on"
                + " the stream (forbidden), per-user limit reached (rate_limited), memory pressure (capacity),"
                + " the user's bytes per minute spent (quota_exceeded)")
            .tag("port", port.tag()).tag("reason", reason.code()).register(registry));
      }
      refused.put(port, byReason);
    }
    for (String reason : STREAM_LIMITS) {
      limited.put(reason, Counter.builder("streamcast.streams.limited")
          .description("Open streams ended with event: error by a limit: --max-stream-seconds (max_duration),"
              + " --max-bytes-per-minute-per-user (quota_exceeded)")
          .tag("reason", reason).register(registry));
    }
    Gauge.builder("streamcast.system.connections.active", systemConnections, AtomicInteger::get)
        .description("The part of streamcast_connections_active on system streams (_cluster.stats: dashboards)")
        .register(registry);
    systemPublished = Counter.builder("streamcast.system.events.published")
        .description("The part of streamcast_events_published_total on system streams (the nodes' own stats)")
        .register(registry);
    systemDelivered = Counter.builder("streamcast.system.events.delivered")
        .description("The part of streamcast_events_delivered_total on system streams").register(registry);
    systemDeliveredBytes = Counter.builder("streamcast.system.delivered").baseUnit("bytes")
        .description("The part of streamcast_delivered_bytes_total on system streams").register(registry);
    systemReplays = Counter.builder("streamcast.system.replays")
        .description("The part of streamcast_replays_total on system streams").register(registry);
    systemReplayedEvents = Counter.builder("streamcast.system.replayed.events")
        .description("The part of streamcast_replayed_events_total on system streams").register(registry);
  }

  /**
   * @return meters kept in a private in-memory registry, for code that runs without a node's registry:
   *     a test seam (the delivery tests of edge-verticle read what they count), public since those tests
   *     live in another module
   */
  public static StreamcastMeters detached() {
    return new StreamcastMeters(new SimpleMeterRegistry(), false);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name).description(description)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .minimumExpectedValue(LATENCY_BUCKETS[0])
        .maximumExpectedValue(LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1])
        .register(registry);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** @return the registry these meters live in */
  public MeterRegistry registry() {
    return registry;
  }

  // ---- producer side

  /**
   * An event was appended and published.
   *
   * @param nanos time the publish call took
   */
  public void published(long nanos) {
    published.increment();
    publishLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** As {@link #published(long)}, of an event on {@code stream}: a system stream's is also counted apart. */
  public void published(String stream, long nanos) {
    published(nanos);
    if (StreamName.isSystem(stream)) {
      systemPublished.increment();
    }
  }

  /** A publish call failed. */
  public void publishFailed() {
    publishFailures.increment();
  }

  // ---- either port

  /**
   * A request was refused on {@code port}. Only {@code unauthorized}, {@code forbidden},
   * {@code rate_limited} and {@code capacity} are counted (a fixed set of tag values); other errors are ignored.
   */
  public void refused(Port port, ApiError reason) {
    Counter c = refused.get(port).get(reason);
    if (c != null) {
      c.increment();
    }
  }

  /**
   * Counts {@code failure} as a refusal on {@code port} when it is an {@link
   * InvalidRequestException} of a counted reason (what {@link StreamAccess#check} fails with).
   */
  public void refusedIf(Port port, Throwable failure) {
    if (failure instanceof InvalidRequestException invalid) {
      refused(port, invalid.error());
    }
  }

  /**
   * An open stream was ended with {@code event: error} by a limit.
   *
   * @param reason the error code: {@link #MAX_DURATION} or {@code quota_exceeded}
   */
  public void streamLimited(String reason) {
    Counter c = limited.get(reason);
    if (c != null) {
      c.increment();
    }
  }

  /**
   * @return open streams ended by the limit of error code {@code reason} since start; a test seam (the
   *     node's figures read the registry), public since the delivery tests live in edge-verticle
   */
  public double streamsLimitedTotal(String reason) {
    Counter c = limited.get(reason);
    return c == null ? 0 : c.count();
  }

  /** @return requests refused on {@code port} with {@code reason} since start */
  public double refusedTotal(Port port, ApiError reason) {
    Counter c = refused.get(port).get(reason);
    return c == null ? 0 : c.count();
  }

  // ---- edge side

  /** A streaming connection opened on {@code stream}. */
  public void connectionOpened(String stream) {
    connections.incrementAndGet();
    connectionsOpened.increment();
    if (StreamName.isSystem(stream)) {
      systemConnections.incrementAndGet();
    }
    if (streamLabels) {
      streamConnections.computeIfAbsent(stream, this::streamConnectionGauge).incrementAndGet();
    }
  }

  /** A streaming connection on {@code stream} closed. */
  public void connectionClosed(String stream) {
    connections.decrementAndGet();
    if (StreamName.isSystem(stream)) {
      systemConnections.decrementAndGet();
    }
    if (streamLabels) {
      AtomicInteger n = streamConnections.get(stream);
      if (n != null && n.decrementAndGet() <= 0) {
        // a stream's series lives while it has connections here: streams come and go by the
        // thousand, and a series per stream ever seen would grow without bound
        streamConnections.remove(stream);
        Gauge gauge = registry.find("streamcast.stream.connections").tag("stream", stream).gauge();
        if (gauge != null) {
          registry.remove(gauge);
        }
      }
    }
  }

  private AtomicInteger streamConnectionGauge(String stream) {
    AtomicInteger n = new AtomicInteger();
    Gauge.builder("streamcast.stream.connections", n, AtomicInteger::get)
        .description("Open streaming connections per stream (only with --metrics-stream-labels)")
        .tag("stream", stream).register(registry);
    return n;
  }

  /**
   * Events were written to clients, live or from history.
   *
   * @param count how many (summed over clients)
   */
  public void delivered(long count) {
    delivered.increment(count);
  }

  /**
   * An event was handed to this node's live clients.
   *
   * @param ageMillis time since the producer accepted it, when the fan-out ended (an event
   *     replayed from history is as old as the client's position, not slow, and is not recorded)
   */
  public void fannedOut(long ageMillis) {
    endToEndLatency.record(Math.max(0, ageMillis), TimeUnit.MILLISECONDS);
  }

  /** A fan-out (of one or more events) reached this node's live subscribers. */
  public void fanOut() {
    fanouts.increment();
  }

  /** {@code bytes} more bytes were written to clients. */
  public void deliveredBytes(long bytes) {
    if (bytes > 0) {
      deliveredBytes.increment(bytes);
    }
  }

  /** A connection was served from history for the first time; {@code system}: one of a system stream. */
  public void replayStarted(boolean system) {
    replays.increment();
    if (system) {
      systemReplays.increment();
    }
  }

  /** {@code count} events were written from history; {@code system}: of a system stream. */
  public void replayed(int count, boolean system) {
    replayedEvents.increment(count);
    if (system) {
      systemReplayedEvents.increment(count);
    }
  }

  /**
   * The part of what {@link #delivered} and {@link #deliveredBytes} were told that went to system streams'
   * subscribers (counted in both).
   */
  public void systemDelivered(long events, long bytes) {
    systemDelivered.increment(events);
    systemDeliveredBytes.increment(bytes);
  }

  /** An {@code event: gap} was sent. */
  public void gap() {
    gaps.increment();
  }

  /** A slow client left live fan-out to catch up from history. */
  public void slowConsumerCatchUp() {
    slowCatchUps.increment();
  }

  /** A slow client was disconnected. */
  public void slowConsumerDisconnect() {
    slowDisconnects.increment();
  }

  // ---- read back (node stats)

  /** @return open streaming connections on this node */
  public int connections() {
    return connections.get();
  }

  /** @return streams with at least one open connection here (empty unless stream labels are on) */
  public Set<String> streamsWithConnections() {
    Set<String> streams = ConcurrentHashMap.newKeySet();
    streamConnections.forEach((stream, n) -> {
      if (n.get() > 0) {
        streams.add(stream);
      }
    });
    return streams;
  }

  /** @return open streaming connections on this node's system streams (part of {@link #connections()}) */
  public int systemConnections() {
    return systemConnections.get();
  }

  /** @return the system streams' part of the traffic since start (each figure part of the matching total) */
  public SystemTraffic systemTraffic() {
    return new SystemTraffic(systemPublished.count(), systemDelivered.count(), systemDeliveredBytes.count(),
        systemReplays.count(), systemReplayedEvents.count());
  }

  /**
   * System streams' share of the totals: what a dashboard subtracts so that its own subscription does not
   * read as the users' traffic.
   *
   * @param published events published on system streams
   * @param delivered events delivered to their subscribers
   * @param deliveredBytes bytes delivered to their subscribers
   * @param replays their connections served from history
   * @param replayedEvents their events written from history
   */
  public record SystemTraffic(double published, double delivered, double deliveredBytes, double replays,
      double replayedEvents) {
  }

  /** @return events published by this node since it started */
  public double publishedEvents() {
    return published.count();
  }

  /** @return events written to clients since start */
  public double deliveredEvents() {
    return delivered.count();
  }

  /** @return bytes written to clients since start */
  public double deliveredBytesTotal() {
    return deliveredBytes.count();
  }

  /** @return connections served from history since start */
  public double replaysTotal() {
    return replays.count();
  }

  /** @return events written from history since start */
  public double replayedEventsTotal() {
    return replayedEvents.count();
  }

  /** @return gaps signalled since start */
  public double gapsTotal() {
    return gaps.count();
  }

  /** @return slow-consumer catch-ups since start */
  public double slowConsumerCatchUpsTotal() {
    return slowCatchUps.count();
  }

  /** @return slow-consumer disconnects since start */
  public double slowConsumerDisconnectsTotal() {
    return slowDisconnects.count();
  }

  /** @return the publish latency timer */
  public Timer publishLatency() {
    return publishLatency;
  }

  /** @return the end-to-end latency timer */
  public Timer endToEndLatency() {
    return endToEndLatency;
  }
}
