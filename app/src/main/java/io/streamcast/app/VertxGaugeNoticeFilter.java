package io.streamcast.app;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops Micrometer's "This Gauge has been already registered" warning for Vert.x's own gauges, which
 * every node printed at start (for {@code vertx.http.server.active.requests},
 * {@code vertx.net.client.active.connections}, ...) and which says nothing wrong to an operator.
 *
 * <p>Why it is noise: Vert.x registers a gauge once per server, client or pool with the same name and
 * tags on purpose, and gets the same counter back each time (vert-x3/vertx-micrometer-metrics#259,
 * micrometer-metrics/micrometer#6931); Micrometer 1.13.9 and later warn about any repeated gauge
 * registration. The warning stays for every other meter, Streamcast's own included. Installed on the
 * console handler by {@code streamcast-logging.properties}.
 */
public final class VertxGaugeNoticeFilter implements Filter {

  private static final String LOGGER = "io.micrometer.core.instrument.MeterRegistry";
  private static final String NOTICE = "This Gauge has been already registered (MeterId{name='vertx.";

  @Override
  public boolean isLoggable(LogRecord record) {
    return !(LOGGER.equals(record.getLoggerName()) && record.getMessage() != null
        && record.getMessage().startsWith(NOTICE));
  }
}
