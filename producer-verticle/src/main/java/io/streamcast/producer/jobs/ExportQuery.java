package io.streamcast.producer.jobs;

import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query the export may run, named in configuration: {@code name(type, ..)=SQL}, one declared type
 * per {@code $n} of the SQL, in order ({@code text}, {@code int}, {@code bigint}, {@code numeric},
 * {@code boolean}, {@code date}, {@code timestamp}, {@code timestamptz}, {@code uuid}). A request's
 * values are checked against those types before any database work ({@code 400 bad_parameter}
 * otherwise) and bound as them; the SQL's placeholders get the matching casts ({@code $1} becomes
 * {@code $1::int}), so PostgreSQL types each parameter as declared whatever the context. Without a
 * declaration ({@code name=SQL}) every parameter is text, bound as given (cast in the SQL).
 *
 * @param name the query's name in requests
 * @param sql the SQL as configured
 * @param types the declared parameter types, one per {@code $n}; null when none were declared
 */
public record ExportQuery(String name, String sql, List<Type> types) {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)(?!\\d)");

  /** A declared parameter type: what a request's value must be, and what it is bound as. */
  public enum Type {
    TEXT("text"), INT("int4"), BIGINT("int8"), NUMERIC("numeric"), BOOLEAN("bool"), DATE("date"),
    TIMESTAMP("timestamp"), TIMESTAMPTZ("timestamptz"), UUID("uuid");

    private final String cast;

    Type(String cast) {
      this.cast = cast;
    }

    /** @return the type named {@code name} in a declaration */
    static Type named(String name) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown parameter type '" + name.trim() + "': one of text, int, bigint,"
            + " numeric, boolean, date, timestamp, timestamptz, uuid");
      }
    }

    /**
     * @param value a JSON value (string, number, boolean, null) or a query parameter's text
     * @return the value to bind
     * @throws IllegalArgumentException when it is not of this type
     */
    Object bind(Object value) {
      if (value == null) {
        return null;
      }
      String text = value instanceof String s ? s.trim() : String.valueOf(value);
      try {
        return switch (this) {
          case TEXT -> value instanceof String s ? s : text;
          case INT -> Integer.valueOf(whole(value, text));
          case BIGINT -> Long.valueOf(whole(value, text));
          case NUMERIC -> Numeric.create(new BigDecimal(text));
          case BOOLEAN -> {
            if (value instanceof Boolean b) {
              yield b;
            }
            if (!text.equals("true") && !text.equals("false")) {
              throw new IllegalArgumentException();
            }
            yield Boolean.valueOf(text);
          }
          case DATE -> LocalDate.parse(text);
          case TIMESTAMP -> LocalDateTime.parse(text);
          case TIMESTAMPTZ -> OffsetDateTime.parse(text);
          case UUID -> java.util.UUID.fromString(text);
        };
      } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
        throw new IllegalArgumentException("must be " + describe() + ", got '" + text + "'");
      }
    }

    private static String whole(Object value, String text) {
      if (value instanceof Number) {
        // JSON 3.0 is a whole number; 3.5 is not
        return new BigDecimal(text).toBigIntegerExact().toString();
      }
      return text;
    }

    private String describe() {
      return switch (this) {
        case TEXT -> "text";
        case INT -> "a whole number that fits 32 bits";
        case BIGINT -> "a whole number that fits 64 bits";
        case NUMERIC -> "a number";
        case BOOLEAN -> "true or false";
        case DATE -> "a date, 2026-12-03";
        case TIMESTAMP -> "a timestamp, 2026-12-03T07:15:00";
        case TIMESTAMPTZ -> "a timestamp with an offset, 2026-12-03T07:15:00Z";
        case UUID -> "a UUID";
      };
    }
  }

  /** Validates: as many declared types as placeholders. */
  public ExportQuery {
    if (types != null) {
      types = List.copyOf(types);
      if (types.size() != placeholders(sql)) {
        throw new IllegalArgumentException("export query '" + name + "' declares " + types.size()
            + " parameter types for " + placeholders(sql) + " placeholders ($1..$n)");
      }
    }
  }

  /**
   * Parses one {@code --export-queries} entry's left side and SQL: {@code name} or {@code name(type, ..)}.
   */
  static ExportQuery parse(String declaration, String sql) {
    String d = declaration.trim();
    int open = d.indexOf('(');
    if (open < 0) {
      return new ExportQuery(d, sql, null);
    }
    if (!d.endsWith(")")) {
      throw new IllegalArgumentException("an export query's types are name(type, ..), got '" + d + "'");
    }
    List<Type> types = new ArrayList<>();
    String inside = d.substring(open + 1, d.length() - 1);
    if (!inside.isBlank()) {
      for (String t : inside.split(",")) {
        types.add(Type.named(t));
      }
    }
    return new ExportQuery(d.substring(0, open).trim(), sql, types);
  }

  /** @return the parameters the SQL takes: its highest {@code $n} */
  public int parameters() {
    return placeholders(sql);
  }

  /** @return the SQL to prepare: with declared types, each placeholder cast to its type */
  String statement() {
    if (types == null) {
      return sql;
    }
    Matcher m = PLACEHOLDER.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Type t = types.get(Integer.parseInt(m.group(1)) - 1);
      m.appendReplacement(out, Matcher.quoteReplacement("$" + m.group(1) + "::" + t.cast));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * @param values one per {@code $n}, in order: JSON values or query parameters' text
   * @return them bound as declared (as text without a declaration)
   * @throws IllegalArgumentException naming the first bad value, or a wrong count
   */
  Tuple bind(List<?> values) {
    int needed = parameters();
    if (values.size() != needed) {
      throw new IllegalArgumentException("query '" + name + "' takes " + needed + " parameters, got " + values.size());
    }
    List<Object> bound = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      Object v = values.get(i);
      if (v != null && !(v instanceof String) && !(v instanceof Number) && !(v instanceof Boolean)) {
        throw new IllegalArgumentException("parameter $" + (i + 1) + " of query '" + name
            + "' must be a string, number, boolean or null");
      }
      Type t = types == null ? Type.TEXT : types.get(i);
      try {
        bound.add(t.bind(v));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("parameter $" + (i + 1) + " of query '" + name + "' " + e.getMessage());
      }
    }
    return Tuple.from(bound);
  }

  /** @return the highest {@code $n} of {@code sql} */
  static int placeholders(String sql) {
    int needed = 0;
    Matcher m = PLACEHOLDER.matcher(sql);
    while (m.find()) {
      needed = Math.max(needed, Integer.parseInt(m.group(1)));
    }
    return needed;
  }
}
