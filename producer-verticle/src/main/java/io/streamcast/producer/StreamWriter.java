package io.streamcast.producer;

import io.streamcast.core.EventType;
import io.streamcast.core.StreamName;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;

/**
 * Writes many small pieces of text (an LLM's tokens) on one stream as few events: every write
 * made while the writer lingers (a few milliseconds, or the rest of the event-loop turn) or while
 * the previous event is being appended goes into one event, whose data is the writes concatenated
 * in order. A producer emitting hundreds of tokens a second so pays one replicated append per
 * batch rather than per token, and the batches grow by themselves when appends slow down (one
 * append in flight at a time, which also keeps the events in write order).
 *
 * <p>Subscribers concatenate the data of the events to get the text back. Not thread-safe: use it
 * from the Vert.x context that created it (get it from {@link StreamPublisher#writer}).
 */
public final class StreamWriter {

  private final Vertx vertx;
  private final StreamPublisher publisher;
  private final String stream;
  private final String type;
  private final long lingerMillis;
  private final int maxBytes;
  private final StringBuilder pending = new StringBuilder();
  /** Completes with the event that will carry {@link #pending}; null while nothing is pending. */
  private Promise<PublishedEvent> pendingEvent;
  /** The event being appended, null when none. */
  private Future<PublishedEvent> inFlight;
  private long timer = -1;
  private boolean scheduled;
  private long events;

  StreamWriter(Vertx vertx, StreamPublisher publisher, String stream, String type, long lingerMillis, int maxBytes) {
    StreamName.require(stream);
    EventType.requirePublishable(type);
    if (lingerMillis < 0 || maxBytes < 1) {
      throw new IllegalArgumentException("lingerMillis must be 0 or more and maxBytes 1 or more");
    }
    this.vertx = vertx;
    this.publisher = publisher;
    this.stream = stream;
    this.type = type;
    this.lingerMillis = lingerMillis;
    this.maxBytes = maxBytes;
  }

  /**
   * Adds {@code text} to the next event.
   *
   * @return the event that carries it, once appended to history and published
   */
  public Future<PublishedEvent> write(String text) {
    pending.append(text);
    if (pendingEvent == null) {
      pendingEvent = Promise.promise();
    }
    Future<PublishedEvent> mine = pendingEvent.future();
    if (inFlight == null) {
      if (pending.length() >= maxBytes) {
        send();
      } else if (!scheduled) {
        scheduled = true;
        if (lingerMillis == 0) {
          vertx.runOnContext(v -> lingered());
        } else {
          timer = vertx.setTimer(lingerMillis, id -> lingered());
        }
      }
    }
    // else: sent when the event in flight is appended
    return mine;
  }

  /**
   * Appends what is pending now, without lingering.
   *
   * @return once every write made so far is appended (at once when nothing is pending)
   */
  public Future<Void> flush() {
    if (pendingEvent == null) {
      return inFlight == null ? Future.succeededFuture() : inFlight.mapEmpty();
    }
    Future<PublishedEvent> last = pendingEvent.future();
    if (inFlight == null) {
      send();
    }
    return last.mapEmpty();
  }

  /** @return events appended so far (each carrying one or more writes) */
  public long events() {
    return events;
  }

  private void lingered() {
    scheduled = false;
    timer = -1;
    if (inFlight == null) {
      send();
    }
  }

  private void send() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
      scheduled = false;
    }
    if (pendingEvent == null) {
      return;
    }
    byte[] data = pending.toString().getBytes(StandardCharsets.UTF_8);
    pending.setLength(0);
    Promise<PublishedEvent> promise = pendingEvent;
    pendingEvent = null;
    events++;
    Future<PublishedEvent> appended = publisher.publish(stream, type, data, null);
    inFlight = appended;
    appended.onComplete(ar -> {
      inFlight = null;
      promise.handle(ar);
      // what was written meanwhile has waited for a whole append already: send it now
      if (pendingEvent != null) {
        send();
      }
    });
  }
}
