package io.streamcast.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.splitbrainprotection.HeartbeatAware;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionFunction;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Whether this member may serve history: the split-brain protection function of the history map
 * (ADR 12), also asked directly, at request time, by {@code /ready}, the edge and every write.
 *
 * <p>A member has quorum while all of these hold:
 * <ol>
 *   <li>its member list has at least {@code quorum} members (a strict majority of the expected ones)
 *       that it does not suspect (Hazelcast suspects a member on an explicit suspicion from another
 *       member, well before it removes it: a member that was dropped by the others is told so when its
 *       next heartbeat reaches them, and may then keep the others in its list for seconds);
 *   <li>it has heard a heartbeat from enough of them (itself included) within the failure-detection
 *       timeout: a member list only shrinks once the failure detector fires, heartbeats stop at once;
 *   <li>this process was not paused (a {@code SIGSTOP}, a long GC, a frozen VM: seen as a gap in
 *       {@link #tick()}) within the last {@code settle} ms. Why: a member paused longer than failure
 *       detection was removed by the others, but when it resumes its member list still names them all,
 *       and Hazelcast's clock-jump guard then reports a heartbeat from every member at the current time
 *       (so heartbeats prove nothing right after a pause). Its first heartbeat after the pause draws an
 *       explicit suspicion from any member that dropped it, within a heartbeat interval or so: the
 *       settle time waits for that news.
 * </ol>
 *
 * <p>Hazelcast caches {@link #apply}'s answer and recomputes it on membership changes and once per
 * heartbeat interval, so its own refusals lag by up to a second; {@link #noQuorum} answers from the
 * live state and is what the node's own checks use. Neither closes every window on its own: see
 * ADR 12 for what a write additionally checks when it completes.
 */
public final class QuorumFunction implements SplitBrainProtectionFunction, HeartbeatAware, MembershipListener {

  private final int expected;
  private final int quorum;
  private final long heartbeatToleranceMillis;
  private final long pauseThresholdNanos;
  private final LongSupplier clockMillis;
  /** Sender timestamp of the latest heartbeat from each member (Hazelcast drops expired ones first). */
  private final Map<UUID, Long> heardAt = new ConcurrentHashMap<>();
  /** Last {@link #tick()}, 0 until the pause detector runs. */
  private volatile long lastTickNanos;
  /** When the last pause this process noticed ended (wall clock), 0 if none. */
  private volatile long resumedAtMillis;
  private volatile long lastPauseMillis;
  private final long settleMillis;
  /** Whether this member suspects a member (Hazelcast's membership manager), none until told. */
  private volatile Predicate<Member> suspected = m -> false;

  /**
   * @param expected members the whole cluster has
   * @param quorum members a side must see (a strict majority of {@code expected})
   * @param heartbeatToleranceMillis a member not heard from for longer does not count (the
   *     failure-detection timeout)
   * @param pauseThresholdMillis a gap between two {@link #tick()}s longer than this is a pause
   * @param settleMillis how long after a pause the member refuses, waiting for news of its removal
   */
  public QuorumFunction(int expected, int quorum, long heartbeatToleranceMillis, long pauseThresholdMillis,
      long settleMillis) {
    this(expected, quorum, heartbeatToleranceMillis, pauseThresholdMillis, settleMillis, System::currentTimeMillis);
  }

  QuorumFunction(int expected, int quorum, long heartbeatToleranceMillis, long pauseThresholdMillis,
      long settleMillis, LongSupplier clockMillis) {
    if (quorum < 1 || quorum > expected) {
      throw new IllegalArgumentException("quorum " + quorum + " of " + expected + " members");
    }
    this.expected = expected;
    this.quorum = quorum;
    this.heartbeatToleranceMillis = heartbeatToleranceMillis;
    this.pauseThresholdNanos = pauseThresholdMillis * 1_000_000L;
    this.settleMillis = settleMillis;
    this.clockMillis = clockMillis;
  }

  /** For the settings' failure detection: tolerance = max-no-heartbeat; a pause that could have cost membership. */
  static QuorumFunction of(ClusterSettings settings) {
    long toleranceMillis = settings.maxNoHeartbeatSeconds() * 1000L;
    // the others drop this member max-no-heartbeat after its last heartbeat, sent up to one interval
    // before a pause began; a pause shorter than that, less a margin for late heartbeats, cannot
    // have cost membership
    long pauseMillis = Math.max(1000L,
        (settings.maxNoHeartbeatSeconds() - 3L * settings.heartbeatIntervalSeconds()) * 1000L);
    // our first heartbeat after a pause goes out within an interval; an explicit suspicion comes back
    // about a round trip later: three intervals leave room for a loaded machine
    long settleMillis = 3000L * settings.heartbeatIntervalSeconds();
    return new QuorumFunction(settings.expectedMembers(), settings.quorum(), toleranceMillis, pauseMillis,
        settleMillis);
  }

  @Override
  public boolean apply(Collection<Member> members) {
    return noQuorum(members) == null;
  }

  /**
   * @param members the current member list (this member included)
   * @return null while this member has quorum, else one line saying why not
   */
  public String noQuorum(Collection<Member> members) {
    int seen = 0;
    int suspects = 0;
    for (Member m : members) {
      if (m.localMember() || !suspected.test(m)) {
        seen++;
      } else {
        suspects++;
      }
    }
    if (seen < quorum) {
      return "no quorum: this node sees " + seen + " of " + expected + " expected members"
          + (suspects > 0 ? " (and suspects " + suspects + " more)" : "") + " and needs " + quorum;
    }
    long tick = lastTickNanos;
    if (tick != 0 && System.nanoTime() - tick > pauseThresholdNanos) {
      // the detector has not run for a while: this process is only now resuming from a pause
      return "no quorum: this process was just paused; waiting for news from the cluster";
    }
    long now = clockMillis.getAsLong();
    if (resumedAtMillis != 0 && now - resumedAtMillis < settleMillis) {
      return "no quorum: this process was paused for " + lastPauseMillis + " ms and waits " + settleMillis
          + " ms for news of its removal from the cluster";
    }
    int heard = 0;
    for (Member m : members) {
      if (m.localMember()) {
        heard++;
      } else if (!suspected.test(m)) {
        // a member never heard from was just added: joining it is hearing from it
        Long at = heardAt.computeIfAbsent(m.getUuid(), u -> now);
        if (now - at <= heartbeatToleranceMillis) {
          heard++;
        }
      }
    }
    if (heard < quorum) {
      return "no quorum: this node heard from " + heard + " of " + expected + " expected members (itself included) in "
          + "the last " + heartbeatToleranceMillis + " ms and needs " + quorum;
    }
    return null;
  }

  /**
   * Tells the function which members this member suspects (Hazelcast keeps that inside its
   * membership manager; the node reads it there).
   */
  public void watchSuspicion(Predicate<Member> suspected) {
    this.suspected = suspected;
  }

  /**
   * Called every ~100 ms by the node's pause detector thread; a gap above the threshold is a pause,
   * after which the member needs fresh heartbeats from the majority.
   *
   * @return the length of the pause that just ended, in ms, or 0
   */
  public long tick() {
    long now = System.nanoTime();
    long previous = lastTickNanos;
    long pause = 0;
    if (previous != 0 && now - previous > pauseThresholdNanos) {
      pause = (now - previous) / 1_000_000L;
      lastPauseMillis = pause;
      resumedAtMillis = clockMillis.getAsLong();
    }
    lastTickNanos = now;
    return pause;
  }

  @Override
  public void onHeartbeat(Member member, long timestamp) {
    heardAt.merge(member.getUuid(), timestamp, Math::max);
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    heardAt.put(event.getMember().getUuid(), clockMillis.getAsLong());
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    heardAt.remove(event.getMember().getUuid());
  }

  /** @return members the whole cluster has */
  public int expected() {
    return expected;
  }
}
