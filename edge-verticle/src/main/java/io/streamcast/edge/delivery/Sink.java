package io.streamcast.edge.delivery;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamEvent;
import io.vertx.core.Handler;

/**
 * Where one subscription's bytes go: the only thing delivery knows of a connection. The HTTP
 * implementation lives in {@code io.streamcast.edge.transport}; tests use a recording one.
 *
 * <p>Life: {@link #open} once (the head of a successful stream), then writes, then {@link #end}; or,
 * before {@code open}, {@link #refuse} (a plain error status instead of a stream). Every method runs
 * on the subscription's event loop. The write methods return the encoded size of what they wrote,
 * without transport framing, for the delivery meters.
 */
public interface Sink {

  /** Registers what runs when the client goes away ({@code closed}) or the connection fails ({@code failed}). */
  void onClose(Handler<Void> closed, Handler<Throwable> failed);

  /** Sends the head of a successful stream and flushes it: a subscriber of a quiet stream sees it at once. */
  void open();

  /** @return whether {@link #open} ran: from then on failures are told in-stream, not by a status */
  boolean isOpen();

  /**
   * Writes one event of the stream.
   *
   * @param shared true when {@code e} is the feed's own object (its encodings are shared by every
   *     subscriber), false for this subscriber's own copy read from history
   * @return the event's encoded size
   */
  int write(StreamEvent e, boolean shared);

  /** Writes a feed's whole batch at once and flushes it (a fan-out runs at the end of its turn already). */
  int write(FanoutBatch batch);

  /** Writes an {@code event: gap}: the client asked for {@code requested}, what follows comes after {@code resumedAfter}. */
  int gap(String requested, String resumedAfter);

  /**
   * Writes an {@code event: error} with the contract's code and message (and no id: the client's position stays).
   *
   * @param retryAfterSeconds when positive, also in the data as {@code retryAfter}: an {@code EventSource}
   *     never sees the {@code Retry-After} of the refusal its reconnect may get
   */
  int error(String code, String message, int retryAfterSeconds);

  /** Writes a keep-alive. */
  void heartbeat();

  /** @return false while the connection holds as much unsent data as it may */
  boolean writable();

  /** Runs {@code then} once what the connection holds has been written out. */
  void whenDrained(Runnable then);

  /** Ends an opened stream. */
  void end();

  /**
   * Drops the connection without a goodbye: for a client that takes no bytes, so nothing written
   * now would reach it (HTTP/1.1: the connection closes; HTTP/2: this stream is reset).
   */
  void abort();

  /** Answers with an error status instead of a stream (only before {@link #open}). */
  void refuse(ApiError error, String message, int retryAfterSeconds);
}
