package io.streamcast.core;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The {@code GET /streams/{stream}/info} document, served on both ports: what history holds and
 * whether the stream is completed.
 */
public final class StreamInfo {

  private final StreamCatalog catalog;
  private final StreamHistory history;

  /**
   * @param catalog stream meta
   * @param history stream histories
   */
  public StreamInfo(StreamCatalog catalog, StreamHistory history) {
    this.catalog = catalog;
    this.history = history;
  }

  /** @return {@code stream, firstId, lastId, retained, completed}, plus {@code epoch} */
  public Future<JsonObject> describe(String stream) {
    return catalog.find(stream).compose(meta -> {
      if (meta == null) {
        return Future.succeededFuture(new JsonObject().put("stream", stream).putNull("firstId")
            .putNull("lastId").put("retained", 0).put("completed", false).putNull("epoch"));
      }
      return history.bounds(stream).map(b -> new JsonObject()
          .put("stream", stream)
          .put("firstId", b.retained() > 0 ? EventId.format(meta.epoch(), b.headSeq()) : null)
          .put("lastId", b.tailSeq() >= 0 ? EventId.format(meta.epoch(), b.tailSeq()) : null)
          .put("retained", b.retained())
          .put("completed", meta.completed())
          .put("epoch", meta.epoch()));
    });
  }
}
