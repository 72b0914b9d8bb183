package io.streamcast.bench.failover;

import io.streamcast.client.ReceivedEvent;
import java.util.BitSet;

/**
 * What one subscriber saw. Events carry the publisher's number {@code n} in their data; the probe
 * checks each against the stream's order (the sequence in the event id) and against what it already
 * got. Called from the subscriber's event loop and read by the drill's main thread: synchronized.
 */
final class ClientProbe {

  private final int index;
  private final Ledger ledger;
  private final BitSet received = new BitSet();
  private long lastSeq = -1;
  private long lastEventNanos;
  private long dropNanos = -1;
  private int connections;
  private final long[] delivered = new long[Ledger.SCENARIOS];
  private final long[] duplicated = new long[Ledger.SCENARIOS];
  private final long[] outOfOrder = new long[Ledger.SCENARIOS];
  private final long[] holes = new long[Ledger.SCENARIOS];
  private final long[] gaps = new long[Ledger.SCENARIOS];
  private final long[] errors = new long[Ledger.SCENARIOS];
  private final long[] maxSilenceNanos = new long[Ledger.SCENARIOS];
  private final long[] maxResumeNanos = new long[Ledger.SCENARIOS];
  private final int[] resumes = new int[Ledger.SCENARIOS];

  ClientProbe(int index, Ledger ledger) {
    this.index = index;
    this.ledger = ledger;
  }

  int index() {
    return index;
  }

  synchronized void onConnected() {
    connections++;
  }

  /** The connection ended (any reason) and a reconnection is scheduled. */
  synchronized void onDrop() {
    if (dropNanos < 0) {
      dropNanos = System.nanoTime();
    }
  }

  synchronized void onEvent(ReceivedEvent e) {
    long now = System.nanoTime();
    int scenario = ledger.currentScenario();
    switch (e.type()) {
      case "gap" -> {
        gaps[scenario]++;
        return;
      }
      case "error" -> {
        errors[scenario]++;
        return;
      }
      case "message" -> {
        // below
      }
      default -> {
        return;
      }
    }
    int n = Ledger.numberOf(e.data());
    long seq = seqOf(e.id());
    if (n < 0 || seq < 0 || !e.data().equals("{\"n\":" + n + "}")) {
      // unreadable or altered data: an error, and the event counts as not delivered
      errors[scenario]++;
      return;
    }
    int eventScenario = ledger.scenarioOf(n);
    if (received.get(n)) {
      duplicated[eventScenario]++;
    } else {
      received.set(n);
      delivered[eventScenario]++;
      if (seq <= lastSeq) {
        outOfOrder[eventScenario]++;
      } else if (lastSeq >= 0 && seq > lastSeq + 1) {
        // the stream skipped a position without an `event: gap`: a silent loss
        holes[eventScenario] += seq - lastSeq - 1;
      }
      ledger.latency(n, now);
    }
    if (seq > lastSeq) {
      lastSeq = seq;
    }
    if (lastEventNanos > 0) {
      maxSilenceNanos[scenario] = Math.max(maxSilenceNanos[scenario], now - lastEventNanos);
    }
    lastEventNanos = now;
    if (dropNanos >= 0) {
      maxResumeNanos[scenario] = Math.max(maxResumeNanos[scenario], now - dropNanos);
      resumes[scenario]++;
      dropNanos = -1;
    }
  }

  /** @return whether every number in {@code [from, to]} that the ledger holds as acknowledged arrived */
  synchronized boolean hasAll(int from, int to) {
    for (int n = from; n <= to; n++) {
      if (ledger.acked(n) && !received.get(n)) {
        return false;
      }
    }
    return true;
  }

  /** @return acknowledged numbers in {@code [from, to]} this client never got */
  synchronized int missing(int from, int to, BitSet missingAnywhere) {
    int missing = 0;
    for (int n = from; n <= to; n++) {
      if (ledger.acked(n) && !received.get(n)) {
        missing++;
        missingAnywhere.set(n);
      }
    }
    return missing;
  }

  /** @return a copy of the counters for {@code scenario} */
  synchronized Figures figures(int scenario) {
    return new Figures(delivered[scenario], duplicated[scenario], outOfOrder[scenario], holes[scenario],
        gaps[scenario], errors[scenario], maxSilenceNanos[scenario], maxResumeNanos[scenario], resumes[scenario],
        dropNanos >= 0);
  }

  synchronized int connections() {
    return connections;
  }

  static long seqOf(String id) {
    int dash = id.lastIndexOf('-');
    try {
      return Long.parseLong(id.substring(dash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** One client's counters for one scenario. */
  record Figures(long delivered, long duplicated, long outOfOrder, long holes, long gaps, long errors,
      long maxSilenceNanos, long maxResumeNanos, int resumes, boolean disconnected) {
  }
}
