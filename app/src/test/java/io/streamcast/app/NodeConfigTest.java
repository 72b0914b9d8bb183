package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamcast.core.AuthSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void expectedMembersDefaultToTheDistinctMembersWithThisNodeAndGiveAMajorityQuorum() {
    assertEquals(1, NodeConfig.resolve(Map.of(), Map.of(), Map.of(), false).cluster().expectedMembers(), "alone");
    NodeConfig listed = NodeConfig.resolve(Map.of(NodeFlag.CLUSTER_PORT, "5701",
        NodeFlag.MEMBERS, "127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703,127.0.0.1:5702"), Map.of(), Map.of(), false);
    assertEquals(3, listed.cluster().expectedMembers(), "duplicates and this node counted once");
    assertEquals(2, listed.cluster().quorum());
    NodeConfig others = NodeConfig.resolve(Map.of(NodeFlag.CLUSTER_PORT, "5701", NodeFlag.MEMBERS, "127.0.0.1:5702"),
        Map.of(), Map.of(), false);
    assertEquals(2, others.cluster().expectedMembers(), "a list without this node");
    assertEquals(2, others.cluster().quorum(), "two nodes: both");
    NodeConfig given = NodeConfig.resolve(Map.of(NodeFlag.EXPECTED_MEMBERS, "5", NodeFlag.KUBERNETES_SERVICE_DNS,
        "svc.ns.svc.cluster.local"), Map.of(), Map.of(), false);
    assertEquals(3, given.cluster().quorum());
    assertEquals(false, NodeConfig.resolve(Map.of(NodeFlag.EXPECTED_MEMBERS, "1", NodeFlag.MEMBERS, "127.0.0.1:5702"),
        Map.of(), Map.of(), false).cluster().quorumEnforced());
    assertEquals("--expected-members must be 1 or more, got 0", assertThrows(IllegalArgumentException.class,
        () -> NodeConfig.resolve(Map.of(NodeFlag.EXPECTED_MEMBERS, "0"), Map.of(), Map.of(), false)).getMessage());
    assertEquals("--expected-members is required with --kubernetes-service-dns (the number of replicas)",
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(
            Map.of(NodeFlag.KUBERNETES_SERVICE_DNS, "svc.ns.svc.cluster.local"), Map.of(), Map.of(), false))
            .getMessage());
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

  @Test
  void authIsOffWithoutAKeyAndOnWithASecretFromAnySource() {
    NodeConfig off = NodeConfig.resolve(Map.of(), Map.of(), Map.of(), true);
    assertEquals(false, off.edge().auth().enabled());
    assertEquals(false, off.producer().auth().enabled());
    NodeConfig on = NodeConfig.resolve(Map.of(), Map.of("STREAMCAST_JWT_SECRET", "s3cret"), Map.of(), false);
    assertEquals("HS256", on.edge().auth().algorithm());
    assertEquals("HS256", on.producer().auth().algorithm());
    assertEquals(false, on.toString().contains("s3cret"), "the secret never shows in a printed configuration");
    assertEquals("HS256", NodeConfig.resolve(Map.of(), Map.of(), Map.of("jwt-secret", "s3cret"), false)
        .edge().auth().algorithm());
  }

  @Test
  void authKeyProblemsAreOneLineNamingTheFlag(@TempDir Path dir) throws Exception {
    assertEquals("--jwt-secret and --jwt-public-key exclude each other: give one key",
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(
            Map.of(NodeFlag.JWT_SECRET, "s", NodeFlag.JWT_PUBLIC_KEY, "key.pem"), Map.of(), Map.of(), false)).getMessage());
    assertEquals("--jwt-secret must not be empty", assertThrows(IllegalArgumentException.class,
        () -> NodeConfig.resolve(Map.of(NodeFlag.JWT_SECRET, " "), Map.of(), Map.of(), false)).getMessage());
    Path missing = dir.resolve("missing.pem");
    assertEquals("--jwt-public-key: cannot read " + missing + ": no such file", assertThrows(IllegalArgumentException.class,
        () -> NodeConfig.resolve(Map.of(NodeFlag.JWT_PUBLIC_KEY, missing.toString()), Map.of(), Map.of(), false))
        .getMessage());
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    assertEquals("--jwt-public-key " + garbage + " holds no RSA or EC (P-256/P-384/P-521) public key",
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(
            Map.of(NodeFlag.JWT_PUBLIC_KEY, garbage.toString()), Map.of(), Map.of(), false)).getMessage());
  }

  @Test
  void publicKeyPemPicksTheAlgorithmFromTheKey(@TempDir Path dir) throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    Path rsaFile = Files.writeString(dir.resolve("rsa.pem"), pem("PUBLIC KEY", rsa.generateKeyPair().getPublic().getEncoded()));
    Path ecFile = Files.writeString(dir.resolve("ec.pem"), pem("PUBLIC KEY", ec.generateKeyPair().getPublic().getEncoded()));
    Path privateFile = Files.writeString(dir.resolve("private.pem"),
        pem("PRIVATE KEY", ec.generateKeyPair().getPrivate().getEncoded()));
    AuthSettings rs256 = NodeConfig.resolve(Map.of(NodeFlag.JWT_PUBLIC_KEY, rsaFile.toString()), Map.of(), Map.of(), false)
        .edge().auth();
    assertEquals("RS256", rs256.algorithm());
    assertEquals("ES256", NodeConfig.resolve(Map.of(NodeFlag.JWT_PUBLIC_KEY, ecFile.toString()), Map.of(), Map.of(), false)
        .producer().auth().algorithm());
    assertEquals("--jwt-public-key " + privateFile + " holds a private key; give the public key",
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(
            Map.of(NodeFlag.JWT_PUBLIC_KEY, privateFile.toString()), Map.of(), Map.of(), false)).getMessage());
  }

  @Test
  void perUserLimitsDefaultToOffAndANegativeOneIsAOneLineError() {
    NodeConfig defaults = NodeConfig.resolve(Map.of(), Map.of(), Map.of(), false);
    assertEquals(0, defaults.edge().maxConnectionsPerUser());
    assertEquals(0, defaults.producer().maxPublishesPerSecondPerUser());
    NodeConfig set = NodeConfig.resolve(Map.of(NodeFlag.JWT_SECRET, "s3cret"),
        Map.of("STREAMCAST_MAX_CONNECTIONS_PER_USER", "3"), Map.of("max-publishes-per-second-per-user", "7"), false);
    assertEquals(3, set.edge().maxConnectionsPerUser());
    assertEquals(7, set.producer().maxPublishesPerSecondPerUser());
    assertEquals(null, set.perUserLimitsWarning(), "limits with auth on need no warning");

    for (NodeFlag flag : List.of(NodeFlag.MAX_CONNECTIONS_PER_USER, NodeFlag.MAX_PUBLISHES_PER_SECOND_PER_USER)) {
      String message = assertThrows(IllegalArgumentException.class,
          () -> NodeConfig.resolve(Map.of(flag, "-1"), Map.of(), Map.of(), false)).getMessage();
      assertEquals(flag.flag() + " must be 0 (no limit) or more, got -1", message);
    }
  }

  @Test
  void streamLimitsDefaultToOffComeFromEverySourceAndANegativeOneIsAOneLineError() {
    NodeConfig defaults = NodeConfig.resolve(Map.of(), Map.of(), Map.of(), false);
    assertEquals(0, defaults.edge().maxStreamSeconds());
    assertEquals(0, defaults.edge().maxBytesPerMinutePerUser());
    assertEquals(60_000, defaults.edge().quotaWindowMillis(), "a minute, whatever the sources say");
    NodeConfig fromEnv = NodeConfig.resolve(Map.of(NodeFlag.JWT_SECRET, "s3cret"),
        Map.of("STREAMCAST_MAX_STREAM_SECONDS", "300"), Map.of("max-bytes-per-minute-per-user", "5000000000"), false);
    assertEquals(300, fromEnv.edge().maxStreamSeconds());
    assertEquals(5_000_000_000L, fromEnv.edge().maxBytesPerMinutePerUser(), "more than an int holds");
    assertEquals(300_000, fromEnv.edge().streamLimits().maxStreamMillis());
    assertEquals(5_000_000_000L, fromEnv.edge().streamLimits().bytesPerWindow());
    assertEquals(null, fromEnv.perUserLimitsWarning());
    NodeConfig flags = NodeConfig.resolve(Map.of(NodeFlag.MAX_STREAM_SECONDS, "60",
        NodeFlag.MAX_BYTES_PER_MINUTE_PER_USER, "1000"), Map.of(), Map.of(), false);
    assertEquals(60, flags.edge().maxStreamSeconds());
    // without auth there is no user: the quota is off (with the start-up warning), the duration limit is not
    assertEquals(0, flags.edge().streamLimits().bytesPerWindow());
    assertEquals(60_000, flags.edge().streamLimits().maxStreamMillis());
    String warning = flags.perUserLimitsWarning();
    assertEquals(true, warning != null && warning.contains(NodeFlag.MAX_BYTES_PER_MINUTE_PER_USER.flag()), warning);

    for (NodeFlag flag : List.of(NodeFlag.MAX_STREAM_SECONDS, NodeFlag.MAX_BYTES_PER_MINUTE_PER_USER)) {
      String message = assertThrows(IllegalArgumentException.class,
          () -> NodeConfig.resolve(Map.of(flag, "-1"), Map.of(), Map.of(), false)).getMessage();
      assertEquals(flag.flag() + " must be 0 (no limit) or more, got -1", message);
    }
  }

  @Test
  void aPerUserLimitWithoutAuthIsAcceptedWithAWarning() {
    NodeConfig c = NodeConfig.resolve(Map.of(NodeFlag.MAX_CONNECTIONS_PER_USER, "2"), Map.of(), Map.of(), false);
    String warning = c.perUserLimitsWarning();
    assertEquals(true, warning != null && warning.contains("need auth") && warning.contains("inactive")
        && !warning.contains("\n"), "one line saying the limit is inactive: " + warning);
    assertEquals(null, NodeConfig.resolve(Map.of(), Map.of(), Map.of(), false).perUserLimitsWarning());
  }

  @Test
  void authOffBeyondLoopbackWarnsExceptInTheDemo() {
    String open = NodeConfig.resolve(Map.of(), Map.of(), Map.of(), false).openAuthWarning();
    assertEquals(true, open != null && open.contains("AUTH IS OFF") && open.contains("0.0.0.0:8080")
        && open.contains("0.0.0.0:8081") && !open.contains("\n"), "one line naming the open ports: " + open);
    String edgeOnly = NodeConfig.resolve(Map.of(NodeFlag.ROLES, "edge", NodeFlag.BIND_HOST, "::"), Map.of(), Map.of(),
        false).openAuthWarning();
    assertEquals(true, edgeOnly != null && edgeOnly.contains(":::8080") && !edgeOnly.contains("8081"), edgeOnly);
    for (String loopback : List.of("127.0.0.1", "127.0.0.2", "::1", "localhost")) {
      assertEquals(null, NodeConfig.resolve(Map.of(NodeFlag.BIND_HOST, loopback), Map.of(), Map.of(), false)
          .openAuthWarning(), loopback);
    }
    assertEquals(null, NodeConfig.resolve(Map.of(), Map.of(), Map.of(), true).openAuthWarning(), "the demo stays quiet");
    assertEquals(null, NodeConfig.resolve(Map.of(), Map.of("STREAMCAST_JWT_SECRET", "k"), Map.of(), false)
        .openAuthWarning(), "auth on");
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
