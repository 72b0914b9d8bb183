package io.streamcast.producer;

import io.streamcast.core.ApiError;
import io.streamcast.core.AppendResult;
import io.streamcast.core.EventType;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamEventCodec;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamName;
import io.streamcast.core.StreamState;
import io.streamcast.core.StreamcastMeters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Publishes events: appends each to its stream's replicated history (which orders it, and in the
 * same step checks its idempotency key and whether the stream is completed), then publishes it on
 * the clustered event bus. The returned future succeeds only after both, so a caller that saw
 * success knows every node can serve the event.
 *
 * <p>This is also the Java API for producers embedded in a user's own verticle on a cluster node.
 * It is the only way to write a system stream ({@code _cluster.stats}, see {@link
 * StreamName#isSystem}): the publish API refuses them, so whatever they hold came from a node.
 */
public final class StreamPublisher {

  /** Seconds a client refused for memory pressure is told to wait. */
  public static final int CAPACITY_RETRY_AFTER_SECONDS = 5;
  private static final byte[] NOTICE_DATA = "{}".getBytes(StandardCharsets.UTF_8);

  private final Vertx vertx;
  private final StreamHistory history;
  private final StreamcastMeters meters;
  private final BooleanSupplier underPressure;

  /**
   * @param vertx the node's (clustered) Vert.x
   * @param history stream histories
   * @param meters the node's meters: events published, publish latency, failures, refusals
   * @param underPressure true while the node is short of memory: a publish that would create a
   *     stream is refused ({@code 503 capacity}), publishes on existing streams go on
   */
  public StreamPublisher(Vertx vertx, StreamHistory history, StreamcastMeters meters, BooleanSupplier underPressure) {
    this.vertx = vertx;
    this.history = history;
    this.meters = meters;
    this.underPressure = underPressure;
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
   *     ({@code 409 stream_completed}, {@code 409 stream_deleted}, {@code 503 capacity})
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
    return history.append(stream, type, data, idempotencyKey, !underPressure.getAsBoolean())
        .compose(r -> outcome(stream, type, data, r, started))
        .onFailure(failure -> meters.publishFailed());
  }

  /**
   * Completes a stream: appends its {@code complete} event, after which subscribers are closed and
   * new requests positioned at it get {@code 204}. Completing twice returns the first completion.
   */
  public Future<PublishedEvent> complete(String stream) {
    long started = System.nanoTime();
    try {
      StreamName.require(stream);
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
    return history.complete(stream, !underPressure.getAsBoolean())
        .compose(r -> outcome(stream, EventType.COMPLETE, NOTICE_DATA, r, started));
  }

  /**
   * Fails a stream: appends an {@code event: error} with data {@code {"error": code, "message":
   * message}}, then the stream's {@code complete}, so subscribers see why it ended and their
   * reconnects get {@code 204} instead of waiting for events that will never come. A producer's own
   * {@code error} events are refused by {@link #publish}; this is the only way to write one.
   *
   * @param stream a valid stream name
   * @param code machine-readable reason, e.g. {@code job_failed}
   * @param message human text
   * @return the {@code complete} event; fails as {@link #publish} does (a completed stream:
   *     {@code 409 stream_completed}, and nothing is appended)
   */
  public Future<PublishedEvent> fail(String stream, String code, String message) {
    long started = System.nanoTime();
    try {
      StreamName.require(stream);
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
    byte[] data = new io.vertx.core.json.JsonObject().put("error", code).put("message", message).encode()
        .getBytes(StandardCharsets.UTF_8);
    return history.append(stream, EventType.ERROR, data, null, !underPressure.getAsBoolean())
        .compose(r -> outcome(stream, EventType.ERROR, data, r, started))
        .compose(error -> complete(stream));
  }

  /**
   * A writer that coalesces small writes (an LLM's tokens) on {@code stream} into few events: see
   * {@link StreamWriter}. Use it from one Vert.x context (the caller's verticle).
   *
   * @param stream a valid stream name
   * @param type the events' type, publishable
   * @param lingerMillis how long a first write waits for more before its event is appended (0: to
   *     the end of the current event-loop turn)
   * @param maxBytes an event is appended at once when its data reaches this many bytes
   */
  public StreamWriter writer(String stream, String type, long lingerMillis, int maxBytes) {
    return new StreamWriter(vertx, this, stream, type, lingerMillis, maxBytes);
  }

  /**
   * Deletes a stream now: its history and keys go everywhere, every node's subscribers of it get
   * {@code event: error} {@code stream_deleted}, and a tombstone answers late reconnects.
   *
   * @return the stream's state as deleted; fails with {@code 404 not_found} when it does not exist
   */
  public Future<StreamState> delete(String stream) {
    try {
      StreamName.require(stream);
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
    return history.delete(stream).compose(state -> {
      if (state == null) {
        return Future.failedFuture(new InvalidRequestException(ApiError.NOT_FOUND, "no stream '" + stream + "'"));
      }
      announceEnded(stream, state.epoch());
      return Future.succeededFuture(state);
    });
  }

  /**
   * Tells every edge that {@code stream}'s history of {@code epoch} is gone (deleted, or forgotten
   * by the retention sweep): feeds close, open subscribers are told. A notice is an event without a
   * sequence (-1), which no published event has.
   */
  public void announceEnded(String stream, String epoch) {
    vertx.eventBus().publish(StreamName.EVENTS_ADDRESS,
        new StreamEvent(stream, epoch, -1, EventType.ERROR, NOTICE_DATA, System.currentTimeMillis()));
  }

  private Future<PublishedEvent> outcome(String stream, String type, byte[] data, AppendResult r, long started) {
    switch (r.outcome()) {
      case APPENDED -> {
        StreamEvent event = new StreamEvent(stream, r.epoch(), r.seq(), type, data, r.publishedAtMillis());
        vertx.eventBus().publish(StreamName.EVENTS_ADDRESS, event);
        meters.published(stream, System.nanoTime() - started);
        return Future.succeededFuture(new PublishedEvent(stream, event.id(), false));
      }
      case REPLAYED -> {
        return Future.succeededFuture(new PublishedEvent(stream, r.id(), true));
      }
      case COMPLETED -> {
        return Future.failedFuture(new InvalidRequestException(ApiError.STREAM_COMPLETED,
            "stream '" + stream + "' is completed; nothing more can be published on it"));
      }
      case DELETED -> {
        return Future.failedFuture(new InvalidRequestException(ApiError.STREAM_DELETED,
            "stream '" + stream + "' was deleted; its name is free again once its tombstone expires"
                + " (--tombstone-seconds)"));
      }
      default -> {
        meters.refused(StreamcastMeters.Port.PUBLISH, ApiError.CAPACITY);
        return Future.failedFuture(new InvalidRequestException(ApiError.CAPACITY,
            "node is short of memory and takes no new streams; publish on an existing stream, on another node,"
                + " or retry later", CAPACITY_RETRY_AFTER_SECONDS));
      }
    }
  }
}
