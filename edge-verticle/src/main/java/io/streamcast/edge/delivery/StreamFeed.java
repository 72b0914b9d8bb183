package io.streamcast.edge.delivery;

import io.streamcast.core.HistoryTrimmedException;
import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One stream's live feed on this node: {@link StreamFeeds} routes it the stream's events from the
 * node's one event-bus consumer, and it turns them into a gap-free, duplicate-free sequence and
 * fans each event out to the node's live subscribers.
 *
 * <p>The bus is the fast path, history the truth: an event that arrives ahead of its turn (two
 * producers raced, or a message was lost with a dying node) is held while the missing sequences
 * are read from history, and an idle feed is periodically checked against history so a last event
 * whose bus message was lost still arrives.
 *
 * <p>Confined to the edge verticle's event loop: no locks.
 */
public final class StreamFeed {

  private static final Logger LOG = Logger.getLogger(StreamFeed.class.getName());
  private static final int MAX_HELD = 10_000;
  private static final long AUDIT_AFTER_QUIET_MILLIS = 1_500;
  /** Longest wait between two audits of a quiet feed. */
  private static final long AUDIT_MAX_QUIET_MILLIS = 30_000;
  /** Recently delivered events kept per feed (a power of two), within {@link #RECENT_MAX_BYTES}. */
  private static final int RECENT = 1024;
  /** First size of the recent-events ring; it doubles as a stream delivers more, up to {@link #RECENT}. */
  private static final int RECENT_INITIAL = 8;
  private static final long RECENT_MAX_BYTES = 4L << 20;

  private final String stream;
  private final StreamHistory history;
  private final int batch;
  private final Context context;
  private final DeliveryMeters meters;
  /** Events delivered in this event-loop turn, fanned out together at its end; null when none. */
  private FanoutBatch pending;
  private final TreeMap<Long, StreamEvent> held = new TreeMap<>();
  private final LiveSet live = new LiveSet();
  private final List<Subscription> attached = new ArrayList<>();
  /**
   * The last events handed to live subscribers, consecutive sequences [recentFrom, recentTo), each
   * with its encodings cached: a subscriber that fell a little behind (a slow socket, a quick
   * reconnect with Last-Event-ID) catches up from here, with the shared encoded buffers, instead
   * of reading and re-encoding history from the cluster.
   */
  /**
   * Grows with the stream, not preallocated: a node can feed thousands of short streams, and 1,024
   * slots each (4 KB) filled the old generation with arrays that every young collection had to scan.
   */
  private StreamEvent[] recent = new StreamEvent[RECENT_INITIAL];
  private long recentFrom;
  private long recentTo;
  private long recentBytes;
  private String epoch;
  private long nextSeq = -1;
  private long completedSeq = -1;
  /** The stream was deleted (a tombstone): nothing more will come, late requests are answered from its end. */
  private boolean deleted;
  private Future<StreamFeed> opened;
  private boolean filling;
  private boolean closed;
  private long lastArrivalMillis = System.currentTimeMillis();
  /**
   * Quiet time before the next audit: 1.5 s after the last event (when a producer that died between
   * append and bus publish is likeliest), then doubling to 30 s, so thousands of quiet streams
   * with a subscriber each do not read history every 1.5 s.
   */
  private long auditAfterMillis = AUDIT_AFTER_QUIET_MILLIS;
  private long idleSinceMillis = System.currentTimeMillis();

  StreamFeed(String stream, StreamHistory history, int batch, Context context, DeliveryMeters meters) {
    this.stream = stream;
    this.history = history;
    this.batch = batch;
    this.context = context;
    this.meters = meters;
  }

  /**
   * Opens the feed: the caller routes the stream's bus events here before this is called, so an
   * event published while history is asked where the stream ends is held, not lost.
   *
   * @param mayCreate whether a stream that does not exist may be created (not under memory pressure)
   * @return the feed once it knows where the stream ends; fails with {@link StreamAbsentException}
   *     when the stream does not exist and was not to be created
   */
  Future<StreamFeed> open(boolean mayCreate) {
    opened = history.open(stream, mayCreate).compose(state -> {
      if (state == null) {
        closed = true;
        return Future.failedFuture(new StreamAbsentException(stream));
      }
      epoch = state.epoch();
      completedSeq = state.ended() ? state.endSeq() : -1;
      deleted = state.tombstone();
      nextSeq = state.tailSeq() + 1;
      drainHeld();
      return Future.succeededFuture(this);
    }).onFailure(e -> closed = true);
    return opened;
  }

