package io.streamcast.app;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Percentiles of a latency histogram over the last few samples: the difference between the
 * histogram now and {@code samples} ticks ago, read the way Prometheus's {@code histogram_quantile}
 * reads buckets (linear within a bucket). The timer's own counts are cumulative since start, which
 * would hide a current slowdown under hours of history.
 */
final class LatencyWindow {

  private final Timer timer;
  private final int samples;
  private final ArrayDeque<Cumulative> window = new ArrayDeque<>();

  /** Bucket bounds (ms) with cumulative counts, and the total (which includes values above every bound). */
  private record Cumulative(double[] boundsMillis, double[] counts, long total) {
  }

  /** Percentiles of one window, in milliseconds; null when nothing was recorded in it. */
  record Percentiles(Double p50, Double p99, long count) {
  }

  /**
   * @param timer a timer with histogram buckets
   * @param samples how many ticks the window spans
   */
  LatencyWindow(Timer timer, int samples) {
    this.timer = timer;
    this.samples = samples;
  }

  /** Takes a sample and returns the window's percentiles. */
  Percentiles tick() {
    Cumulative now = read(timer.takeSnapshot());
    window.addLast(now);
    Cumulative then = window.size() > samples ? window.removeFirst() : window.peekFirst();
    if (then == now) {
      // first tick: everything recorded so far is the window
      then = new Cumulative(now.boundsMillis(), new double[now.counts().length], 0);
    }
    long count = now.total() - then.total();
    if (count <= 0) {
      return new Percentiles(null, null, 0);
    }
    double[] delta = new double[now.counts().length];
    for (int i = 0; i < delta.length; i++) {
      delta[i] = now.counts()[i] - then.counts()[i];
    }
    return new Percentiles(quantile(0.5, now.boundsMillis(), delta, count),
        quantile(0.99, now.boundsMillis(), delta, count), count);
  }

  private static Cumulative read(HistogramSnapshot s) {
    CountAtBucket[] buckets = s.histogramCounts();
    double[] bounds = new double[buckets.length];
    double[] counts = new double[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
      counts[i] = buckets[i].count();
    }
    return new Cumulative(bounds, counts, s.count());
  }

  /** The value below which {@code q} of the {@code total} observations lie. */
  static double quantile(double q, double[] boundsMillis, double[] cumulative, long total) {
    double rank = q * total;
    double lower = 0;
    double below = 0;
    for (int i = 0; i < boundsMillis.length; i++) {
      if (cumulative[i] >= rank) {
        double inBucket = cumulative[i] - below;
        double fraction = inBucket <= 0 ? 1 : (rank - below) / inBucket;
        return lower + (boundsMillis[i] - lower) * fraction;
      }
      lower = boundsMillis[i];
      below = cumulative[i];
    }
    // above the highest bound: all that can honestly be said is "at least this"
    return boundsMillis.length == 0 ? Double.NaN : boundsMillis[boundsMillis.length - 1];
  }
}
