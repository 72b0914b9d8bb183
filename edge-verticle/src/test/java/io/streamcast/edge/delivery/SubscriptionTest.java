package io.streamcast.edge.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.core.EventType;
import io.streamcast.core.StreamEvent;
import io.streamcast.core.StreamcastMeters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every sequencing case of delivery, with an in-memory history and a recording sink: no cluster,
 * no socket. Each step runs on one Vert.x context and is followed by a fixed number of the
 * context's turns, enough for every read and fan-out it starts to finish (all of them complete on
 * this context, in order), so the outcome never depends on timing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class SubscriptionTest {

  /** Small, so a replay spans several reads. */
  private static final int BATCH = 4;
  /** Turns of the context after each step: far more than the reads and fan-outs a step starts. */
  private static final int SETTLE_TURNS = 50;

  private Context context;
  private InMemoryHistory history;
  private SubscriptionLedger ledger;
  private StreamFeed feed;
  private final RecordingSink sink = new RecordingSink();
  private Subscription sub;

  @BeforeEach
  void setUp(Vertx vertx) {
    context = vertx.getOrCreateContext();
    history = new InMemoryHistory(context, "s");
    ledger = new SubscriptionLedger(new DeliveryMeters("node", StreamcastMeters.detached()), null);
  }

  /** Runs {@code action} on the context, then lets what it started settle. */
  private Future<Void> step(Runnable action) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      action.run();
      settle(SETTLE_TURNS, done);
    });
    return done.future();
  }

  private void settle(int turns, Promise<Void> done) {
    if (turns == 0) {
      done.complete();
    } else {
      context.runOnContext(v -> settle(turns - 1, done));
    }
  }

  /** Opens the stream's feed (at the end of what history holds now) and a subscription of it. */
  private Future<Void> openFeed() {
    return step(() -> {
      feed = new StreamFeed("s", history, BATCH, context, new DeliveryMeters("node", StreamcastMeters.detached()));
      feed.open(true);
    }).compose(v -> step(() -> sub = ledger.open(feed, sink, Long.MAX_VALUE, null)));
  }

  private void appendAll(int count) {
    for (int i = 0; i < count; i++) {
      history.append();
    }
  }

  /** Appends an event to history and publishes it on the bus, as the producer does. */
  private void publish() {
    feed.onBusEvent(history.append());
  }

  private static List<String> lines(Object... lines) {
    return java.util.Arrays.stream(lines).map(String::valueOf).toList();
  }

  private static List<Long> range(long from, long toInclusive) {
    return LongStream.rangeClosed(from, toInclusive).boxed().toList();
  }

  private void verify(VertxTestContext test, Future<Void> steps, Runnable checks) {
    steps.onComplete(test.succeeding(v -> test.verify(() -> {
      checks.run();
      test.completeNow();
    })));
  }

  @Test
  void replayThenLiveWithoutGapOrDuplicate(VertxTestContext test) {
    appendAll(10);
    verify(test, openFeed()
        .compose(v -> step(() -> {
          // events published while the replay's first read is out: the feed hands them out, the
          // subscription is not live yet, and must still get each exactly once
          history.holdReads();
          sub.startReplay(0, false, null);
          publish();
          publish();
        }))
        .compose(v -> step(() -> {
          assertEquals(SubscriptionState.REPLAYING, sub.state());
          history.releaseReads();
        }))
        .compose(v -> step(this::publish)), () -> {
          assertEquals("open", sink.record.get(0));
          assertEquals(range(0, 12), sink.sequences());
          assertEquals(SubscriptionState.LIVE, sub.state());
        });
  }

  @Test
  void liveFromTheEndGetsOnlyNewEvents(VertxTestContext test) {
    appendAll(3);
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(this::publish)), () -> {
          assertEquals(lines("open", 3), sink.record);
          assertEquals(SubscriptionState.LIVE, sub.state());
        });
  }

  @Test
  void eventsAheadOfTheirTurnAreHeldThenDeliveredInOrder(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(() -> {
          history.holdReads();
          StreamEvent e0 = history.append();
          StreamEvent e1 = history.append();
          StreamEvent e2 = history.append();
          feed.onBusEvent(e2);
          feed.onBusEvent(e1);
          feed.onBusEvent(e0);
        }))
        .compose(v -> step(() -> history.releaseReads())), () -> {
          assertEquals(lines("open", 0, 1, 2), sink.record);
        });
  }

  @Test
  void aLostBusMessageIsReadFromHistory(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(() -> {
          StreamEvent e0 = history.append();
          history.append();
          StreamEvent e2 = history.append();
          // 1 never comes on the bus (a producer node died between append and publish)
          feed.onBusEvent(e2);
          feed.onBusEvent(e0);
        })), () -> {
          assertEquals(lines("open", 0, 1, 2), sink.record);
          assertEquals(3, feed.nextSeq());
        });
  }

  @Test
  void aDuplicateOnTheBusIsDroppped(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(() -> {
          StreamEvent e0 = history.append();
          feed.onBusEvent(e0);
          feed.onBusEvent(e0);
        })), () -> assertEquals(lines("open", 0), sink.record));
  }

  @Test
  void anExactPositionTrimmedFromHistoryIsAGap(VertxTestContext test) {
    appendAll(10);
    history.trimTo(5);
    verify(test, openFeed().compose(v -> step(() -> sub.startReplay(3, true, null))), () -> {
      assertEquals(lines("open", "gap e1-2 e1-4", 5, 6, 7, 8, 9), sink.record);
      assertEquals(SubscriptionState.LIVE, sub.state());
    });
  }

  @Test
  void fromEarliestStartsAtTheOldestHeldWithoutGap(VertxTestContext test) {
    appendAll(10);
    history.trimTo(5);
    verify(test, openFeed().compose(v -> step(() -> sub.startReplay(0, false, null))),
        () -> assertEquals(lines("open", 5, 6, 7, 8, 9), sink.record));
  }

  @Test
  void aSlowConsumerLeavesLiveAndCatchesUpWithoutGapOrDuplicate(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> {
          sub.startLive();
          sink.fullAfter(2);
        }))
        .compose(v -> step(() -> {
          publish();
          publish();
        }))
        .compose(v -> step(() -> {
          assertEquals(SubscriptionState.DRAINING, sub.state());
          for (int i = 0; i < 4; i++) {
            publish();
          }
        }))
        .compose(v -> step(() -> {
          assertEquals(lines("open", 0, 1), sink.record, "nothing is pushed to a full connection");
          sink.drain();
        }))
        .compose(v -> step(this::publish)), () -> {
          assertEquals(range(0, 6), sink.sequences());
          assertEquals(SubscriptionState.LIVE, sub.state());
        });
  }

  @Test
  void aSlowReplayWaitsForTheConnectionAndSignalsATrimMeanwhile(VertxTestContext test) {
    appendAll(10);
    verify(test, openFeed()
        .compose(v -> step(() -> {
          sink.fullAfter(3);
          sub.startReplay(0, true, null);
        }))
        .compose(v -> step(() -> {
          assertEquals(SubscriptionState.DRAINING, sub.state());
          history.trimTo(6);
          sink.drain();
        })), () -> {
          assertEquals(lines("open", 0, 1, 2, 3, "gap e1-3 e1-5", 6, 7, 8, 9), sink.record);
          assertEquals(SubscriptionState.LIVE, sub.state());
        });
  }

  @Test
  void aNewEpochOnTheBusEndsLiveSubscribersSoTheyResume(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(this::publish))
        .compose(v -> step(() -> {
          history.recreate("e2");
          feed.onBusEvent(history.append());
        })), () -> {
          assertEquals(lines("open", 0, "error stream_reset", "end"), sink.record);
          assertEquals(SubscriptionState.DONE, sub.state());
          assertTrue(feed.isClosed());
          assertEquals(0, ledger.connections());
        });
  }

  @Test
  void aReplayThatMeetsANewEpochEndsWithAReset(VertxTestContext test) {
    appendAll(2);
    verify(test, openFeed()
        .compose(v -> step(() -> {
          history.holdReads();
          sub.startReplay(0, false, null);
        }))
        .compose(v -> step(() -> {
          history.recreate("e2");
          history.append();
          history.releaseReads();
        })), () -> assertEquals(lines("open", "error stream_reset", "end"), sink.record));
  }

  @Test
  void anIdOfAnotherEpochGetsAGapThenEverything(VertxTestContext test) {
    appendAll(3);
    verify(test, openFeed().compose(v -> step(() -> sub.startReplay(0, false, "e0-7"))),
        () -> assertEquals(lines("open", "gap e0-7 null", 0, 1, 2), sink.record));
  }

  @Test
  void completeEndsTheStream(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(this::publish))
        .compose(v -> step(() -> feed.onBusEvent(history.append(EventType.COMPLETE))))
        .compose(v -> step(this::publish)), () -> {
          assertEquals(lines("open", 0, 1, "end"), sink.record);
          assertEquals(SubscriptionState.DONE, sub.state());
          assertEquals("stream completed", sub.closeReason());
          assertEquals(0, ledger.connections());
        });
  }

  @Test
  void aReplayOfACompletedStreamEndsAfterTheComplete(VertxTestContext test) {
    appendAll(2);
    history.append(EventType.COMPLETE);
    verify(test, openFeed().compose(v -> step(() -> sub.startReplay(1, true, null))), () -> {
      assertEquals(lines("open", 1, 2, "end"), sink.record);
      assertEquals(SubscriptionState.DONE, sub.state());
    });
  }

  @Test
  void aDrainEndsOpenStreamsCleanlyAndRefusesOnesNotStarted(VertxTestContext test) {
    RecordingSink waiting = new RecordingSink();
    Subscription[] replaying = new Subscription[1];
    verify(test, openFeed()
        .compose(v -> step(() -> {
          sub.startLive();
          history.holdReads();
          replaying[0] = ledger.open(feed, waiting, Long.MAX_VALUE, null);
          replaying[0].startReplay(0, false, null);
        }))
        .compose(v -> step(() -> ledger.snapshot().forEach(s -> s.close("node draining"))))
        .compose(v -> step(() -> history.releaseReads())), () -> {
          assertEquals(lines("open", "end"), sink.record);
          assertEquals(lines("refuse 503"), waiting.record, "the read that comes back late writes nothing");
          assertEquals("node draining", sub.closeReason());
          assertEquals(0, ledger.connections());
        });
  }

  @Test
  void aDeletedStreamEndsItsSubscribers(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(this::publish))
        .compose(v -> step(() -> feed.onBusEvent(history.delete()))), () -> {
          assertEquals(lines("open", 0, "error stream_deleted", "end"), sink.record);
          assertTrue(feed.isClosed());
        });
  }

  @Test
  void aClientMidStreamOfADeletedStreamGetsAGapToItsEnd(VertxTestContext test) {
    appendAll(3);
    history.delete();
    verify(test, openFeed().compose(v -> step(() -> {
      assertTrue(feed.deleted());
      sub.endDeleted("e1-0");
    })), () -> {
      assertEquals(lines("open", "gap e1-0 e1-2", "end"), sink.record);
      assertEquals("stream deleted", sub.closeReason());
    });
  }

  @Test
  void anExpiredTokenEndsTheStreamOrIsRefusedBeforeItsHead(VertxTestContext test) {
    RecordingSink early = new RecordingSink();
    Subscription[] expiring = new Subscription[2];
    appendAll(1);
    verify(test, openFeed()
        .compose(v -> step(() -> {
          expiring[0] = ledger.open(feed, sink, 1_000, "alice");
          expiring[0].startLive();
          history.holdReads();
          expiring[1] = ledger.open(feed, early, 1_000, "alice");
          expiring[1].startReplay(0, false, null);
          assertEquals(2, ledger.connectionsOf("alice"));
          assertEquals(0, ledger.expire(999));
          assertEquals(2, ledger.expire(1_000));
        })), () -> {
          assertEquals(lines("open", "error token_expired", "end"), sink.record);
          assertEquals(lines("refuse 401"), early.record);
          assertEquals(0, ledger.connectionsOf("alice"));
        });
  }

  @Test
  void streamsOpenForTheLongestAllowedEndWithMaxDurationAndNoneBefore(VertxTestContext test) {
    StreamcastMeters meters = StreamcastMeters.detached();
    ledger = new SubscriptionLedger(new DeliveryMeters("node", meters), null, new StreamLimits(1_000, 0, 60_000, 0));
    RecordingSink second = new RecordingSink();
    Subscription[] later = new Subscription[1];
    verify(test, openFeed()
        .compose(v -> step(() -> {
          sub.startLive();
          later[0] = ledger.open(feed, second, Long.MAX_VALUE, null);
          later[0].startLive();
          assertEquals(0, ledger.sweep(sub.startedMillis() + 999));
          assertEquals(2, ledger.sweep(later[0].startedMillis() + 1_000));
        }))
        .compose(v -> step(this::publish)), () -> {
          assertEquals(lines("open", "error max_duration", "end"), sink.record);
          assertEquals(lines("open", "error max_duration", "end"), second.record);
          assertEquals(0, ledger.connections());
          assertEquals(2, meters.streamsLimitedTotal(StreamcastMeters.MAX_DURATION));
        });
  }

  @Test
  void aConnectionThatTakesNoBytesForTheTimeoutIsDroppedAsASlowConsumer(VertxTestContext test) {
    StreamcastMeters meters = StreamcastMeters.detached();
    ledger = new SubscriptionLedger(new DeliveryMeters("node", meters), null, new StreamLimits(0, 0, 60_000, 5_000));
    RecordingSink reading = new RecordingSink();
    Subscription[] other = new Subscription[1];
    long[] fullSince = new long[1];
    verify(test, openFeed()
        .compose(v -> step(() -> {
          sub.startLive();
          other[0] = ledger.open(feed, reading, Long.MAX_VALUE, null);
          other[0].startLive();
          sink.fullAfter(1);
          fullSince[0] = System.currentTimeMillis();
          publish();
        }))
        .compose(v -> step(() -> {
          assertEquals(SubscriptionState.DRAINING, sub.state());
          assertEquals(0, ledger.sweep(fullSince[0] + 4_000), "not before the timeout");
          assertEquals(1, ledger.sweep(System.currentTimeMillis() + 5_000), "the full one only");
          publish();
        })), () -> {
          assertEquals(lines("open", 0, "abort"), sink.record, "dropped: nothing more is written to it");
          assertEquals(SubscriptionState.DONE, sub.state());
          assertTrue(sub.closeReason().startsWith("slow consumer"), sub.closeReason());
          assertEquals(range(0, 1), reading.sequences(), "the reading subscriber goes on");
          assertEquals(1, ledger.connections());
          assertEquals(1.0, meters.slowConsumerDisconnectsTotal());
        });
  }

  @Test
  void aUserPastItsBytesIsEndedEverywhereAndRefusedUntilTheWindowEnds(VertxTestContext test) {
    StreamcastMeters meters = StreamcastMeters.detached();
    // each event's data is 2 bytes ("d0"): alice's two streams spend 4 bytes an event, her quota is 5
    ledger = new SubscriptionLedger(new DeliveryMeters("node", meters), null, new StreamLimits(0, 5, 60_000, 0));
    RecordingSink alicesFirst = new RecordingSink();
    RecordingSink alicesSecond = new RecordingSink();
    RecordingSink bobs = new RecordingSink();
    long[] now = new long[1];
    verify(test, openFeed()
        .compose(v -> step(() -> {
          ledger.open(feed, alicesFirst, Long.MAX_VALUE, "alice").startLive();
          ledger.open(feed, alicesSecond, Long.MAX_VALUE, "alice").startLive();
          ledger.open(feed, bobs, Long.MAX_VALUE, "bob").startLive();
          now[0] = System.currentTimeMillis();
        }))
        .compose(v -> step(this::publish))
        .compose(v -> step(this::publish)), () -> {
          // the write that crossed the quota went out, then that stream ended; her other stream got nothing more
          // (which of the two crossed it depends on the fan-out's order)
          assertEquals(java.util.Set.of(lines("open", 0, 1, "error quota_exceeded", "end"),
              lines("open", 0, "error quota_exceeded", "end")), java.util.Set.of(alicesFirst.record, alicesSecond.record));
          // bob has 4 of his 5 bytes: untouched
          assertEquals(lines("open", 0, 1), bobs.record);
          int retryAfter = ledger.quotaRetryAfterSeconds("alice", now[0]);
          assertTrue(retryAfter >= 59 && retryAfter <= 60, "Retry-After " + retryAfter);
          assertEquals(0, ledger.quotaRetryAfterSeconds("bob", now[0]));
          assertEquals(2, meters.streamsLimitedTotal("quota_exceeded"));
          // the window ends: alice may receive again, and with no stream open she is forgotten at the sweep
          assertEquals(0, ledger.quotaRetryAfterSeconds("alice", now[0] + 60_000));
          ledger.sweep(now[0] + 120_000);
          assertEquals(0, ledger.connectionsOf("alice"));
        });
  }

  @Test
  void aClientThatLeftGetsNothingMore(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(this::publish))
        .compose(v -> step(sink::clientCloses))
        .compose(v -> step(this::publish)), () -> {
          assertEquals(lines("open", 0), sink.record);
          assertEquals(SubscriptionState.DONE, sub.state());
          assertEquals("client closed", sub.closeReason());
          assertEquals(0, ledger.connections());
        });
  }

  @Test
  void aHeartbeatGoesOnlyToAConnectionQuietSinceTheLastSweep(VertxTestContext test) {
    verify(test, openFeed()
        .compose(v -> step(() -> sub.startLive()))
        .compose(v -> step(this::publish))
        .compose(v -> step(() -> {
          sub.heartbeat();
          sub.heartbeat();
        })), () -> assertEquals(lines("open", 0, "heartbeat"), sink.record));
  }
}
