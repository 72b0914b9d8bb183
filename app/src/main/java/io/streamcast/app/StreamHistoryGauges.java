package io.streamcast.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamcastMeters;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code streamcast_stream_history_events{stream=...}}: how many events history holds, for each
 * stream with an open connection on this node. Only with {@code --metrics-stream-labels}, since
 * each stream is a series.
 *
 * <p>The size is read in the background and cached: a scrape runs on an event loop and must not
 * wait for Hazelcast.
 */
final class StreamHistoryGauges {

  private final MeterRegistry registry;
  private final StreamcastMeters meters;
  private final StreamHistory history;
  private final Map<String, Tracked> tracked = new HashMap<>();
  private boolean refreshing;

  private record Tracked(AtomicLong retained, Gauge gauge) {
  }

  StreamHistoryGauges(StreamcastMeters meters, StreamHistory history) {
    this.registry = meters.registry();
    this.meters = meters;
    this.history = history;
  }

  /** Re-reads the sizes; streams without connections here any more lose their series. Call from one context. */
  Future<Void> refresh() {
    if (refreshing) {
      return Future.succeededFuture();
    }
    refreshing = true;
    Set<String> streams = meters.streamsWithConnections();
    tracked.keySet().removeIf(stream -> {
      if (streams.contains(stream)) {
        return false;
      }
      registry.remove(tracked.get(stream).gauge());
      return true;
    });
    List<Future<?>> reads = new ArrayList<>();
    for (String stream : streams) {
      Tracked t = tracked.computeIfAbsent(stream, this::track);
      reads.add(history.state(stream).onSuccess(st -> t.retained().set(st == null ? 0 : st.bounds().retained())));
    }
    return Future.join(reads).<Void>mapEmpty().eventually(() -> {
      refreshing = false;
      return Future.succeededFuture();
    });
  }

  private Tracked track(String stream) {
    AtomicLong retained = new AtomicLong();
    Gauge gauge = Gauge.builder("streamcast.stream.history.events", retained, AtomicLong::get)
        .description("Events the stream's replicated history holds (only with --metrics-stream-labels)")
        .tag("stream", stream)
        .register(registry);
    return new Tracked(retained, gauge);
  }
}
