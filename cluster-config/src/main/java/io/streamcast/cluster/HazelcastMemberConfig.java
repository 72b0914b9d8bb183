package io.streamcast.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import io.streamcast.core.ClusterMembers;
import io.streamcast.core.history.HazelcastStreamHistory;
import io.streamcast.core.history.HistorySerialization;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * Builds the Hazelcast configuration of a Streamcast member: Vert.x's own map settings (kept from
 * {@link ConfigUtil#loadConfig()}), an explicit join (TCP-IP member list, or Kubernetes DNS), failure
 * detection in seconds instead of the 60 s default, and the map holding every stream's history.
 */
public final class HazelcastMemberConfig {

  /** Member attribute carrying the node name, read by health and the dashboard. */
  public static final String NODE_NAME_ATTRIBUTE = ClusterMembers.NODE_NAME_ATTRIBUTE;

  /** Property of Hazelcast's Kubernetes join naming the headless service to resolve. */
  public static final String KUBERNETES_SERVICE_DNS = "service-dns";
  /** Property of Hazelcast's Kubernetes join giving the members' port on every resolved address. */
  public static final String KUBERNETES_SERVICE_PORT = "service-port";

  /** Hazelcast's default wait for a discovery join to find members (seconds). */
  static final int DISCOVERY_WAIT_SECONDS = 5;

  private HazelcastMemberConfig() {
  }

  /** @return a member configuration for {@code settings} */
  public static Config build(ClusterSettings settings) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(settings.clusterName());
    config.getMemberAttributeConfig().setAttribute(NODE_NAME_ATTRIBUTE, settings.nodeName());

    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(settings.heartbeatIntervalSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(settings.maxNoHeartbeatSeconds()));
    // the node drains first (SSE clients told to resume elsewhere), then leaves: Hazelcast's own
    // shutdown hook would pull the member out from under the drain
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "30");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port()).setPortAutoIncrement(false);
    network.setPublicAddress(settings.host() + ":" + settings.port());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (settings.kubernetesServiceDns() != null) {
      // bind exactly the address the member advertises (the pod's IP), never every interface; given as
      // the local address rather than an interface pattern, which only matches addresses the OS lists
      // on an interface (127.0.0.2, which the DNS join's test uses, is loopback but listed on none)
      config.setProperty("hazelcast.local.localAddress", settings.host());
      // a discovery join looks for other members for at most this long before this member founds a
      // cluster of its own; with TCP-IP's 0 it never asks the DNS at all (read from Hazelcast 5.3.8's
      // DiscoveryJoiner; found by the DNS join test), so every pod would start a cluster alone
      config.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(DISCOVERY_WAIT_SECONDS));
      // Hazelcast's built-in Kubernetes discovery in DNS mode: every address the headless service's
      // name resolves to (InetAddress.getAllByName) is a member candidate on service-port, which
      // defaults to 5701: it is this member's port, so a cluster port other than 5701 works too.
      // DNS mode calls no Kubernetes API, so the pods need no service account or RBAC.
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty(KUBERNETES_SERVICE_DNS, settings.kubernetesServiceDns())
          .setProperty(KUBERNETES_SERVICE_PORT, Integer.toString(settings.port()));
    } else {
      network.getInterfaces().setEnabled(true).addInterface(settings.host());
      join.getTcpIpConfig().setEnabled(true).addMember(settings.host() + ":" + settings.port());
      settings.members().forEach(m -> join.getTcpIpConfig().addMember(m));
    }

    // every stream's log is one entry, kept as an object so an append touches only the new event
    // (in BINARY each append would copy the whole log); one synchronous backup, as history promises
    HistorySerialization.register(config);
    config.addMapConfig(new MapConfig(HazelcastStreamHistory.MAP)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setBackupCount(1)
        .setAsyncBackupCount(0)
        // nothing reads Hazelcast's per-map statistics, and each operation paid a look-up for them
        .setStatisticsEnabled(false));
    return config;
  }
}
