package io.streamcast.edge;

import io.netty.buffer.ByteBuf;
import io.streamcast.core.ApiError;
import io.streamcast.core.EventId;
import io.streamcast.core.EventType;
import io.streamcast.core.HistoryTrimmedException;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client's stream on this node. It is either catching up (reading history at its own pace)
 * or live (receiving the feed's events as they come); it moves between the two without gap or
 * duplicate because it remembers the next sequence it owes the client and takes only that one.
 *
 * <p>Replay then live: history is read in batches until the subscription has everything the feed
 * has already handed out, then it joins the live set; live events it already got from history are
 * skipped. A subscriber whose socket cannot keep up leaves the live set and catches up from history
 * once the socket drains, so memory per slow client stays bounded; if history moved past it, it
 * gets an {@code event: gap}.
 */
final class Subscription {

  private static final Logger LOG = Logger.getLogger(Subscription.class.getName());
  /** The {@code event: error} code of a stream whose access token expired. */
  static final String TOKEN_EXPIRED = "token_expired";

  private final StreamFeed feed;
  private final HttpServerResponse response;
  private final WireFormat format;
  private final SubscriptionLedger ledger;
  private final HttpServerRequest request;
  /** Coalesced direct writes of live and replayed events; null: plain response writes. */
  private ChunkWriter chunks;
  private final long startedMillis = System.currentTimeMillis();

  /** Index in the feed's live list, -1 when not live (owned by {@link StreamFeed}). */
  int liveIndex = -1;
  private long nextSeq;
  private String pendingGap;
  private boolean strict;
  private boolean catchingUp;
  private boolean headSent;
  private boolean done;
  private boolean wroteSinceBeat;
  private long events;
  private long replayed;
  private long bytes;
  private String closeReason = "client closed";
  /** When the client's access token expires (epoch millis); {@link Long#MAX_VALUE}: never. */
  private final long expiresAtMillis;
  /** The user this connection counts against in the per-user limit; null: not counted. */
  private final String user;

  Subscription(StreamFeed feed, HttpServerResponse response, WireFormat format, SubscriptionLedger ledger,
      HttpServerRequest request, long expiresAtMillis, String user) {
    this.expiresAtMillis = expiresAtMillis;
    this.user = user;
    this.request = request;
    this.feed = feed;
    this.response = response;
    this.format = format;
    this.ledger = ledger;
    response.closeHandler(v -> finish("client closed"));
    response.exceptionHandler(e -> closeReason = "connection error: " + e.getMessage());
    feed.attach(this);
    ledger.opened(this);
  }

  String stream() {
    return feed.stream();
  }

  /** @return the user counted for this connection in the per-user limit, or null */
  String user() {
    return user;
  }

  /** New events only: joins the live set at once. */
  void startLive() {
    sendHead();
    nextSeq = feed.nextSeq();
    feed.addLive(this);
  }

  /**
   * Replays history from {@code fromSeq}, then goes live.
   *
   * @param fromSeq first sequence to send
   * @param mustExist true when the client asked for exactly this position, so history having
   *     moved past it is a gap to signal (false for {@code from=earliest})
   * @param gapRequested an id to report in an immediate {@code gap} (an id of another epoch), or null
   */
  void startReplay(long fromSeq, boolean mustExist, String gapRequested) {
    nextSeq = fromSeq;
    strict = mustExist;
    pendingGap = gapRequested;
    catchUp();
  }

  /**
   * Answers a client that was mid-stream when the stream was deleted: an {@code event: gap} from
   * its position to the stream's end (carrying the end's id, so its next reconnect gets {@code 204}),
   * then the end of the response.
   */
  void endDeleted(String requested) {
    sendHead();
    nextSeq = feed.completedSeq() + 1;
    pendingGap = requested;
    sendGap();
    response.end();
    finish("stream deleted");
  }

  /**
   * The feed's events of one turn, in sequence order. A subscriber in step with the feed (the
   * usual case) gets the whole batch as one shared chunk; one that already took part of it from
   * the feed's recent events gets the rest event by event; one that is behind catches up.
   */
  void offer(FanoutBatch batch) {
    if (done || nextSeq > batch.lastSeq()) {
      return;
    }
    if (nextSeq < batch.firstSeq()) {
      feed.removeLive(this);
      catchUp();
      return;
    }
    if (nextSeq == batch.firstSeq()) {
      sendBatch(batch);
    } else {
      for (int i = (int) (nextSeq - batch.firstSeq()); i < batch.size() && !done; i++) {
        send(batch.get(i));
      }
    }
    if (!done && writeQueueFull()) {
      // too slow for live pushes: leave the live set and catch up at this client's pace
      feed.removeLive(this);
      ledger.slowConsumer();
      strict = true;
      whenDrained(this::catchUp);
    }
  }

  private void sendBatch(FanoutBatch batch) {
    // one write and one flush for the whole batch: this runs at the end of the loop's turn already
    if (chunks == null || !chunks.writeAndFlush(batch.chunk(format))) {
      response.write(batch.encoded(format));
    }
    int length = batch.encoded(format).length();
    wrote(batch.size(), length);
    nextSeq = batch.lastSeq() + 1;
    if (batch.endsStream()) {
      response.end();
      finish("stream completed");
    }
  }

  /** @return whether this connection holds as much unsent data as it may (Netty's or Vert.x's queue) */
  private boolean writeQueueFull() {
    return chunks != null ? !chunks.writable() : response.writeQueueFull();
  }

  /** Runs {@code then} once what this connection holds has been written out. */
  private void whenDrained(Runnable then) {
    if (chunks != null) {
      chunks.whenDrained(then);
    } else {
      response.drainHandler(v -> {
        response.drainHandler(null);
        then.run();
      });
    }
  }

  /**
   * Catches up from the events the feed still holds in memory (the same objects, with their
   * shared encodings), as far as they reach and the socket takes them.
   *
   * @return true when nothing more is to be done now: live again, waiting for the socket to
   *     drain, or done; false when the next event must come from history
   */
  private boolean catchUpFromFeed() {
    StreamEvent e = feed.recent(nextSeq);
    if (e == null || pendingGap != null) {
      return false;
    }
    sendHead();
    int sent = 0;
    while (e != null && !done) {
      send(e);
      sent++;
      if (!done && writeQueueFull()) {
        replayed(sent);
        whenDrained(this::catchUp);
        return true;
      }
      e = feed.recent(nextSeq);
    }
    if (sent > 0) {
      replayed(sent);
    }
    if (done) {
      return true;
    }
    if (nextSeq >= feed.nextSeq()) {
      feed.addLive(this);
      return true;
    }
    return false;
  }

  private void catchUp() {
    if (done || catchingUp || catchUpFromFeed()) {
      return;
    }
    catchingUp = true;
    long from = nextSeq;
    feed.history().read(feed.stream(), from, feed.batch()).onComplete(ar -> {
      catchingUp = false;
      if (done) {
        return;
      }
      if (ar.failed()) {
        onReadFailure(from, ar.cause());
        return;
      }
      sendHead();
      if (pendingGap != null) {
        sendGap();
      }
      int sent = 0;
      for (StreamEvent e : ar.result().events()) {
        if (!e.epoch().equals(feed.epoch())) {
          fail("stream_reset", "the stream's history was recreated; reconnect to resume");
          return;
        }
        if (e.seq() >= nextSeq) {
          send(e);
          sent++;
          if (done) {
            break;
          }
        }
      }
      if (sent > 0) {
        replayed(sent);
      }
      if (done) {
        return;
      }
      if (writeQueueFull()) {
        whenDrained(this::catchUp);
      } else if (ar.result().events().size() >= feed.batch() || nextSeq < feed.nextSeq()) {
        catchUp();
      } else {
        feed.addLive(this);
      }
    });
  }

  private void onReadFailure(long from, Throwable cause) {
    if (cause instanceof HistoryTrimmedException trimmed) {
      if (strict && pendingGap == null && from > 0) {
        pendingGap = EventId.format(feed.epoch(), from - 1);
      }
      nextSeq = trimmed.headSeq();
      catchUp();
    } else if (cause instanceof InvalidRequestException invalid && !headSent) {
      invalid.error().send(response, invalid.getMessage(), invalid.retryAfterSeconds());
      finish("rejected: " + invalid.getMessage());
    } else if (cause instanceof InvalidRequestException invalid && invalid.error() == ApiError.NO_QUORUM) {
      // this node lost the majority mid-stream: the client resumes there with its last id
      fail(ApiError.NO_QUORUM.code(), invalid.getMessage());
    } else {
      LOG.log(Level.WARNING, "stream " + feed.stream() + ": history read failed", cause);
      fail("history_unavailable", "history could not be read; reconnect to resume");
    }
  }

  private void sendGap() {
    String resumedAfter = nextSeq > 0 ? EventId.format(feed.epoch(), nextSeq - 1) : null;
    write(format.control(resumedAfter, EventType.GAP,
        new JsonObject().put("requested", pendingGap).put("resumedAfter", resumedAfter)));
    ledger.gap();
    pendingGap = null;
  }

  /** Counts events sent from history (replay or catch-up), for the close log and the meters. */
  private void replayed(int count) {
    boolean first = replayed == 0;
    replayed += count;
    ledger.replayed(count, first);
  }

  private void send(StreamEvent e) {
    Buffer encoded = format.encode(e);
    // the feed's events carry a shared chunk-framed direct buffer; one read from history (this
    // client's own copy) is framed on the heap rather than allocating direct memory for it
    if (chunks == null
        || !chunks.write(feed.recent(e.seq()) == e ? format.chunk(e) : StreamEvent.httpChunkHeap(encoded))) {
      response.write(encoded);
    }
    wrote(1, encoded.length());
    nextSeq = e.seq() + 1;
    if (e.isComplete()) {
      response.end();
      finish("stream completed");
    }
  }

  /** A control event (gap, error): not an event of the stream. */
  private void write(Buffer b) {
    if (chunks == null || !chunks.write(StreamEvent.httpChunkHeap(b))) {
      response.write(b);
    }
    wrote(0, b.length());
  }

  private void wrote(int count, long length) {
    events += count;
    bytes += length;
    wroteSinceBeat = true;
    ledger.wrote(count, length);
  }

  private void sendHead() {
    if (headSent) {
      return;
    }
    headSent = true;
    response.setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, format.contentType())
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setChunked(true);
    // flush the headers now: a subscriber of a quiet stream must see the 200 before any event
    response.writeHead();
    chunks = request == null ? null : ChunkWriter.of(request);
  }

  /** Writes a heartbeat if nothing else was written since the last sweep. */
  void heartbeat() {
    if (headSent && !done && !wroteSinceBeat && !writeQueueFull()) {
      if (chunks == null || !chunks.write(format.heartbeatChunk())) {
        response.write(format.heartbeat());
      }
    }
    wroteSinceBeat = false;
  }

  /** Ends the stream with an {@code event: error}; the client resumes with its last id. */
  void fail(String code, String message) {
    if (done) {
      return;
    }
    if (headSent) {
      write(format.error(code, message));
      response.end();
    } else if (code.equals(TOKEN_EXPIRED)) {
      // no byte of the stream is out yet: a plain 401, so the client fetches a new token first
      ApiError.UNAUTHORIZED.send(response, message);
      ledger.refused(ApiError.UNAUTHORIZED);
    } else if (code.equals(ApiError.NO_QUORUM.code())) {
      ApiError.NO_QUORUM.send(response, message, SubscribeHandler.NO_QUORUM_RETRY_AFTER_SECONDS);
    } else {
      ApiError.UNAVAILABLE.send(response, message, 1);
    }
    finish(code);
  }

  /** Closes the stream cleanly so the client resumes on another node (drain). */
  void close(String reason) {
    if (done) {
      return;
    }
    if (headSent) {
      response.end();
    } else {
      ApiError.UNAVAILABLE.send(response, reason, 1);
    }
    finish(reason);
  }

  private void finish(String reason) {
    if (done) {
      return;
    }
    done = true;
    closeReason = closeReason.startsWith("connection error") ? closeReason : reason;
    feed.detach(this);
    ledger.closed(this);
  }

  /** @return whether the client's access token has expired at {@code nowMillis} */
  boolean expiredAt(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  long durationMillis() {
    return System.currentTimeMillis() - startedMillis;
  }

  long events() {
    return events;
  }

  long replayed() {
    return replayed;
  }

  long bytes() {
    return bytes;
  }

  String closeReason() {
    return closeReason;
  }
}
