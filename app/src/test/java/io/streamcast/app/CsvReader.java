package io.streamcast.app;

import java.util.ArrayList;
import java.util.List;

/**
 * A strict RFC 4180 reader for the tests (records end at an unquoted line break); an empty unquoted
 * field reads as null, a quoted empty one as "", as the export writes them.
 */
final class CsvReader {

  private CsvReader() {
  }

  /**
   * Reads records from {@code in} one at a time (for files too large to hold), handing each to
   * {@code sink}; CRLF and LF both end a record.
   *
   * @return records read
   */
  static long stream(java.io.Reader in, java.util.function.Consumer<List<String>> sink) throws java.io.IOException {
    java.io.BufferedReader r = new java.io.BufferedReader(in, 1 << 16);
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    long n = 0;
    int c;
    while ((c = r.read()) != -1) {
      if (quoted) {
        if (c == '"') {
          r.mark(1);
          int next = r.read();
          if (next == '"') {
            field.append('"');
          } else {
            quoted = false;
            if (next != -1) {
              r.reset();
            }
          }
        } else {
          field.append((char) c);
        }
      } else if (c == '"') {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',' || c == '\n' || c == '\r') {
        record.add(field.length() == 0 && !wasQuoted ? null : field.toString());
        field.setLength(0);
        wasQuoted = false;
        if (c != ',') {
          if (c == '\r') {
            r.mark(1);
            if (r.read() != '\n') {
              r.reset();
            }
          }
          sink.accept(record);
          n++;
          record = new ArrayList<>();
        }
      } else {
        field.append((char) c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unterminated quoted field");
    }
    if (field.length() > 0 || wasQuoted || !record.isEmpty()) {
      record.add(field.length() == 0 && !wasQuoted ? null : field.toString());
      sink.accept(record);
      n++;
    }
    return n;
  }

  static List<List<String>> parse(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',' || c == '\n' || c == '\r') {
        record.add(field.length() == 0 && !wasQuoted ? null : field.toString());
        field.setLength(0);
        wasQuoted = false;
        if (c != ',') {
          if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
            i++;
          }
          records.add(record);
          record = new ArrayList<>();
        }
      } else {
        field.append(c);
      }
      i++;
    }
    if (quoted) {
      throw new IllegalArgumentException("unterminated quoted field");
    }
    if (field.length() > 0 || wasQuoted || !record.isEmpty()) {
      record.add(field.length() == 0 && !wasQuoted ? null : field.toString());
      records.add(record);
    }
    return records;
  }
}
