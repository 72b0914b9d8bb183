package io.streamcast.edge.delivery;

import java.util.ArrayList;
import java.util.List;

/**
 * A feed's live subscribers, in a list with O(1) add and remove even with thousands of them: each
 * member keeps its own index ({@link Subscription#liveIndex}), which only this class writes.
 *
 * <p>Confined to the edge verticle's event loop.
 */
final class LiveSet {

  private final List<Subscription> live = new ArrayList<>();

  void add(Subscription s) {
    if (s.liveIndex < 0) {
      s.liveIndex = live.size();
      live.add(s);
    }
  }

  void remove(Subscription s) {
    int i = s.liveIndex;
    if (i < 0) {
      return;
    }
    // swap-remove: O(1) even with thousands of subscribers; fan-out iterates backwards so a
    // subscriber leaving during its own delivery never makes another one skip an event
    Subscription last = live.remove(live.size() - 1);
    if (last != s) {
      live.set(i, last);
      last.liveIndex = i;
    }
    s.liveIndex = -1;
  }

  int size() {
    return live.size();
  }

  /**
   * Offers {@code batch} to every member, last first: a member that leaves during its own delivery
   * (swap-removed) never makes another one skip it.
   */
  void offer(FanoutBatch batch) {
    for (int i = live.size() - 1; i >= 0; i--) {
      live.get(i).offer(batch);
    }
  }
}