  /** @return the opening (or opened) feed */
  Future<StreamFeed> opened() {
    return opened;
  }

  /** @return the stream's name */
  public String stream() {
    return stream;
  }

  public String epoch() {
    return epoch;
  }

  /** @return the next sequence the feed will hand to live subscribers */
  long nextSeq() {
    return nextSeq;
  }

  /** @return the sequence of the stream's complete event (or its last event if deleted), -1 while open */
  public long completedSeq() {
    return completedSeq;
  }

  /** @return whether the stream was deleted: its history is gone, only its end is known */
  public boolean deleted() {
    return deleted;
  }

  boolean isClosed() {
    return closed;
  }

  StreamHistory history() {
    return history;
  }

  int batch() {
    return batch;
  }

  void attach(Subscription s) {
    attached.add(s);
  }

  void detach(Subscription s) {
    removeLive(s);
    attached.remove(s);
    if (attached.isEmpty()) {
      idleSinceMillis = System.currentTimeMillis();
      forgetRecent();
    }
  }

  int subscribers() {
    return attached.size();
  }

  void forEachSubscriber(Consumer<Subscription> action) {
    for (Subscription s : List.copyOf(attached)) {
      action.accept(s);
    }
  }

  void addLive(Subscription s) {
    live.add(s);
  }

  void removeLive(Subscription s) {
    live.remove(s);
  }

  /** An event (or a deletion notice, sequence -1) of this stream arrived on the bus. */
  void onBusEvent(StreamEvent e) {
    if (e.seq() < 0) {
      onEnded(e.epoch());
      return;
    }
    lastArrivalMillis = System.currentTimeMillis();
    auditAfterMillis = AUDIT_AFTER_QUIET_MILLIS;
    if (nextSeq < 0) {
      held.put(e.seq(), e);
      return;
    }
    if (!e.epoch().equals(epoch)) {
      LOG.warning(() -> "stream " + stream + ": history epoch changed from " + epoch + " to " + e.epoch()
          + "; closing its subscribers so they resume against the new history");
      reset();
      return;
    }
    if (e.seq() < nextSeq) {
      return;
    }
    if (e.seq() == nextSeq) {
      deliver(e);
      drainHeld();
      return;
    }
    if (held.size() < MAX_HELD) {
      held.put(e.seq(), e);
    }
    fill();
  }

  private void deliver(StreamEvent e) {
    nextSeq = e.seq() + 1;
    if (completedSeq >= 0 && e.seq() > completedSeq) {
      return;
    }
    if (e.isComplete()) {
      completedSeq = e.seq();
    }
    if (attached.isEmpty()) {
      // lingering without subscribers: keep the position, not the events (a returning client
      // catches up from history)
      return;
    }
    remember(e);
    if (pending == null) {
      pending = new FanoutBatch();
      // behind the tasks the loop already holds (a burst of bus messages): they join this batch
      context.runOnContext(v -> fanOut());
    }
    pending.add(e);
  }

  /**
   * Hands the turn's events to every live subscriber at once. Subscribers check sequences
   * themselves, so one that caught up from {@link #recent} meanwhile takes only what it lacks.
   */
  private void fanOut() {
    FanoutBatch b = pending;
    pending = null;
    if (b == null || closed) {
      return;
    }
    boolean reached = live.size() > 0;
    b.shared(live.size() > 1);
    live.offer(b);
    meters.fannedOut(b, reached);
  }

  private void remember(StreamEvent e) {
    if (e.seq() != recentTo || recentTo == recentFrom) {
      // the first event, or the feed jumped (history trimmed past it): start afresh
      java.util.Arrays.fill(recent, null);
      recentFrom = e.seq();
      recentBytes = 0;
    }
    if (recentTo - recentFrom == recent.length && recent.length < RECENT) {
      grow();
    }
    int i = (int) (e.seq() & (recent.length - 1));
    StreamEvent old = recent[i];
    if (old != null && old.seq() >= recentFrom) {
      recentBytes -= old.dataBytes().length;
    }
    recent[i] = e;
    recentTo = e.seq() + 1;
    recentBytes += e.dataBytes().length;
    if (recentTo - recentFrom > recent.length) {
      recentFrom = recentTo - recent.length;
    }
    while (recentBytes > RECENT_MAX_BYTES && recentFrom < recentTo - 1) {
      int j = (int) (recentFrom & (recent.length - 1));
      recentBytes -= recent[j].dataBytes().length;
      recent[j] = null;
      recentFrom++;
    }
  }

