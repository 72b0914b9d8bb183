package io.streamcast.core;

import io.vertx.core.Future;
import java.util.Collection;

/**
 * Every stream's replicated history and lifecycle, as the producer and the edge use it. The order
 * of a stream is the order history gives its events (each append gets the next sequence), so
 * history, not the event bus, is the truth.
 *
 * <p>Every method is asynchronous and completes on the caller's Vert.x context; none blocks an
 * event loop. The Hazelcast implementation is {@code io.streamcast.core.history.HazelcastStreamHistory};
 * delivery code and its tests depend only on this interface.
 */
public interface StreamHistory {

  /**
   * Appends one event, creating the stream when it does not exist and {@code mayCreate} allows.
   *
   * @param idempotencyKey null, or a key: a repeat within the window returns the first sequence
   *     ({@link AppendResult.Outcome#REPLAYED}) and appends nothing
   * @param mayCreate false under memory pressure: an absent stream is not created
   *     ({@link AppendResult.Outcome#ABSENT})
   */
  Future<AppendResult> append(String stream, String type, byte[] data, String idempotencyKey, boolean mayCreate);

  /**
   * Appends the stream's {@code complete} event; completing a completed stream replays the first
   * completion ({@link AppendResult.Outcome#REPLAYED}).
   */
  Future<AppendResult> complete(String stream, boolean mayCreate);

  /**
   * The stream's state for a new subscriber, creating the stream when absent and {@code mayCreate}
   * allows; also records that the stream has a subscriber (an idle stream with subscribers is kept).
   *
   * @return the state, or null when the stream is absent and was not created
   */
  Future<StreamState> open(String stream, boolean mayCreate);

  /** @return the stream's state, or null when it does not exist */
  Future<StreamState> state(String stream);

  /**
   * Reads up to {@code max} events from {@code fromSeq} on, without waiting for new ones.
   *
   * @return the events; fails with {@link HistoryTrimmedException} when {@code fromSeq} is older
   *     than what history holds (trimmed by a bound, expired or deleted), or with
   *     {@link InvalidRequestException} ({@code bad_position}) beyond the newest event plus one
   */
  Future<HistoryBatch> read(String stream, long fromSeq, int max);

  /**
   * Deletes the stream at once: its events and keys go, a tombstone remains so a late reconnect is
   * told the stream ended.
   *
   * @return the tombstone's state, or null when the stream did not exist
   */
  Future<StreamState> delete(String stream);

  /** Records that these streams have subscribers on this node now (so they are not idle). */
  Future<Void> touch(Collection<String> streams);

  /**
   * @return how often an edge must {@link #touch} the streams it serves so that none is taken for
   *     idle: well within the idle time
   */
  long touchEveryMillis();
}
