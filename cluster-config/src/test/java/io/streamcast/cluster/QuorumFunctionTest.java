package io.streamcast.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.impl.MemberImpl;
import com.hazelcast.version.MemberVersion;
import java.net.UnknownHostException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The three rules of {@link QuorumFunction}: members not suspected, heard from recently, no recent pause. */
class QuorumFunctionTest {

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final QuorumFunction f = new QuorumFunction(3, 2, 5000, 200, 3000, clock::get);

  @Test
  void aMajorityOfMembersHeardFromRecentlyIsAQuorum() throws Exception {
    Member self = member(5701, true);
    Member a = member(5702, false);
    Member b = member(5703, false);
    assertNull(f.noQuorum(List.of(self, a, b)), "members just seen count as heard");
    assertTrue(f.noQuorum(List.of(self)).startsWith("no quorum: this node sees 1 of 3 expected members"));
    clock.addAndGet(6000);
    assertTrue(f.noQuorum(List.of(self, a, b)).startsWith("no quorum: this node heard from 1 of 3"),
        "nobody heard from within the tolerance");
    f.onHeartbeat(a, clock.get() - 100);
    assertNull(f.noQuorum(List.of(self, a, b)), "one heartbeat makes two of three");
  }

  @Test
  void aSuspectedMemberDoesNotCount() throws Exception {
    Member self = member(5701, true);
    Member a = member(5702, false);
    Member b = member(5703, false);
    f.watchSuspicion(m -> m == a || m == b);
    assertEquals("no quorum: this node sees 1 of 3 expected members (and suspects 2 more) and needs 2",
        f.noQuorum(List.of(self, a, b)));
    f.watchSuspicion(m -> m == a);
    assertNull(f.noQuorum(List.of(self, a, b)));
  }

  @Test
  void afterAPauseItRefusesForTheSettleTimeWhateverTheHeartbeatsSay() throws Exception {
    Member self = member(5701, true);
    Member a = member(5702, false);
    Member b = member(5703, false);
    f.tick();
    assertNull(f.noQuorum(List.of(self, a, b)));
    Thread.sleep(300);
    // not ticked since: resuming, the detector has not run yet
    assertTrue(f.noQuorum(List.of(self, a, b)).contains("just paused"));
    assertTrue(f.tick() >= 300);
    // Hazelcast's clock-jump guard reports a heartbeat from everyone "now": it proves nothing
    f.onHeartbeat(a, clock.get());
    f.onHeartbeat(b, clock.get());
    String refused = f.noQuorum(List.of(self, a, b));
    assertNotNull(refused);
    assertTrue(refused.contains("waits 3000 ms for news of its removal"), refused);
    clock.addAndGet(3000);
    f.tick();
    assertNull(f.noQuorum(List.of(self, a, b)), "no suspicion within the settle time: still a member");
  }

  private static Member member(int port, boolean local) throws UnknownHostException {
    return new MemberImpl.Builder(new Address("127.0.0.1", port)).version(MemberVersion.of("5.3.8"))
        .localMember(local).uuid(UUID.randomUUID()).build();
  }
}
