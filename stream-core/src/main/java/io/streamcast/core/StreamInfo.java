package io.streamcast.core;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The {@code GET /streams/{stream}/info} document, served on both ports: what history holds and
 * whether the stream is completed (or deleted).
 */
public final class StreamInfo {

  private final StreamHistory history;
  private final SubscriberCounts counts;

  /**
   * @param history stream histories
   * @param counts subscribers per stream across the cluster, shown as {@code subscribers}; null to leave it out
   */
  public StreamInfo(StreamHistory history, SubscriberCounts counts) {
    this.history = history;
    this.counts = counts;
  }

  /**
   * @return {@code stream, firstId, lastId, retained, completed}, plus {@code epoch}, {@code deleted}
   *     and (when counted) {@code subscribers} on every node
   */
  public Future<JsonObject> describe(String stream) {
    Future<JsonObject> doc = document(stream);
    if (counts == null) {
      return doc;
    }
    return doc.compose(d -> counts.count(stream).map(n -> d.put("subscribers", n)));
  }

  private Future<JsonObject> document(String stream) {
    return history.state(stream).map(s -> {
      if (s == null) {
        return new JsonObject().put("stream", stream).putNull("firstId")
            .putNull("lastId").put("retained", 0).put("completed", false).putNull("epoch").put("deleted", false);
      }
      HistoryBounds b = s.bounds();
      long last = s.tombstone() ? s.endSeq() : b.tailSeq();
      return new JsonObject()
          .put("stream", stream)
          .put("firstId", b.retained() > 0 ? EventId.format(s.epoch(), b.headSeq()) : null)
          .put("lastId", last >= 0 ? EventId.format(s.epoch(), last) : null)
          .put("retained", b.retained())
          .put("completed", s.completed())
          .put("epoch", s.epoch())
          .put("deleted", s.tombstone());
    });
  }
}
