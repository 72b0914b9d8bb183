package io.streamcast.app;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Whether this JVM's heap is too full to take on more state: a node refuses work that adds state
 * (new streams, publishes) while {@link #high()}, so it degrades with 503s instead of running out of
 * heap (a Hazelcast member out of heap is shut down by its OutOfMemoryError handler).
 *
 * <p><b>What is measured.</b> The old generation's <em>collection usage</em>: what the JVM reports as
 * still in use right after a collection that collected that pool, as a fraction of the pool's
 * maximum. It is the pool found by its abilities, not its name: the heap pool that supports both a
 * usage and a collection-usage threshold ({@code Tenured Gen} for Serial, {@code G1 Old Gen} for G1,
 * {@code PS Old Gen} for Parallel; eden and survivor spaces support only the latter). The plain
 * usage between collections is no measure: it counts garbage, and under Serial it climbs to the
 * pool's maximum before every full collection. The JVM only updates the collection usage after
 * collections that actually collected the pool (checked on JDK 17: Serial's and Parallel's full
 * collections, G1's mixed and full ones; not young ones), so every reading is the live set plus
 * what that collector chose to leave (G1 leaves up to about 5 % of the heap). The maximum is the
 * pool's own: for Serial and Parallel the heap minus the young generation, for G1 the whole heap.
 *
 * <p><b>Marks.</b> High at 0.85 by default (the node flag {@code --memory-high-watermark}), low {@value #HYSTERESIS}
 * below it. Why 0.85: a live set above it leaves less than 15 % of the old generation for what
 * arrives before the next old collection, so collections come ever closer together and the next
 * burst of new streams (about 120 KB of ringbuffer each, allocated at once) ends in an
 * OutOfMemoryError; below it, G1's own leftovers (up to ~5 %) and an ordinary working set do not
 * trigger it. The gap to the low mark keeps a node hovering at the mark from flapping every
 * collection.
 *
 * <p><b>Between collections.</b> No collection, no new reading. While not high that is right (no
 * collection means no allocation pressure worth the name), with one limit: under Serial the first
 * reading above the mark arrives at the full collection that finds the live set there, so the mark
 * must leave room for what arrives between two full collections, which is why it is not 0.95. While
 * high, the node refuses work, allocates less, and collections may stop: the state would then stay
 * high long after streams were destroyed. So when no reading came for {@code recheckAfter} (30 s by
 * default) while high, the current usage of the pool is checked: it is an upper bound of the live
 * set, so if it is at or below the low mark the state leaves at once; if not, one
 * {@code System.gc()} is requested (at most once per {@code recheckAfter}, on this class's own
 * thread, never an event loop) and its collection brings an honest reading. A full collection every
 * 30 s only while a node is already refusing work is a fair price; with
 * {@code -XX:+DisableExplicitGC} the state waits for the JVM's next old collection instead.
 *
 * <p>{@link #high()} is a volatile read, cheap on every request from any thread. Listeners run on
 * the JVM's notification thread or this class's own thread, and must return quickly.
 */
public final class MemoryPressure implements AutoCloseable {

  /** How far below the high-water mark the low mark sits. */
  public static final double HYSTERESIS = 0.10;
  /** Default time without a reading, while high, before the state is checked again. */
  public static final Duration DEFAULT_RECHECK_AFTER = Duration.ofSeconds(30);

  private static final Logger LOG = Logger.getLogger(MemoryPressure.class.getName());

  /**
   * A change of state.
   *
   * @param high whether the node is now under pressure
   * @param usedAfterGcFraction the reading that decided it, as a fraction of {@code maxBytes}
   * @param usedBytes that reading in bytes
   * @param maxBytes the old generation's maximum
   * @param source what the reading was (a collection's name, or the current usage)
   */
  record Change(boolean high, double usedAfterGcFraction, long usedBytes, long maxBytes, String source) {
  }

  private final MemoryPoolMXBean pool;
  private final long maxBytes;
  private final double highMark;
  private final double lowMark;
  private final long recheckNanos;
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ScheduledExecutorService recheck;
  private volatile boolean high;
  private volatile double fraction = Double.NaN;
  private volatile long lastReadingNanos = System.nanoTime();
  private long lastGcRequestNanos;

  MemoryPressure(MemoryPoolMXBean pool, double highMark, double lowMark, Duration recheckAfter) {
    if (!(highMark > 0 && highMark < 1)) {
      throw new IllegalArgumentException("high-water mark must be between 0 and 1, got " + highMark);
    }
    if (!(lowMark > 0 && lowMark < highMark)) {
      throw new IllegalArgumentException("low mark must be between 0 and the high-water mark " + highMark
          + ", got " + lowMark);
    }
    this.pool = pool;
    this.highMark = highMark;
    this.lowMark = lowMark;
    this.recheckNanos = recheckAfter.toNanos();
    long poolMax = pool == null ? -1 : pool.getUsage().getMax();
    this.maxBytes = poolMax > 0 ? poolMax : Runtime.getRuntime().maxMemory();
    this.recheck = pool == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "streamcast-memory-pressure");
      t.setDaemon(true);
      return t;
    });
    this.lastGcRequestNanos = System.nanoTime() - recheckNanos;
  }

  /**
   * Starts watching with the default low mark ({@value #HYSTERESIS} below {@code highMark}).
   *
   * @param highMark fraction of the old generation's maximum, in use after a collection, at which
   *     the state turns high
   * @return the running watch; {@link #close()} it when the node stops
   */
  public static MemoryPressure start(double highMark) {
    return start(highMark, highMark - HYSTERESIS, DEFAULT_RECHECK_AFTER);
  }

  /**
   * Starts watching.
   *
   * @param highMark fraction at or above which the state turns high
   * @param lowMark fraction at or below which it turns back (below {@code highMark})
   * @param recheckAfter time without a reading, while high, before the state is checked again
   * @return the running watch; {@link #close()} it when the node stops
   */
  public static MemoryPressure start(double highMark, double lowMark, Duration recheckAfter) {
    MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP && p.isValid())
        .filter(p -> p.isUsageThresholdSupported() && p.isCollectionUsageThresholdSupported())
        .max(Comparator.comparingLong(p -> p.getUsage().getMax()))
        .orElse(null);
    MemoryPressure pressure = new MemoryPressure(old, highMark, lowMark, recheckAfter);
    if (old == null) {
      LOG.warning("memory pressure: this JVM's collector shows no old-generation pool; the node never refuses "
          + "work for memory");
      return pressure;
    }
    pressure.subscribe();
    LOG.fine(() -> String.format(Locale.ROOT, "memory pressure: watching '%s' (max %d MB): high at %.0f %%, "
        + "low at %.0f %%", old.getName(), pressure.maxBytes >> 20, highMark * 100, lowMark * 100));
    return pressure;
  }

  private void subscribe() {
    NotificationListener listener = this::onNotification;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        unsubscribe.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (ListenerNotFoundException alreadyGone) {
            // nothing to undo
          }
        });
      }
    }
    // a collection before this watch started already tells where the heap stands
    MemoryUsage last = pool.getCollectionUsage();
    if (last != null && last.getUsed() > 0) {
      onReading(last.getUsed(), "after a collection before the watch started");
    }
    long tick = Math.max(1, Math.min(recheckNanos / 2, TimeUnit.SECONDS.toNanos(5)));
    recheck.scheduleWithFixedDelay(this::recheckIfStale, tick, tick, TimeUnit.NANOSECONDS);
  }

  private void onNotification(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    MemoryUsage after = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
    MemoryUsage collection = pool.getCollectionUsage();
    // the JVM sets the pool's collection usage at the end of a collection that collected the pool,
    // before it sends this notification: equal to this collection's figure means it came from this
    // one; a young collection leaves the old figure (and its own counts garbage), so it is no reading
    if (after == null || collection == null || collection.getUsed() != after.getUsed()) {
      return;
    }
    onReading(collection.getUsed(), "after " + info.getGcName() + ", " + info.getGcCause());
  }

  private void recheckIfStale() {
    try {
      long now = System.nanoTime();
      if (!high || now - lastReadingNanos < recheckNanos) {
        return;
      }
      long used = pool.getUsage().getUsed();
      if ((double) used / maxBytes <= lowMark) {
        // garbage included, this is still no more than the live set: the pressure is over for sure
        onReading(used, "current usage, no old collection for "
            + TimeUnit.NANOSECONDS.toSeconds(now - lastReadingNanos) + " s");
      } else if (now - lastGcRequestNanos >= recheckNanos) {
        lastGcRequestNanos = now;
        LOG.fine("memory pressure: no old collection for a while, requesting one to measure again");
        System.gc();
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "memory pressure: recheck failed", e);
    }
  }

  /** Decides the state from one reading of the old generation's live bytes. */
  synchronized void onReading(long usedBytes, String source) {
    double f = (double) usedBytes / maxBytes;
    fraction = f;
    lastReadingNanos = System.nanoTime();
    boolean now = high ? f > lowMark : f >= highMark;
    if (now == high) {
      return;
    }
    high = now;
    Change change = new Change(now, f, usedBytes, maxBytes, source);
    if (now) {
      LOG.warning(String.format(Locale.ROOT, "memory pressure: %.1f %% of %s in use (%d of %d MB; %s), at or "
          + "above the high-water mark %.0f %%: refusing work that adds state", f * 100, poolName(),
          usedBytes >> 20, maxBytes >> 20, source, highMark * 100));
    } else {
      LOG.info(String.format(Locale.ROOT, "memory pressure over: %.1f %% of %s in use (%d of %d MB; %s), at or "
          + "below %.0f %%: taking work again (refusals are counted in "
          + "streamcast_requests_refused_total{reason=\"capacity\"})", f * 100, poolName(),
          usedBytes >> 20, maxBytes >> 20, source, lowMark * 100));
    }
    for (Consumer<Change> l : listeners) {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "memory pressure listener failed", e);
      }
    }
  }

  /** @return whether the node should refuse work that adds state (a volatile read) */
  public boolean high() {
    return high;
  }

  /**
   * @return the last reading: the old generation in use after its last collection, as a fraction of
   *     its maximum; {@code NaN} before the first old collection (a test seam: the node reads only
   *     {@link #high()})
   */
  double usedAfterGcFraction() {
    return fraction;
  }

  /** @return the fraction at or below which the state turns back (a test seam, as the reading) */
  double lowWatermark() {
    return lowMark;
  }

  /** @return the old generation's name, or {@code "none"} when the collector shows none */
  public String poolName() {
    return pool == null ? "none" : pool.getName();
  }

  /**
   * Registers {@code listener} for every change of state (not for every reading). The node only logs
   * the changes; this is the seam through which tests watch them.
   *
   * @param listener runs on the JVM's notification thread or this class's thread; must not block
   */
  void onChange(Consumer<Change> listener) {
    listeners.add(listener);
  }

  /** Stops watching: the notification listeners go and the recheck thread ends. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    unsubscribe.forEach(Runnable::run);
    unsubscribe.clear();
    if (recheck != null) {
      recheck.shutdownNow();
    }
  }
}
