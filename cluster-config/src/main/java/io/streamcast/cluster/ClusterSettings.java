package io.streamcast.cluster;

import java.util.List;
import java.util.Objects;

/**
 * How a node joins the Streamcast cluster. Every member of one cluster must use the same cluster name.
 *
 * @param clusterName Hazelcast cluster name; members with another name never join
 * @param host address Hazelcast binds and advertises
 * @param port Hazelcast member port (no auto-increment: a busy port is an error, not a surprise)
 * @param members {@code host:port} of members to join over TCP-IP; empty = this member alone
 * @param nodeName name shown in health, metrics, logs and the dashboard
 * @param kubernetesServiceDns when set, join through Kubernetes DNS discovery of this headless
 *     service instead of {@code members}
 * @param heartbeatIntervalSeconds Hazelcast member heartbeat interval
 * @param maxNoHeartbeatSeconds silence after which a member is declared dead
 * @param expectedMembers how many members the whole cluster has; a side of a split that sees fewer
 *     than {@link #quorum()} of them refuses history reads and writes (1: no protection)
 */
public record ClusterSettings(
    String clusterName,
    String host,
    int port,
    List<String> members,
    String nodeName,
    String kubernetesServiceDns,
    int heartbeatIntervalSeconds,
    int maxNoHeartbeatSeconds,
    int expectedMembers) {

  /** Validates every setting; the message names the setting at fault. */
  public ClusterSettings {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(host, "host");
    members = List.copyOf(members);
    Objects.requireNonNull(nodeName, "nodeName");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("cluster-port must be 1-65535, got " + port);
    }
    for (String m : members) {
      int colon = m.lastIndexOf(':');
      if (colon <= 0 || colon == m.length() - 1) {
        throw new IllegalArgumentException("members must be a comma list of host:port, got '" + m + "'");
      }
      try {
        int p = Integer.parseInt(m.substring(colon + 1));
        if (p < 1 || p > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("members: '" + m + "' has no valid port (ranges are not supported)");
      }
    }
    if (heartbeatIntervalSeconds < 1 || maxNoHeartbeatSeconds <= heartbeatIntervalSeconds) {
      throw new IllegalArgumentException("failure detection needs heartbeat >= 1 s and max-no-heartbeat > heartbeat");
    }
    if (expectedMembers < 1) {
      throw new IllegalArgumentException("--expected-members must be 1 or more, got " + expectedMembers);
    }
  }

  /**
   * @return the members a side of the cluster must see to serve history: a strict majority of
   *     {@link #expectedMembers}, so at most one side of any split has it
   */
  public int quorum() {
    return expectedMembers / 2 + 1;
  }

  /** @return whether a split-brain can happen at all, i.e. whether quorum is enforced */
  public boolean quorumEnforced() {
    return expectedMembers > 1;
  }
}
