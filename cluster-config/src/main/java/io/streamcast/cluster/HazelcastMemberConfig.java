package io.streamcast.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.MetadataPolicy;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import io.streamcast.core.ClusterMembers;
import io.streamcast.core.history.HazelcastStreamHistory;
import io.streamcast.core.history.HistorySerialization;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/**
 * Builds the Hazelcast configuration of a Streamcast member: Vert.x's own map settings (kept from
 * {@link ConfigUtil#loadConfig()}), an explicit join (TCP-IP member list, or Kubernetes DNS), failure
 * detection in seconds instead of the 60 s default, and the map holding every stream's history, guarded
 * by split-brain protection (ADR 12).
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

  /** Name of the split-brain protection guarding the history map. */
  public static final String QUORUM = "streamcast.quorum";
  /**
   * Seconds after a split until the sides look for each other, and between later looks (Hazelcast's
   * defaults are 300 and 120: a healed partition stayed two clusters for minutes).
   */
  static final int MERGE_DELAY_SECONDS = 5;

  /** Hazelcast's property for the number of partition operation threads (its default: max(2, cores)). */
  static final String PARTITION_THREADS = "hazelcast.operation.thread.count";

  private HazelcastMemberConfig() {
  }

  /**
   * Partition operation threads for a member on {@code cores} cores: half of them, at least one
   * (ADR 21). Every append is one operation on its partition's thread while its HTTP request and
   * its delivery run on an event loop: with Hazelcast's default (at least two) next to Vert.x's event
   * loops, a 2-core node ran more busy threads than cores and paid for it in context switches and cold
   * caches. A user who sets {@value #PARTITION_THREADS} (cluster.xml or {@code -D}) keeps their value.
   */
  static int partitionThreads(int cores) {
    return Math.max(1, cores / 2);
  }

  /**
   * @return the quorum function of a configuration {@link #build} made, or null when the cluster
   *     cannot split ({@code --expected-members 1})
   */
  public static QuorumFunction quorumFunction(Config config) {
    SplitBrainProtectionConfig protection = config.getSplitBrainProtectionConfigs().get(QUORUM);
    return protection == null ? null : (QuorumFunction) protection.getFunctionImplementation();
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
    config.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(MERGE_DELAY_SECONDS));
    config.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(MERGE_DELAY_SECONDS));
    // a write whose synchronous backup is not confirmed within the backup timeout fails instead of
    // succeeding on the owner alone: on a member cut off from the others (its backups refused or
    // never delivered) that success would be an acknowledgement the merge throws away (ADR 12)
    config.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
    if (config.getProperty(PARTITION_THREADS) == null && System.getProperty(PARTITION_THREADS) == null) {
      config.setProperty(PARTITION_THREADS, Integer.toString(partitionThreads(Runtime.getRuntime().availableProcessors())));
    }

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
    MapConfig history = new MapConfig(HazelcastStreamHistory.MAP)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setBackupCount(1)
        .setAsyncBackupCount(0)
        // nothing reads Hazelcast's per-map statistics, and each operation paid a look-up for them
        .setStatisticsEnabled(false)
        // nor its JSON metadata (for queries on JSON values; the logs are not JSON to Hazelcast): each
        // update paid a metadata look-up
        .setMetadataPolicy(MetadataPolicy.OFF)
        // when split sides merge, the smaller merges into the larger: an entry the larger side holds
        // stays as it is (the minority refused every write, so its copy is stale); an entry only the
        // smaller side holds (the larger lost owner and backup) comes back (ADR 12)
        .setMergePolicyConfig(new MergePolicyConfig().setPolicy(PutIfAbsentMergePolicy.class.getName()));
    if (settings.quorumEnforced()) {
      // a side with fewer than a majority of the expected members refuses every history operation,
      // so it can neither acknowledge a publish the merge would discard nor serve stale history
      // the function counts members, their recent heartbeats and this process's own pauses (QuorumFunction)
      config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM, true, settings.quorum())
          .setProtectOn(SplitBrainProtectionOn.READ_WRITE)
          .setFunctionImplementation(QuorumFunction.of(settings)));
      history.setSplitBrainProtectionName(QUORUM);
    }
    config.addMapConfig(history);
    return config;
  }
}
