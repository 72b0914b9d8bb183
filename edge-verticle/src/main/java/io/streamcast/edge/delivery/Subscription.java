package io.streamcast.edge.delivery;

import io.streamcast.core.ApiError;
import io.streamcast.core.EventId;
import io.streamcast.core.HistoryTrimmedException;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamName;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client's stream on this node, as a state machine ({@link SubscriptionState}): it is either
 * catching up (from the feed's recent events, or reading history at its own pace) or live
 * (receiving the feed's events as they come); it moves between the two without gap or duplicate
 * because it remembers the next sequence it owes the client and takes only that one.
 *
 * <p>Replay then live: history is read in batches until the subscription has everything the feed
 * has already handed out, then it joins the live set; live events it already got from history are
 * skipped. A subscriber whose connection cannot keep up leaves the live set and catches up from
 * history once the connection drains, so memory per slow client stays bounded; if history moved
 * past it, it gets an {@code event: gap}.
 *
 * <p>It writes only to its {@link Sink}, reports only to {@link DeliveryMeters}, and tells whoever
 * opened it (the {@link SubscriptionLedger}) of its end through a callback.
 */
public final class Subscription {

  private static final Logger LOG = Logger.getLogger(Subscription.class.getName());
  /** The {@code event: error} code of a stream whose access token expired. */
  public static final String TOKEN_EXPIRED = "token_expired";

  private final StreamFeed feed;
  private final Sink sink;
  private final DeliveryMeters meters;
  private final Consumer<Subscription> onClosed;
  private final long startedMillis = System.currentTimeMillis();
  /** When the client's access token expires (epoch millis); {@link Long#MAX_VALUE}: never. */
  private final long expiresAtMillis;
  /** The user this connection counts against in the per-user limits; null: not counted. */
  private final UserUsage usage;
  /** Bytes {@link #usage} may receive per window; {@link Long#MAX_VALUE} without a quota, so the check is one compare. */
  private final long byteQuota;
  private final long quotaWindowMillis;
  /** Whether the stream is a system stream: its traffic is counted apart (the dashboards' own). */
  private final boolean system;

  private SubscriptionState state = SubscriptionState.OPENING;
  /** Index in the feed's live list while {@link SubscriptionState#LIVE}, -1 otherwise; kept by {@link LiveSet}. */
  int liveIndex = -1;
  /** The next sequence this client is owed. */
  private long nextSeq;
  /** An id to report in an {@code event: gap} before the next event, or null: the gap this client is owed. */
  private String owedGap;
  /**
   * Whether history having moved past {@link #nextSeq} is a gap to tell the client: true when it
   * asked for an exact position, or once it fell behind the live feed ({@code from=earliest} is not).
   */
  private boolean gapOnTrim;
  private boolean wroteSinceBeat;
  private long events;
  private long replayed;
  private long bytes;
  private String closeReason = "client closed";
  /** When it last began to wait for the connection to take its bytes ({@link SubscriptionState#DRAINING}). */
  private long drainingSinceMillis;

  Subscription(StreamFeed feed, Sink sink, DeliveryMeters meters, long expiresAtMillis, UserUsage usage,
      StreamLimits limits, Consumer<Subscription> onClosed) {
    this.feed = feed;
    this.sink = sink;
    this.meters = meters;
    this.expiresAtMillis = expiresAtMillis;
    this.usage = usage;
    this.byteQuota = usage != null && limits.bytesPerWindow() > 0 ? limits.bytesPerWindow() : Long.MAX_VALUE;
    this.quotaWindowMillis = limits.windowMillis();
    this.system = StreamName.isSystem(feed.stream());
    this.onClosed = onClosed;
    sink.onClose(v -> finish("client closed"), e -> closeReason = "connection error: " + e.getMessage());
    feed.attach(this);
  }

  /** @return the stream this subscription follows */
  public String stream() {
    return feed.stream();
  }

  /** @return the user counted for this connection in the per-user limits, or null */
  UserUsage usage() {
    return usage;
  }

  /** @return when it opened, epoch millis */
  long startedMillis() {
    return startedMillis;
  }

  /** @return where it stands (a test seam: the subscription's own code reads its field) */
  SubscriptionState state() {
    return state;
  }

  /** New events only: joins the live set at once. */
  public void startLive() {
    sink.open();
    nextSeq = feed.nextSeq();
    goLive();
  }

  /**
   * Replays history from {@code fromSeq}, then goes live.
   *
   * @param fromSeq first sequence to send
   * @param mustExist true when the client asked for exactly this position, so history having
   *     moved past it is a gap to signal (false for {@code from=earliest})
   * @param gapRequested an id to report in an immediate {@code gap} (an id of another epoch), or null
   */
  public void startReplay(long fromSeq, boolean mustExist, String gapRequested) {
    nextSeq = fromSeq;
    gapOnTrim = mustExist;
    owedGap = gapRequested;
    catchUp();
  }

  /**
   * Answers a client that was mid-stream when the stream was deleted: an {@code event: gap} from
   * its position to the stream's end (carrying the end's id, so its next reconnect gets {@code 204}),
   * then the end of the response.
   */
  public void endDeleted(String requested) {
    sink.open();
    nextSeq = feed.completedSeq() + 1;
    owedGap = requested;
    sendGap();
    sink.end();
    finish("stream deleted");
  }

  /**
   * The feed's events of one turn, in sequence order. A subscriber in step with the feed (the
   * usual case) gets the whole batch as one shared chunk; one that already took part of it from
   * the feed's recent events gets the rest event by event; one that is behind catches up.
   */
  void offer(FanoutBatch batch) {
    if (state == SubscriptionState.DONE || nextSeq > batch.lastSeq()) {
      return;
    }
    if (nextSeq < batch.firstSeq()) {
      leaveLive();
      catchUp();
      return;
    }
    if (nextSeq == batch.firstSeq()) {
      sendBatch(batch);
    } else {
      for (int i = (int) (nextSeq - batch.firstSeq()); i < batch.size() && state != SubscriptionState.DONE; i++) {
        send(batch.get(i));
      }
    }
    if (state != SubscriptionState.DONE && !sink.writable()) {
      // too slow for live pushes: leave the live set and catch up at this client's pace
      leaveLive();
      meters.slowConsumer();
      gapOnTrim = true;
      drainThenCatchUp();
    }
  }

  private void goLive() {
    state = SubscriptionState.LIVE;
    feed.addLive(this);
  }

  private void leaveLive() {
    feed.removeLive(this);
    state = SubscriptionState.CATCHING_UP;
  }

  /** Waits for the connection to write out what it holds, then catches up (state first: the wait may end at once). */
  private void drainThenCatchUp() {
    state = SubscriptionState.DRAINING;
    drainingSinceMillis = System.currentTimeMillis();
    sink.whenDrained(this::catchUp);
  }

  private void sendBatch(FanoutBatch batch) {
    if (quotaSpent()) {
      return;
    }
    wrote(batch.size(), sink.write(batch));
    nextSeq = batch.lastSeq() + 1;
    if (batch.endsStream()) {
      sink.end();
      finish("stream completed");
    } else {
      quotaSpent();
    }
  }

  /**
   * Ends the stream with {@code event: error} {@code quota_exceeded} when its user has received its bytes
   * of the current window (by this stream's writes or its other streams'): checked before a write, so a
   * spent user gets nothing more, and after one, so the stream that spent it ends at once. A user
   * receives at most its quota plus the one write that crossed it.
   *
   * @return true when the stream was ended
   */
  private boolean quotaSpent() {
    if (usage == null || usage.bytes < byteQuota || state == SubscriptionState.DONE) {
      return false;
    }
    long now = System.currentTimeMillis();
    if (usage.roll(now, quotaWindowMillis)) {
      return false;
    }
    int retryAfter = usage.secondsLeft(now, quotaWindowMillis);
    end(ApiError.QUOTA_EXCEEDED.code(), SubscriptionLedger.quotaSpent(byteQuota, retryAfter), retryAfter);
    return true;
  }

  /**
   * Catches up from the events the feed still holds in memory (the same objects, with their
   * shared encodings), as far as they reach and the connection takes them.
   *
   * @return true when nothing more is to be done now: live again, waiting for the connection to
   *     drain, or done; false when the next event must come from history
   */
  private boolean catchUpFromFeed() {
    StreamEvent e = feed.recent(nextSeq);
    if (e == null || owedGap != null) {
      return false;
    }
    sink.open();
    int sent = 0;
    while (e != null && state != SubscriptionState.DONE) {
      send(e);
      sent++;
      if (state != SubscriptionState.DONE && !sink.writable()) {
        replayed(sent);
        drainThenCatchUp();
        return true;
      }
      e = feed.recent(nextSeq);
    }
    if (sent > 0) {
      replayed(sent);
    }
    if (state == SubscriptionState.DONE) {
      return true;
    }
    if (nextSeq >= feed.nextSeq()) {
      goLive();
      return true;
    }
    return false;
  }

  private void catchUp() {
    if (state == SubscriptionState.DONE || state == SubscriptionState.REPLAYING) {
      return;
    }
    state = SubscriptionState.CATCHING_UP;
    if (catchUpFromFeed()) {
      return;
    }
    state = SubscriptionState.REPLAYING;
    long from = nextSeq;
    feed.history().read(feed.stream(), from, feed.batch()).onComplete(ar -> {
      if (state == SubscriptionState.DONE) {
        return;
      }
      state = SubscriptionState.CATCHING_UP;
      if (ar.failed()) {
        onReadFailure(from, ar.cause());
        return;
      }
      sink.open();
      if (owedGap != null) {
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
          if (state == SubscriptionState.DONE) {
            break;
          }
        }
      }
      if (sent > 0) {
        replayed(sent);
      }
      if (state == SubscriptionState.DONE) {
        return;
      }
      if (!sink.writable()) {
        drainThenCatchUp();
      } else if (ar.result().events().size() >= feed.batch() || nextSeq < feed.nextSeq()) {
        catchUp();
      } else {
        goLive();
      }
    });
  }

  private void onReadFailure(long from, Throwable cause) {
    if (cause instanceof HistoryTrimmedException trimmed) {
      if (gapOnTrim && owedGap == null && from > 0) {
        owedGap = EventId.format(feed.epoch(), from - 1);
      }
      nextSeq = trimmed.headSeq();
      catchUp();
    } else if (cause instanceof InvalidRequestException invalid && !sink.isOpen()) {
      sink.refuse(invalid.error(), invalid.getMessage(), invalid.retryAfterSeconds());
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
    wrote(0, sink.gap(owedGap, resumedAfter));
    meters.gap();
    owedGap = null;
  }

  /** Counts events sent from history (replay or catch-up), for the close log and the meters. */
  private void replayed(int count) {
    boolean first = replayed == 0;
    replayed += count;
    meters.replayed(count, first, system);
  }

  private void send(StreamEvent e) {
    if (quotaSpent()) {
      return;
    }
    // the feed's events carry shared encodings; one read from history is this client's own copy
    wrote(1, sink.write(e, feed.recent(e.seq()) == e));
    nextSeq = e.seq() + 1;
    if (e.isComplete()) {
      sink.end();
      finish("stream completed");
    } else {
      quotaSpent();
    }
  }

  private void wrote(int count, long length) {
    events += count;
    bytes += length;
    wroteSinceBeat = true;
    meters.wrote(count, length, system);
    if (usage != null) {
      usage.bytes += length;
    }
  }

  /** Writes a heartbeat if nothing else was written since the last sweep. */
  public void heartbeat() {
    if (sink.isOpen() && state != SubscriptionState.DONE && !wroteSinceBeat && sink.writable()) {
      sink.heartbeat();
    }
    wroteSinceBeat = false;
  }

  /**
   * Ends the stream because a limit was reached ({@code max_duration}, {@code quota_exceeded}): an {@code event:
   * error} the client resumes after with its last id, counted in the meters.
   *
   * @param retryAfterSeconds when the client may come back (in the error's data), 0: at once
   */
  void end(String code, String message, int retryAfterSeconds) {
    if (state == SubscriptionState.DONE) {
      return;
    }
    meters.limited(code);
    fail(code, message, retryAfterSeconds);
  }

  /** Ends the stream with an {@code event: error}; the client resumes with its last id. */
  public void fail(String code, String message) {
    fail(code, message, 0);
  }

  private void fail(String code, String message, int retryAfterSeconds) {
    if (state == SubscriptionState.DONE) {
      return;
    }
    if (sink.isOpen()) {
      wrote(0, sink.error(code, message, retryAfterSeconds));
      sink.end();
    } else if (code.equals(TOKEN_EXPIRED)) {
      // no byte of the stream is out yet: a plain 401, so the client fetches a new token first
      sink.refuse(ApiError.UNAUTHORIZED, message, 0);
      meters.refused(ApiError.UNAUTHORIZED);
    } else if (code.equals(ApiError.NO_QUORUM.code())) {
      sink.refuse(ApiError.NO_QUORUM, message, ApiError.NO_QUORUM_RETRY_AFTER_SECONDS);
    } else {
      sink.refuse(ApiError.UNAVAILABLE, message, 1);
    }
    finish(code);
  }

  /** Closes the stream cleanly so the client resumes on another node (drain). */
  public void close(String reason) {
    if (state == SubscriptionState.DONE) {
      return;
    }
    if (sink.isOpen()) {
      sink.end();
    } else {
      sink.refuse(ApiError.UNAVAILABLE, reason, 1);
    }
    finish(reason);
  }

  private void finish(String reason) {
    if (state == SubscriptionState.DONE) {
      return;
    }
    state = SubscriptionState.DONE;
    closeReason = closeReason.startsWith("connection error") ? closeReason : reason;
    feed.detach(this);
    meters.closed(feed.stream(), System.currentTimeMillis() - startedMillis, events, replayed, bytes, closeReason);
    onClosed.accept(this);
  }

  /**
   * @return whether, at {@code nowMillis}, it has waited at least {@code limitMillis} for a full connection
   *     to take its bytes
   */
  boolean stalledAt(long nowMillis, long limitMillis) {
    return state == SubscriptionState.DRAINING && nowMillis - drainingSinceMillis >= limitMillis;
  }

  /** Drops the connection (nothing can reach a client that takes no bytes); the client resumes with its last id. */
  void drop(String reason) {
    if (state == SubscriptionState.DONE) {
      return;
    }
    // finished first: the reset's own close and exception callbacks must not name another reason
    finish(reason);
    sink.abort();
  }

  /** @return whether the client's access token has expired at {@code nowMillis} */
  boolean expiredAt(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  /**
   * @return why it ended (the close log's reason), meaningful once {@link SubscriptionState#DONE}; a
   *     test seam: the node reads the reason only from the log line
   */
  String closeReason() {
    return closeReason;
  }
}
