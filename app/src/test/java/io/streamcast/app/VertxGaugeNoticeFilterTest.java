package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Only Micrometer's notice about Vert.x's own gauges is dropped; the same notice for any other meter stays. */
class VertxGaugeNoticeFilterTest {

  private static LogRecord record(String logger, String message) {
    LogRecord r = new LogRecord(Level.WARNING, message);
    r.setLoggerName(logger);
    return r;
  }

  @Test
  void dropsTheNoticeForVertxGaugesOnly() {
    VertxGaugeNoticeFilter filter = new VertxGaugeNoticeFilter();
    String registry = "io.micrometer.core.instrument.MeterRegistry";
    assertFalse(filter.isLoggable(record(registry, "This Gauge has been already registered (MeterId{name="
        + "'vertx.http.server.active.requests', tags=[tag(method=GET),tag(node=n1)]}), the registration will be ignored.")));
    assertTrue(filter.isLoggable(record(registry, "This Gauge has been already registered (MeterId{name="
        + "'streamcast.streams.active', tags=[]}), the registration will be ignored.")));
    assertTrue(filter.isLoggable(record(registry, "another warning")));
    assertTrue(filter.isLoggable(record("io.streamcast.app.StreamcastNode", "This Gauge has been already registered"
        + " (MeterId{name='vertx.x'})")));
    assertTrue(filter.isLoggable(record(registry, null)));
  }
}
