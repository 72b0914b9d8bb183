package io.streamcast.app;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The node's log line, {@code 2026-12-03 02:13:46.672 INFO    [logger] message}, the same text as the
 * {@code SimpleFormatter} pattern it replaces, without {@code String.format}: a node serving one stream
 * per request logs a line per closed connection, and formatting that line through {@code
 * java.util.Formatter} cost more CPU than closing the connection (JFR, scenario 6 of bench/requests).
 * The date and time up to the second are formatted once per second.
 */
public final class LogLineFormatter extends Formatter {

  private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.");
  private static final ZoneId ZONE = ZoneId.systemDefault();
  private static final String PAD = "       ";

  /** The epoch second {@link #secondText} was formatted for; handlers call {@link #format} one at a time. */
  private long second = Long.MIN_VALUE;
  private String secondText;

  @Override
  public synchronized String format(LogRecord record) {
    long millis = record.getMillis();
    long epochSecond = Math.floorDiv(millis, 1000);
    if (epochSecond != second) {
      secondText = SECOND.format(LocalDateTime.ofInstant(Instant.ofEpochSecond(epochSecond), ZONE));
      second = epochSecond;
    }
    int ms = (int) Math.floorMod(millis, 1000);
    String level = record.getLevel().getLocalizedName();
    String message = formatMessage(record);
    StringBuilder line = new StringBuilder(48 + message.length());
    line.append(secondText).append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10))
        .append((char) ('0' + ms % 10)).append(' ').append(level);
    if (level.length() < PAD.length()) {
      line.append(PAD, 0, PAD.length() - level.length());
    }
    line.append(" [").append(record.getLoggerName()).append("] ").append(message);
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      try (PrintWriter out = new PrintWriter(trace)) {
        out.println();
        record.getThrown().printStackTrace(out);
      }
      line.append(trace.getBuffer(), 0, trace.getBuffer().length() - System.lineSeparator().length());
    }
    return line.append(System.lineSeparator()).toString();
  }
}
