package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a setting comes from: flag, then environment, then file, then default. */
class NodeConfigTest {

  @Test
  void flagsWinOverEnvironmentOverFileOverDefaults() {
    NodeConfig c = NodeConfig.resolve(
        Map.of(NodeFlag.HTTP_PORT, "9001"),
        Map.of("STREAMCAST_HTTP_PORT", "9002", "STREAMCAST_PUBLISH_PORT", "9003"),
        Map.of("http-port", "9004", "publish-port", "9005", "cluster-port", "6000"),
        false);
    assertEquals(9001, c.edge().httpPort());
    assertEquals(9003, c.producer().publishPort());
    assertEquals(6000, c.cluster().port());
    assertEquals(15, c.edge().heartbeatSeconds(), "default");
    assertEquals("127.0.0.1:6000", c.cluster().nodeName(), "node name defaults to host:cluster-port");
  }

  @Test
  void membersAndRolesAreCommaLists() {
    NodeConfig c = NodeConfig.resolve(Map.of(NodeFlag.MEMBERS, "127.0.0.1:5701, 127.0.0.1:5702", NodeFlag.ROLES, "edge"),
        Map.of(), Map.of(), false);
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), c.cluster().members());
    assertEquals(true, c.edgeRole());
    assertEquals(false, c.producerRole());
  }

  @Test
  void invalidSettingsNameTheFlag() {
    assertEquals("--roles must list edge and/or producer, got [viewer]", assertThrows(IllegalArgumentException.class,
        () -> NodeConfig.resolve(Map.of(NodeFlag.ROLES, "viewer"), Map.of(), Map.of(), false)).getMessage());
    assertEquals("members: '127.0.0.1:5701-5705' has no valid port (ranges are not supported)",
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(
            Map.of(NodeFlag.MEMBERS, "127.0.0.1:5701-5705"), Map.of(), Map.of(), false)).getMessage());
    assertEquals("--http-port and --publish-port must differ (both 8080)", assertThrows(IllegalArgumentException.class,
        () -> NodeConfig.resolve(Map.of(NodeFlag.PUBLISH_PORT, "8080"), Map.of(), Map.of(), false)).getMessage());
    assertEquals("--drain-delay-seconds must be 0 or more and less than --drain-seconds (20), got 20",
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(
            Map.of(NodeFlag.DRAIN_DELAY_SECONDS, "20"), Map.of(), Map.of(), false)).getMessage());
  }
}
