package io.streamcast.bench.failover;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The publisher's side of the drill: for each event number {@code n}, when it was sent, whether (and
 * when) a node acknowledged it, and which scenario it belongs to; plus every end-to-end latency sample
 * (send of the publish to receipt by a client, one clock: the drill's own JVM).
 */
final class Ledger {

  /** 0: outside any scenario (warm-up, settling), 1: kill -9, 2: rolling restart. */
  static final int SCENARIOS = 5;

  private final int capacity;
  private final AtomicLongArray sentNanos;
  private final AtomicLongArray ackNanos;
  private final AtomicIntegerArray scenario;
  private final AtomicIntegerArray failed;
  private volatile int currentScenario;
  private long[] samples = new long[1 << 20];
  private int sampleCount;

  Ledger(int capacity) {
    this.capacity = capacity;
    this.sentNanos = new AtomicLongArray(capacity);
    this.ackNanos = new AtomicLongArray(capacity);
    this.scenario = new AtomicIntegerArray(capacity);
    this.failed = new AtomicIntegerArray(capacity);
  }

  int capacity() {
    return capacity;
  }

  int currentScenario() {
    return currentScenario;
  }

  void currentScenario(int s) {
    currentScenario = s;
  }

  void sent(int n, long nanos) {
    scenario.set(n, currentScenario);
    sentNanos.set(n, nanos);
  }

  void acked(int n, long nanos) {
    ackNanos.set(n, nanos);
  }

  void failed(int n) {
    failed.set(n, 1);
  }

  boolean acked(int n) {
    return ackNanos.get(n) != 0;
  }

  boolean isFailed(int n) {
    return failed.get(n) != 0;
  }

  int scenarioOf(int n) {
    return n < capacity ? scenario.get(n) : 0;
  }

  /** Records one delivery of {@code n} received at {@code nowNanos}. */
  void latency(int n, long nowNanos) {
    long sent = sentNanos.get(n);
    if (sent == 0) {
      return;
    }
    long micros = Math.min(Integer.MAX_VALUE, Math.max(0, (nowNanos - sent) / 1000));
    long sample = ((long) n << 32) | micros;
    synchronized (this) {
      if (sampleCount == samples.length) {
        samples = Arrays.copyOf(samples, samples.length * 2);
      }
      samples[sampleCount++] = sample;
    }
  }

  /**
   * @return p50 and p99 in ms (NaN when empty) and the sample count, of deliveries of events whose
   *     number lies in {@code [fromN, toN]} and that were sent within {@code [fromNanos, toNanos)}
   */
  synchronized double[] percentiles(int fromN, int toN, long fromNanos, long toNanos) {
    long[] picked = new long[Math.max(16, sampleCount / 4)];
    int count = 0;
    for (int i = 0; i < sampleCount; i++) {
      int n = (int) (samples[i] >>> 32);
      if (n < fromN || n > toN) {
        continue;
      }
      long sent = sentNanos.get(n);
      if (sent < fromNanos || sent >= toNanos) {
        continue;
      }
      if (count == picked.length) {
        picked = Arrays.copyOf(picked, picked.length * 2);
      }
      picked[count++] = samples[i] & 0xffffffffL;
    }
    if (count == 0) {
      return new double[] {Double.NaN, Double.NaN, 0};
    }
    Arrays.sort(picked, 0, count);
    return new double[] {picked[(int) Math.min(count - 1, Math.floor(count * 0.50))] / 1000.0,
        picked[(int) Math.min(count - 1, Math.floor(count * 0.99))] / 1000.0, count};
  }

  /** @return the {@code n} in data like {@code {"n":123,...}}, -1 if none */
  static int numberOf(String data) {
    int i = data.indexOf("\"n\":");
    if (i < 0) {
      return -1;
    }
    int n = 0;
    boolean any = false;
    for (int j = i + 4; j < data.length(); j++) {
      char c = data.charAt(j);
      if (c < '0' || c > '9') {
        break;
      }
      n = n * 10 + (c - '0');
      any = true;
    }
    return any ? n : -1;
  }
}
