package io.streamcast.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The member configuration each join mode generates (the Kubernetes one is also run for real in KubernetesDnsJoinIT). */
class HazelcastMemberConfigTest {

  @Test
  void kubernetesDnsJoinResolvesTheServiceOnTheMembersPortAndBindsThePodAddress() {
    Config config = HazelcastMemberConfig.build(new ClusterSettings("c", "10.1.2.3", 5801, List.of(), "pod-0",
        "streamcast-hazelcast.ns.svc.cluster.local", 1, 5, 1));
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertTrue(join.getKubernetesConfig().isEnabled());
    assertEquals("streamcast-hazelcast.ns.svc.cluster.local", join.getKubernetesConfig().getProperty("service-dns"));
    assertEquals("5801", join.getKubernetesConfig().getProperty("service-port"));
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertEquals("10.1.2.3", config.getProperty("hazelcast.local.localAddress"));
    // with 0 (the TCP-IP setting) a discovery join never looks at the DNS's answer
    assertEquals("5", config.getProperty("hazelcast.wait.seconds.before.join"));
    assertEquals("10.1.2.3:5801", config.getNetworkConfig().getPublicAddress());
    assertEquals(5801, config.getNetworkConfig().getPort());
    assertFalse(config.getNetworkConfig().isPortAutoIncrement());
  }

  @Test
  void tcpIpJoinListsItselfAndTheMembers() {
    Config config = HazelcastMemberConfig.build(new ClusterSettings("c", "127.0.0.1", 5701,
        List.of("127.0.0.1:5702"), "n1", null, 1, 5, 2));
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertFalse(join.getKubernetesConfig().isEnabled());
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), join.getTcpIpConfig().getMembers());
  }

  @Test
  void partitionThreadsAreHalfTheCoresAndAUsersSettingStands() {
    assertEquals(1, HazelcastMemberConfig.partitionThreads(1));
    assertEquals(1, HazelcastMemberConfig.partitionThreads(2));
    assertEquals(4, HazelcastMemberConfig.partitionThreads(8));
    ClusterSettings settings = new ClusterSettings("c", "127.0.0.1", 5701, List.of(), "n1", null, 1, 5, 1);
    assertEquals(Integer.toString(HazelcastMemberConfig.partitionThreads(Runtime.getRuntime().availableProcessors())),
        HazelcastMemberConfig.build(settings).getProperty(HazelcastMemberConfig.PARTITION_THREADS));
    String before = System.setProperty(HazelcastMemberConfig.PARTITION_THREADS, "3");
    try {
      // Hazelcast reads a config property before a system property: one set here would hide the user's;
      // Config.getProperty falls back to the system property, so the user's value is what shows
      assertEquals("3", HazelcastMemberConfig.build(settings).getProperty(HazelcastMemberConfig.PARTITION_THREADS));
    } finally {
      if (before == null) {
        System.clearProperty(HazelcastMemberConfig.PARTITION_THREADS);
      } else {
        System.setProperty(HazelcastMemberConfig.PARTITION_THREADS, before);
      }
    }
  }
}
