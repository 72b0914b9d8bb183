package io.streamcast.core;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import java.util.ArrayList;
import java.util.List;

/** The cluster as this node sees it: its own name and its members' names. */
public final class ClusterMembers {

  /** Member attribute carrying a node's name (set by the cluster configuration). */
  public static final String NODE_NAME_ATTRIBUTE = "streamcast.node";

  private final HazelcastInstance hazelcast;

  /** @param hazelcast this node's member */
  public ClusterMembers(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  /** @return this node's name */
  public String self() {
    return nameOf(hazelcast.getCluster().getLocalMember());
  }

  /** @return whether this member is running and part of a cluster */
  public boolean joined() {
    return hazelcast.getLifecycleService().isRunning();
  }

  /** @return every member's node name, oldest member first */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      names.add(nameOf(m));
    }
    return names;
  }

  private static String nameOf(Member m) {
    String name = m.getAttribute(NODE_NAME_ATTRIBUTE);
    return name != null ? name : m.getAddress().getHost() + ":" + m.getAddress().getPort();
  }
}
