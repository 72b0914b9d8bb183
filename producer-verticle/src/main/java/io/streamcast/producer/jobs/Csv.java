package io.streamcast.producer.jobs;

import io.vertx.sqlclient.Row;

/** RFC 4180 fields: quoted when they hold a comma, a quote, CR or LF (quotes doubled); SQL null is an empty field. */
final class Csv {

  private Csv() {
  }

  /** Appends {@code row}'s values as one CSV line ending in {@code \n}. */
  static void appendRow(StringBuilder out, Row row) {
    appendRow(out, row, "\n");
  }

  /** Appends {@code row}'s values as one CSV line ending in {@code end}. */
  static void appendRow(StringBuilder out, Row row, String end) {
    for (int i = 0; i < row.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      Object v = row.getValue(i);
      if (v != null) {
        String s = v.toString();
        if (s.isEmpty()) {
          // quoted, so that it differs from null
          out.append("\"\"");
        } else {
          appendField(out, s);
        }
      }
    }
    out.append(end);
  }

  /** Appends the column names of {@code row} as one CSV line ending in {@code end}. */
  static void appendHeader(StringBuilder out, Row row, String end) {
    for (int i = 0; i < row.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      appendField(out, row.getColumnName(i));
    }
    out.append(end);
  }

  /** Appends one field, quoted when needed; null appends nothing. */
  static void appendField(StringBuilder out, String s) {
    if (s == null) {
      return;
    }
    boolean quote = false;
    for (int i = 0; i < s.length() && !quote; i++) {
      char c = s.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    if (!quote) {
      out.append(s);
      return;
    }
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        out.append('"');
      }
      out.append(c);
    }
    out.append('"');
  }
}
