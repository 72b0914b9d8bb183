package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The node's log line reads as the SimpleFormatter pattern it replaced. */
class LogLineFormatterTest {

  private static String simple(LogRecord r) {
    // the pattern of streamcast-logging.properties before LogLineFormatter, through java.util.Formatter
    return String.format("%1$tF %1$tT.%1$tL %4$-7s [%3$s] %5$s%n", new java.util.Date(r.getMillis()), null,
        r.getLoggerName(), r.getLevel().getLocalizedName(), r.getMessage());
  }

  @Test
  void linesMatchTheFormerPatternAcrossSecondsAndLevels() {
    LogLineFormatter formatter = new LogLineFormatter();
    long[] times = {1_764_727_226_672L, 1_764_727_226_999L, 1_764_727_227_000L, 1_764_727_227_005L, 1_764_727_288_050L};
    Level[] levels = {Level.INFO, Level.WARNING, Level.SEVERE, Level.FINE, Level.INFO};
    for (int i = 0; i < times.length; i++) {
      LogRecord r = new LogRecord(levels[i], "stream closed: stream=s" + i + " reason=\"client closed\"");
      r.setLoggerName("io.streamcast.edge.connections");
      r.setInstant(java.time.Instant.ofEpochMilli(times[i]));
      assertEquals(simple(r), formatter.format(r));
    }
  }

  @Test
  void aThrowableFollowsTheMessage() {
    LogRecord r = new LogRecord(Level.SEVERE, "publish failed");
    r.setLoggerName("io.streamcast.producer.PublishRoutes");
    r.setThrown(new IllegalStateException("boom"));
    String line = new LogLineFormatter().format(r);
    assertTrue(line.contains("[io.streamcast.producer.PublishRoutes] publish failed" + System.lineSeparator()
        + "java.lang.IllegalStateException: boom"), line);
    assertTrue(line.endsWith(System.lineSeparator()) && !line.endsWith(System.lineSeparator() + System.lineSeparator()));
  }
}
