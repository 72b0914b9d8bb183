package io.streamcast.edge.delivery;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamEvent;
import io.vertx.core.Handler;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Sink} that records what a subscription wrote, as short lines ({@code open}, {@code 3}
 * for the event of sequence 3, {@code gap e1-2 e1-4}, {@code error stream_reset}, {@code end},
 * {@code refuse 503}), and whose writability the test sets, to play a slow connection.
 */
final class RecordingSink implements Sink {

  final List<String> record = new ArrayList<>();
  private boolean open;
  private boolean writable = true;
  /** Turns unwritable after this many more events (a connection that fills up); -1: never. */
  private int fullAfter = -1;
  private Runnable whenDrained;
  private Handler<Void> closed;

  @Override
  public void onClose(Handler<Void> closed, Handler<Throwable> failed) {
    this.closed = closed;
  }

  @Override
  public void open() {
    if (!open) {
      open = true;
      record.add("open");
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public int write(StreamEvent e, boolean shared) {
    record.add(Long.toString(e.seq()));
    filled(1);
    return e.dataBytes().length;
  }

  @Override
  public int write(FanoutBatch batch) {
    int length = 0;
    for (int i = 0; i < batch.size(); i++) {
      record.add(Long.toString(batch.get(i).seq()));
      length += batch.get(i).dataBytes().length;
    }
    filled(batch.size());
    return length;
  }

  private void filled(int count) {
    if (fullAfter >= 0) {
      fullAfter = Math.max(0, fullAfter - count);
      writable = fullAfter > 0;
    }
  }

  @Override
  public int gap(String requested, String resumedAfter) {
    record.add("gap " + requested + " " + resumedAfter);
    return 1;
  }

  @Override
  public int error(String code, String message, int retryAfterSeconds) {
    record.add("error " + code);
    return 1;
  }

  @Override
  public void heartbeat() {
    record.add("heartbeat");
  }

  @Override
  public boolean writable() {
    return writable;
  }

  @Override
  public void whenDrained(Runnable then) {
    whenDrained = then;
  }

  @Override
  public void end() {
    record.add("end");
  }

  @Override
  public void abort() {
    record.add("abort");
  }

  @Override
  public void refuse(ApiError error, String message, int retryAfterSeconds) {
    record.add("refuse " + error.status());
  }

  /** The connection fills up after {@code events} more events. */
  void fullAfter(int events) {
    fullAfter = events;
  }

  /** The connection wrote out what it held: writable again, and the waiting subscription resumes. */
  void drain() {
    writable = true;
    fullAfter = -1;
    Runnable then = whenDrained;
    whenDrained = null;
    if (then != null) {
      then.run();
    }
  }

  /** The client goes away. */
  void clientCloses() {
    closed.handle(null);
  }

  /** @return the events' sequences recorded, in order, without the control lines */
  List<Long> sequences() {
    List<Long> seqs = new ArrayList<>();
    for (String line : record) {
      if (Character.isDigit(line.charAt(0))) {
        seqs.add(Long.parseLong(line));
      }
    }
    return seqs;
  }
}
