package io.streamcast.producer.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The export's configuration and CSV fields, without a database. */
class ExportQueriesTest {

  @Test
  void namedQueriesAreSeparatedBySemicolons() {
    assertEquals(Map.of("a", "SELECT 1", "b-2", "SELECT x FROM t WHERE y = $1"),
        ExportJobs.parseQueries(" a = SELECT 1 ;b-2=SELECT x FROM t WHERE y = $1;"));
    assertEquals(Map.of(), ExportJobs.parseQueries(null));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("SELECT 1"));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("Bad Name=SELECT 1"));
    assertThrows(IllegalArgumentException.class, () -> ExportJobs.parseQueries("a="));
  }

  @Test
  void placeholdersCountTheHighestParameter() {
    assertEquals(0, ExportJobs.placeholders("SELECT 1"));
    assertEquals(2, ExportJobs.placeholders("SELECT $2, $1, $1"));
    assertEquals(10, ExportJobs.placeholders("SELECT $10"));
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
