package io.streamcast.edge.delivery;

import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamName;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * This node's feeds, one per stream with subscribers here, and the node's one event-bus consumer
 * ({@link StreamName#EVENTS_ADDRESS}) that routes every stream's events to its feed. One consumer
 * for all streams: a stream that appears costs no cluster-wide registration, and the first
 * subscriber of a new stream waits for nothing but history (ADR 10). A feed left without
 * subscribers lingers a while (clients reconnect) before it is dropped.
 */
public final class StreamFeeds {

  private static final long LINGER_MILLIS = 30_000;

  private final Vertx vertx;
  private final StreamHistory history;
  private final int batch;
  private final DeliveryMeters meters;
  private final BooleanSupplier mayCreate;
  private final Map<String, StreamFeed> feeds = new HashMap<>();
  private MessageConsumer<StreamEvent> consumer;

  /**
   * @param vertx the edge verticle's Vert.x (its bus brings the events)
   * @param history stream histories
   * @param batch events read from history per call
   * @param meters the node's delivery meters
   * @param mayCreate whether a subscriber may create a stream that does not exist yet (false
   *     under memory pressure)
   */
  public StreamFeeds(Vertx vertx, StreamHistory history, int batch, DeliveryMeters meters, BooleanSupplier mayCreate) {
    this.vertx = vertx;
    this.history = history;
    this.batch = batch;
    this.meters = meters;
    this.mayCreate = mayCreate;
  }

  /** Registers the node's consumer; call from the edge verticle's context. */
  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(StreamName.EVENTS_ADDRESS);
    consumer.handler(m -> route(m.body()));
    return consumer.completion();
  }

  private void route(StreamEvent e) {
    StreamFeed feed = feeds.get(e.stream());
    if (feed != null && !feed.isClosed()) {
      feed.onBusEvent(e);
    }
  }

  /** @return the stream's feed, opening it on first use; concurrent callers share one opening */
  public Future<StreamFeed> acquire(String stream) {
    StreamFeed feed = feeds.get(stream);
    if (feed == null || feed.isClosed()) {
      feed = new StreamFeed(stream, history, batch, vertx.getOrCreateContext(), meters);
      // routed to before it opens: what the bus brings meanwhile is held
      feeds.put(stream, feed);
      return feed.open(mayCreate.getAsBoolean());
    }
    return feed.opened();
  }

  /** Periodic upkeep: audits feeds against history, drops those idle past the linger time. */
  public void sweep() {
    long now = System.currentTimeMillis();
    Iterator<StreamFeed> it = feeds.values().iterator();
    while (it.hasNext()) {
      StreamFeed feed = it.next();
      if (feed.isClosed()) {
        it.remove();
      } else if (feed.opened().succeeded()) {
        if (feed.idleFor(now, LINGER_MILLIS)) {
          feed.close();
          it.remove();
        } else {
          feed.audit(now);
        }
      }
    }
  }

  /** @return the streams with subscribers on this node (history keeps them from idling out) */
  public List<String> watched() {
    List<String> watched = new ArrayList<>();
    for (StreamFeed feed : feeds.values()) {
      if (!feed.isClosed() && feed.subscribers() > 0) {
        watched.add(feed.stream());
      }
    }
    return watched;
  }

  /** @return whether this node has a feed of {@code stream} (tests check deleted streams leave none) */
  public boolean has(String stream) {
    return feeds.containsKey(stream);
  }

  /** Closes every feed and the consumer (verticle stop). */
  public void closeAll() {
    feeds.values().forEach(StreamFeed::close);
    feeds.clear();
    if (consumer != null) {
      consumer.unregister();
    }
  }
}
