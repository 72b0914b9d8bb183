package io.streamcast.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.RingbufferConfig;
import io.streamcast.core.ClusterMembers;
import io.streamcast.core.IdempotencyLedger;
import io.streamcast.core.StreamCatalog;
import io.streamcast.core.StreamName;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * Builds the Hazelcast configuration of a Streamcast member: Vert.x's own map settings (kept from
 * {@link ConfigUtil#loadConfig()}), an explicit join (TCP-IP member list, or Kubernetes DNS), failure
 * detection in seconds instead of the 60 s default, and the structures holding stream history.
 */
public final class HazelcastMemberConfig {

  /** Member attribute carrying the node name, read by health and the dashboard. */
  public static final String NODE_NAME_ATTRIBUTE = ClusterMembers.NODE_NAME_ATTRIBUTE;

  /** Stream-name pattern of the cluster's own streams, e.g. {@code _cluster.stats}. */
  public static final String SYSTEM_STREAMS = "_cluster.*";
  /** Events a system stream keeps: ten minutes of stats from two nodes, one minute from twenty. */
  public static final int SYSTEM_STREAM_CAPACITY = 1200;
  /** Seconds a system-stream event stays replayable. */
  public static final int SYSTEM_STREAM_TTL_SECONDS = 600;

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
    // near-cache invalidations go out as they happen instead of in batches (default: up to 10 s
    // later): the stream catalog is the only near-cached map, it changes rarely, and a member that
    // missed a 'complete' for seconds answered publishes with 201 instead of 409 stream_completed
    config.setProperty("hazelcast.map.invalidation.batch.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "30");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port()).setPortAutoIncrement(false);
    network.setPublicAddress(settings.host() + ":" + settings.port());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (settings.kubernetesServiceDns() != null) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", settings.kubernetesServiceDns());
    } else {
      network.getInterfaces().setEnabled(true).addInterface(settings.host());
      join.getTcpIpConfig().setEnabled(true).addMember(settings.host() + ":" + settings.port());
      settings.members().forEach(m -> join.getTcpIpConfig().addMember(m));
    }

    config.addRingBufferConfig(new RingbufferConfig(StreamName.historyName("*"))
        .setCapacity(settings.historyCapacity())
        .setBackupCount(1)
        .setAsyncBackupCount(0)
        .setTimeToLiveSeconds(settings.historyTtlSeconds())
        .setInMemoryFormat(InMemoryFormat.BINARY));
    // system streams (the nodes' once-a-second stats): a dashboard shows minutes, not the user
    // streams' capacity; Hazelcast picks this more specific pattern over stream:*
    config.addRingBufferConfig(new RingbufferConfig(StreamName.historyName(SYSTEM_STREAMS))
        .setCapacity(SYSTEM_STREAM_CAPACITY)
        .setBackupCount(1)
        .setAsyncBackupCount(0)
        .setTimeToLiveSeconds(SYSTEM_STREAM_TTL_SECONDS)
        .setInMemoryFormat(InMemoryFormat.BINARY));
    config.addMapConfig(new MapConfig(StreamCatalog.MAP)
        .setBackupCount(1)
        .setNearCacheConfig(new NearCacheConfig(StreamCatalog.MAP)
            .setInMemoryFormat(InMemoryFormat.OBJECT)
            .setInvalidateOnChange(true)));
    config.addMapConfig(new MapConfig(IdempotencyLedger.MAP).setBackupCount(1));
    return config;
  }
}