  /** Drops the recent events (and their encodings); the next one delivered starts afresh. */
  private void forgetRecent() {
    recent = new StreamEvent[RECENT_INITIAL];
    recentFrom = 0;
    recentTo = 0;
    recentBytes = 0;
  }

  private void grow() {
    StreamEvent[] bigger = new StreamEvent[recent.length * 2];
    for (long seq = recentFrom; seq < recentTo; seq++) {
      bigger[(int) (seq & (bigger.length - 1))] = recent[(int) (seq & (recent.length - 1))];
    }
    recent = bigger;
  }

  /**
   * @param seq a sequence
   * @return the event if this feed delivered it recently and still holds it (the same object, so
   *     its encodings are shared), else null
   */
  StreamEvent recent(long seq) {
    if (seq < recentFrom || seq >= recentTo) {
      return null;
    }
    StreamEvent e = recent[(int) (seq & (recent.length - 1))];
    return e != null && e.seq() == seq ? e : null;
  }

  private void drainHeld() {
    while (!held.isEmpty() && held.firstKey() <= nextSeq) {
      StreamEvent e = held.pollFirstEntry().getValue();
      if (e.seq() == nextSeq) {
        deliver(e);
      }
    }
  }

  /** Reads what the bus has not brought (yet) from history. */
  private void fill() {
    if (filling || nextSeq < 0 || closed) {
      return;
    }
    filling = true;
    long from = nextSeq;
    history.read(stream, from, batch).onComplete(ar -> {
      filling = false;
      if (closed) {
        return;
      }
      if (ar.succeeded()) {
        for (StreamEvent e : ar.result().events()) {
          if (e.seq() == nextSeq && e.epoch().equals(epoch)) {
            deliver(e);
          }
        }
        drainHeld();
        if (!held.isEmpty() && nextSeq > from) {
          fill();
        }
      } else if (ar.cause() instanceof HistoryTrimmedException trimmed) {
        // the feed fell behind everything history holds: live subscribers see the jump and
        // catch up from history themselves, which signals the gap to each of them
        LOG.warning(() -> "stream " + stream + ": feed fell behind history (" + ar.cause().getMessage() + ")");
        nextSeq = trimmed.headSeq();
        drainHeld();
      } else {
        LOG.log(Level.WARNING, "stream " + stream + ": history read failed; will retry", ar.cause());
      }
    });
  }

  /**
   * Periodic check: a feed with subscribers that heard nothing for a while asks history whether
   * it missed anything (a producer that died between append and bus publish).
   */
  void audit(long nowMillis) {
    if (!attached.isEmpty() && nowMillis - lastArrivalMillis > auditAfterMillis) {
      lastArrivalMillis = nowMillis;
      auditAfterMillis = Math.min(AUDIT_MAX_QUIET_MILLIS, auditAfterMillis * 2);
      fill();
    } else if (!held.isEmpty()) {
      fill();
    }
  }

  /** @return whether the feed has had no subscriber for {@code lingerMillis} */
  boolean idleFor(long nowMillis, long lingerMillis) {
    return attached.isEmpty() && nowMillis - idleSinceMillis >= lingerMillis;
  }

  /** The stream's history of {@code endedEpoch} is gone (deleted, or forgotten after its retention). */
  private void onEnded(String endedEpoch) {
    if (closed || (epoch != null && !epoch.equals(endedEpoch))) {
      return;
    }
    forEachSubscriber(s -> s.fail("stream_deleted", "the stream was deleted"));
    close();
  }

  private void reset() {
    forEachSubscriber(s -> s.fail("stream_reset", "the stream's history was recreated; reconnect to resume"));
    close();
  }

  /** Closes the feed when no subscriber is attached (a feed of a deleted stream serves no one). */
  public void closeIfUnused() {
    if (attached.isEmpty()) {
      close();
    }
  }

  /** Stops the feed; the registry forgets it, and the next subscriber opens a new one. */
  void close() {
    closed = true;
    held.clear();
    forgetRecent();
  }
}
