package io.streamcast.edge;

import io.streamcast.core.StreamCatalog;
import io.streamcast.core.StreamHistory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * This node's feeds, one per stream with subscribers here: the registry that guarantees one
 * event-bus consumer per stream per node, however many clients watch it. A feed left without
 * subscribers lingers a while (clients reconnect) before its consumer is unregistered.
 */
final class StreamFeeds {

  private static final long LINGER_MILLIS = 30_000;

  private final Vertx vertx;
  private final StreamHistory history;
  private final StreamCatalog catalog;
  private final int batch;
  private final SubscriptionLedger ledger;
  private final Map<String, Future<StreamFeed>> feeds = new HashMap<>();

  StreamFeeds(Vertx vertx, StreamHistory history, StreamCatalog catalog, int batch, SubscriptionLedger ledger) {
    this.vertx = vertx;
    this.history = history;
    this.catalog = catalog;
    this.batch = batch;
    this.ledger = ledger;
  }

  /** @return the stream's feed, opening it on first use; concurrent callers share one opening */
  Future<StreamFeed> acquire(String stream) {
    Future<StreamFeed> f = feeds.get(stream);
    if (f == null || (f.succeeded() && f.result().isClosed()) || f.failed()) {
      f = StreamFeed.open(vertx, history, catalog, stream, batch, ledger);
      feeds.put(stream, f);
    }
    return f;
  }

  /** Periodic upkeep: audits feeds against history, closes those idle past the linger time. */
  void sweep() {
    long now = System.currentTimeMillis();
    Iterator<Future<StreamFeed>> it = feeds.values().iterator();
    while (it.hasNext()) {
      Future<StreamFeed> f = it.next();
      if (!f.succeeded()) {
        continue;
      }
      StreamFeed feed = f.result();
      if (feed.isClosed()) {
        it.remove();
      } else if (feed.idleFor(now, LINGER_MILLIS)) {
        feed.close();
        it.remove();
      } else {
        feed.audit(now);
      }
    }
  }

  /** @return number of streams with a feed on this node */
  int size() {
    return feeds.size();
  }

  /** Closes every feed (verticle stop). */
  void closeAll() {
    feeds.values().forEach(f -> {
      if (f.succeeded()) {
        f.result().close();
      }
    });
    feeds.clear();
  }
}
