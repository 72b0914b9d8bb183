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
