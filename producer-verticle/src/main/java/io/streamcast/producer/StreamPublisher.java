package io.streamcast.producer;

import io.streamcast.core.ApiError;
import io.streamcast.core.EventId;
import io.streamcast.core.EventType;
import io.streamcast.core.HistoryRecord;
import io.streamcast.core.IdempotencyLedger;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamCatalog;
import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamEventCodec;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamMeta;
import io.streamcast.core.StreamName;
import io.streamcast.core.StreamcastMeters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;

/**
 * Publishes events: appends each to its stream's replicated history (which orders it), then
 * publishes it on the clustered event bus. The returned future succeeds only after both, so a
 * caller that saw success knows every node can serve the event.
 *
 * <p>This is also the Java API for producers embedded in a user's own verticle on a cluster node.
 */
public final class StreamPublisher {

  private static final byte[] COMPLETE_DATA = "{}".getBytes(StandardCharsets.UTF_8);

  private final Vertx vertx;
  private final StreamHistory history;
  private final StreamCatalog catalog;
  private final IdempotencyLedger ledger;
  private final StreamcastMeters meters;

  /**
   * A publisher whose meters are kept apart from any node registry.
   *
   * @param vertx the node's (clustered) Vert.x
   * @param history stream histories
   * @param catalog stream meta
   * @param ledger idempotency keys
   */
  public StreamPublisher(Vertx vertx, StreamHistory history, StreamCatalog catalog, IdempotencyLedger ledger) {
    this(vertx, history, catalog, ledger, StreamcastMeters.detached());
  }

  /**
   * @param vertx the node's (clustered) Vert.x
   * @param history stream histories
   * @param catalog stream meta
   * @param ledger idempotency keys
   * @param meters the node's meters: events published, publish latency, failures
   */
  public StreamPublisher(Vertx vertx, StreamHistory history, StreamCatalog catalog, IdempotencyLedger ledger,
      StreamcastMeters meters) {
    this.vertx = vertx;
    this.history = history;
    this.catalog = catalog;
    this.ledger = ledger;
    this.meters = meters;
    StreamEventCodec.register(vertx);
  }

  /** @return the meters this publisher reports to (the publish port counts its refusals there too) */
  public StreamcastMeters meters() {
    return meters;
  }

  /** Publishes a {@code message} event. */
  public Future<PublishedEvent> publish(String stream, String data) {
    return publish(stream, EventType.MESSAGE, data.getBytes(StandardCharsets.UTF_8), null);
  }

  /**
   * Publishes an event.
   *
   * @param stream a valid stream name
   * @param type a publishable type ({@link EventType#requirePublishable})
   * @param data UTF-8 data
   * @param idempotencyKey null, or a key: a repeat within the dedupe window on any node returns the
   *     first id and appends nothing
   * @return the event's id; fails with {@link InvalidRequestException} for contract errors
   */
  public Future<PublishedEvent> publish(String stream, String type, byte[] data, String idempotencyKey) {
    long started = System.nanoTime();
    try {
      StreamName.require(stream);
      EventType.requirePublishable(type);
    } catch (InvalidRequestException e) {
      meters.publishFailed();
      return Future.failedFuture(e);
    }
    return catalog.ensure(stream).compose(meta -> {
      if (meta.completed()) {
        return Future.failedFuture(new InvalidRequestException(ApiError.STREAM_COMPLETED,
            "stream '" + stream + "' is completed; nothing more can be published on it"));
      }
      if (idempotencyKey == null) {
        return append(stream, meta, type, data, started, null);
      }
      return ledger.claim(stream, idempotencyKey).compose(claim -> {
        if (claim instanceof IdempotencyLedger.AlreadyPublished done) {
          return Future.succeededFuture(new PublishedEvent(stream, done.id(), true));
        }
        return append(stream, meta, type, data, started, idempotencyKey)
            .compose(published -> ledger.record(stream, idempotencyKey, published.id()).map(published),
                failure -> ledger.release(stream, idempotencyKey).transform(released -> Future.failedFuture(failure)));
      });
    }).onFailure(failure -> meters.publishFailed());
  }

  /**
   * Completes a stream: appends its {@code complete} event, after which subscribers are closed and
   * new requests positioned at it get {@code 204}. Completing twice returns the first completion.
   */
  public Future<PublishedEvent> complete(String stream) {
    try {
      StreamName.require(stream);
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
    return catalog.ensure(stream).compose(meta -> {
      if (meta.completed()) {
        return Future.succeededFuture(new PublishedEvent(stream, EventId.format(meta.epoch(), meta.completedSeq()), true));
      }
      long started = System.nanoTime();
      long now = System.currentTimeMillis();
      return history.append(stream, HistoryRecord.encode(meta.epoch(), EventType.COMPLETE, COMPLETE_DATA, now))
          .compose(seq -> catalog.markCompleted(stream, meta, seq).map(after -> {
            // the bus carries our complete event even if a concurrent one won: edges stop at the first
            vertx.eventBus().publish(StreamName.busAddress(stream),
                new StreamEvent(stream, meta.epoch(), seq, EventType.COMPLETE, COMPLETE_DATA, now));
            meters.published(System.nanoTime() - started);
            return new PublishedEvent(stream, EventId.format(after.epoch(), after.completedSeq()), after.completedSeq() != seq);
          }));
    });
  }

  private Future<PublishedEvent> append(String stream, StreamMeta meta, String type, byte[] data, long started,
      String idempotencyKey) {
    long now = System.currentTimeMillis();
    return history.append(stream, HistoryRecord.encode(meta.epoch(), type, data, now, idempotencyKey)).map(seq -> {
      StreamEvent event = new StreamEvent(stream, meta.epoch(), seq, type, data, now);
      vertx.eventBus().publish(StreamName.busAddress(stream), event);
      meters.published(System.nanoTime() - started);
      return new PublishedEvent(stream, event.id(), false);
    });
  }
}
