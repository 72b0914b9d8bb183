package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The state follows the old generation's collection usage with hysteresis. The GC tests set the
 * marks a few tens of MB above the live set this JVM has right after {@code System.gc()}, then
 * retain and release that much: the margins are far above the few MB a quiet test JVM moves.
 */
class MemoryPressureTest {

  private static final long MB = 1 << 20;

  @Test
  void hysteresisEntersAtTheHighMarkAndLeavesOnlyAtTheLowMark() {
    MemoryPressure p = new MemoryPressure(null, 0.85, 0.75, Duration.ofSeconds(30));
    long max = Runtime.getRuntime().maxMemory();
    List<MemoryPressure.Change> changes = new ArrayList<>();
    p.onChange(changes::add);
    assertTrue(Double.isNaN(p.usedAfterGcFraction()), "no reading before the first old collection");

    p.onReading((long) (max * 0.80), "test");
    assertFalse(p.high(), "0.80 is below the high mark");
    p.onReading((long) (max * 0.86), "test");
    assertTrue(p.high(), "0.86 is above the high mark");
    p.onReading((long) (max * 0.80), "test");
    assertTrue(p.high(), "0.80 is not yet at the low mark: no flapping");
    p.onReading((long) (max * 0.75), "test");
    assertFalse(p.high(), "at the low mark the pressure is over");

    assertEquals(2, changes.size(), changes.toString());
    assertTrue(changes.get(0).high());
    assertFalse(changes.get(1).high());
    assertEquals(0.75, changes.get(1).usedAfterGcFraction(), 0.001);
  }

  @Test
  void marksAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new MemoryPressure(null, 1.2, 0.5, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new MemoryPressure(null, Double.NaN, 0.5, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new MemoryPressure(null, 0.5, 0.5, Duration.ofSeconds(1)));
    try (MemoryPressure p = MemoryPressure.start(0.85)) {
      assertEquals(0.75, p.lowWatermark(), 1e-9, "the low mark sits 0.10 below by default");
    }
  }

  @Test
  void findsTheOldGenerationOfThisJvmsCollector() {
    try (MemoryPressure p = MemoryPressure.start(0.85)) {
      String expected = ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isUsageThresholdSupported())
          .map(MemoryPoolMXBean::getName).findFirst().orElseThrow();
      assertEquals(expected, p.poolName());
      assertNotEquals("none", p.poolName());
    }
  }

  @Test
  void aFullCollectionWithMoreLiveStateEntersAndOneWithLessLeaves() throws InterruptedException {
    System.gc();
    MemoryPoolMXBean old = oldGeneration();
    long max = old.getUsage().getMax() > 0 ? old.getUsage().getMax() : Runtime.getRuntime().maxMemory();
    long live = old.getCollectionUsage().getUsed();
    double highMark = (double) (live + 48 * MB) / max;
    double lowMark = (double) (live + 16 * MB) / max;
    BlockingQueue<MemoryPressure.Change> changes = new LinkedBlockingQueue<>();
    try (MemoryPressure p = MemoryPressure.start(highMark, lowMark, Duration.ofMinutes(10))) {
      p.onChange(changes::add);
      assertFalse(p.high());

      List<byte[]> state = retain(80);
      System.gc();
      MemoryPressure.Change entered = changes.poll(10, TimeUnit.SECONDS);
      assertTrue(entered != null && entered.high(), () -> "80 MB more live state enters: " + entered);
      assertTrue(p.high());
      assertTrue(p.usedAfterGcFraction() >= highMark, () -> p.usedAfterGcFraction() + " < " + highMark);

      state.clear();
      System.gc();
      MemoryPressure.Change left = changes.poll(10, TimeUnit.SECONDS);
      assertTrue(left != null && !left.high(), () -> "releasing it leaves: " + left);
      assertFalse(p.high());
    }
  }

  @Test
  void garbageBetweenCollectionsDoesNotCount() throws InterruptedException {
    System.gc();
    MemoryPoolMXBean old = oldGeneration();
    long max = old.getUsage().getMax() > 0 ? old.getUsage().getMax() : Runtime.getRuntime().maxMemory();
    long live = old.getCollectionUsage().getUsed();
    BlockingQueue<MemoryPressure.Change> changes = new LinkedBlockingQueue<>();
    try (MemoryPressure p = MemoryPressure.start((double) (live + 48 * MB) / max, (double) (live + 16 * MB) / max,
        Duration.ofMinutes(10))) {
      p.onChange(changes::add);
      long sink = 0;
      // ten times the margin allocated and dropped: young collections, none of it live
      for (int i = 0; i < 480 * 4; i++) {
        sink += new byte[(int) (MB / 4)].length;
      }
      assertEquals(480 * MB, sink);
      assertEquals(null, changes.poll(200, TimeUnit.MILLISECONDS), "garbage is no pressure");
      assertFalse(p.high());
    }
  }

  @Test
  void aStaleHighStateIsMeasuredAgainWithoutWaitingForACollection() throws InterruptedException {
    BlockingQueue<MemoryPressure.Change> changes = new LinkedBlockingQueue<>();
    // the default marks: a test JVM's old generation is far below 0.75 of its maximum
    try (MemoryPressure p = MemoryPressure.start(0.85, 0.75, Duration.ofMillis(200))) {
      p.onChange(changes::add);
      long max = oldGeneration().getUsage().getMax() > 0 ? oldGeneration().getUsage().getMax()
          : Runtime.getRuntime().maxMemory();
      p.onReading((long) (max * 0.9), "a pretend collection");
      assertTrue(changes.poll(1, TimeUnit.SECONDS).high());
      MemoryPressure.Change left = changes.poll(5, TimeUnit.SECONDS);
      assertTrue(left != null && !left.high(), () -> "the current usage, below the low mark, ends it: " + left);
      assertTrue(left.source().startsWith("current usage"), left.source());
    }
  }

  private static List<byte[]> retain(int megabytes) {
    List<byte[]> state = new ArrayList<>();
    for (int i = 0; i < megabytes * 4; i++) {
      state.add(new byte[(int) (MB / 4)]);
    }
    return state;
  }

  private static MemoryPoolMXBean oldGeneration() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isUsageThresholdSupported()
            && pool.isCollectionUsageThresholdSupported())
        .findFirst().orElseThrow();
  }
}
