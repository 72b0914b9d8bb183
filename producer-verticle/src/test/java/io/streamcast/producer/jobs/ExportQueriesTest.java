package io.streamcast.producer.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The export's configuration and CSV fields, without a database. */
class ExportQueriesTest {

  @Test
  void namedQueriesAreSeparatedBySemicolons() {
    Map<String, ExportQuery> q = ExportJobs.parseQueries(" a = SELECT 1 ;b-2=SELECT x FROM t WHERE y = $1;");
    assertEquals(List.of("a", "b-2"), List.copyOf(q.keySet()));
    assertEquals("SELECT x FROM t WHERE y = $1", q.get("b-2").sql());
    assertNull(q.get("b-2").types(), "no declaration: text");
    assertEquals(Map.of(), ExportJobs.parseQueries(null));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("SELECT 1"));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("Bad Name=SELECT 1"));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("a="));
  }

  @Test
  void declaredTypesMatchThePlaceholdersAndCastThem() {
    ExportQuery q = ExportJobs.parseQueries("orders(int, date)=SELECT * FROM o WHERE id > $1 AND d < $2 AND e <> $1")
        .get("orders");
    assertEquals(List.of(ExportQuery.Type.INT, ExportQuery.Type.DATE), q.types());
    assertEquals("SELECT * FROM o WHERE id > $1::int4 AND d < $2::date AND e <> $1::int4", q.statement());
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("a(int)=SELECT $1, $2"));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("a(integer-ish)=SELECT $1"));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("a(int=SELECT $1"));
    assertEquals("SELECT 1", ExportJobs.parseQueries("a()=SELECT 1").get("a").statement());
  }

  @Test
  void valuesAreCheckedAgainstTheirTypes() {
    ExportQuery q = ExportJobs.parseQueries("q(int, bigint, numeric, boolean, date, timestamptz, uuid, text)="
        + "SELECT $1, $2, $3, $4, $5, $6, $7, $8").get("q");
    String uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    Tuple t = q.bind(Arrays.asList("42", 9_000_000_000L, "1.25", true, "2026-12-03", "2026-12-03T07:15:00Z", uuid,
        null));
    assertEquals(42, t.getValue(0));
    assertEquals(9_000_000_000L, t.getValue(1));
    assertEquals(java.time.LocalDate.of(2026, 12, 3), t.getValue(4));
    assertEquals(java.util.UUID.fromString(uuid), t.getValue(6));
    assertNull(t.getValue(7));
    assertEquals(3, q.bind(Arrays.asList(3.0, 1, 1, "false", "2026-12-03", "2026-12-03T07:15:00+01:00", uuid, 5))
        .getValue(0), "a JSON 3.0 is a whole number");
    for (int i = 0; i < 7; i++) {
      List<Object> values = new java.util.ArrayList<>(Arrays.asList(1, 1, 1, true, "2026-12-03",
          "2026-12-03T07:15:00Z", uuid, "x"));
      values.set(i, List.of("1.5", "x", "one", "yes", "2026-02-30", "07:15", "not-a-uuid").get(i));
      int at = i + 1;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.bind(values));
      assertTrue(e.getMessage().contains("$" + at), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> q.bind(List.of(1)), "too few");
    ExportQuery untyped = ExportJobs.parseQueries("u=SELECT $1::text::int").get("u");
    assertEquals("7", untyped.bind(List.of(7)).getValue(0), "no declaration: bound as text");
  }

  @Test
  void placeholdersCountTheHighestParameter() {
    assertEquals(0, ExportQuery.placeholders("SELECT 1"));
    assertEquals(2, ExportQuery.placeholders("SELECT $2, $1, $1"));
    assertEquals(10, ExportQuery.placeholders("SELECT $10"));
  }

  @Test
  void fieldsAreQuotedOnlyWhenTheyMustBe() {
    assertEquals("plain", field("plain"));
    assertEquals("é漢", field("é漢"));
    assertEquals("\"a,b\"", field("a,b"));
    assertEquals("\"say \"\"hi\"\"\"", field("say \"hi\""));
    assertEquals("\"x\r\ny\"", field("x\r\ny"));
    assertEquals("\"x\ny\"", field("x\ny"));
    assertEquals("", field(null));
  }

  private static String field(String s) {
    StringBuilder out = new StringBuilder();
    Csv.appendField(out, s);
    return out.toString();
  }
}
