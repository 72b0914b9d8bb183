package io.streamcast.producer.jobs;

import io.streamcast.producer.StreamWriter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * The job kinds every producer node runs: {@code tokens} (an LLM-like answer, token by token) and
 * {@code progress} (a long computation reporting how far it is, restartable on another node). Both
 * only need timers, so they run in the demo too; {@code export} needs a database (see {@link ExportJobs}).
 */
public final class BuiltInJobs {

  private static final String[] WORDS = ("streams carry work that takes long to the people waiting for it so they "
      + "see each piece as soon as it exists and a reconnect picks up where it left off without losing or "
      + "repeating anything").split(" ");

  private BuiltInJobs() {
  }

  /**
   * {@code tokens}: parameters {@code prompt} (text, required, at most 4,000 characters), {@code
   * tokens} (1-100,000, default 60), {@code rate} (tokens a second, 1-1,000, default 30), {@code
   * lingerMillis} (0-1,000, default 20: how long a token waits for more to share its event) and {@code
   * stamps} (true: each token is {@code " <i>@<epoch microseconds>"}, its number and the time it was
   * written, instead of a word, so that a client can measure every token's latency; bench/jobs does).
   * Writes {@code token} events (tokens written within the linger share one event: concatenate their
   * data), then a {@code done} event with a summary.
   */
  public static JobKind tokens(int maxPerNode) {
    return new JobKind("tokens", maxPerNode, p -> {
      String prompt = p.getString("prompt");
      if (prompt == null || prompt.isBlank() || prompt.length() > 4000) {
        throw new IllegalArgumentException("'prompt' must be text of 1-4000 characters");
      }
      int count = bounded(p, "tokens", 60, 1, 100_000);
      int rate = bounded(p, "rate", 30, 1, 1000);
      int linger = bounded(p, "lingerMillis", 20, 0, 1000);
      Object stampsValue = p.getValue("stamps");
      if (stampsValue != null && !(stampsValue instanceof Boolean)) {
        throw new IllegalArgumentException("'stamps' must be true or false, got " + stampsValue);
      }
      boolean stamps = Boolean.TRUE.equals(stampsValue);
      return ctx -> {
        Promise<Void> done = Promise.promise();
        StreamWriter writer = ctx.writer("token", linger);
        long started = System.currentTimeMillis();
        int[] written = {0};
        // a fixed-rate timer: rate 50 is a token every 20 ms, whatever each tick costs
        long timer = ctx.vertx().setPeriodic(Math.max(1, 1000 / rate), id -> {
          if (written[0] == count) {
            ctx.vertx().cancelTimer(id);
            writer.flush()
                .compose(v -> ctx.publish("done", new JsonObject().put("tokens", count)
                    .put("events", writer.events()).put("millis", System.currentTimeMillis() - started).encode()))
                .<Void>mapEmpty().onComplete(done);
            return;
          }
          writer.write(stamps ? stamp(written[0])
              : (written[0] == 0 ? "" : " ") + WORDS[(written[0] + prompt.length()) % WORDS.length]);
          written[0]++;
          ctx.progress((double) written[0] / count);
        });
        ctx.onCancel(reason -> ctx.vertx().cancelTimer(timer));
        return done.future();
      };
    });
  }

  /** @return token {@code i} as {@code " <i>@<epoch microseconds>"} */
  private static String stamp(int i) {
    Instant now = Instant.now();
    return " " + i + "@" + (now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
  }

  /**
   * {@code progress}, restartable: parameters {@code steps} (1-100,000, default 20) and {@code
   * stepMillis} (1-60,000, default 500). Emits a {@code progress} event {@code {"step","steps",
   * "percent","etaSeconds"}} per step, then {@code done}; {@code fail: true} makes it fail half way (to
   * show what a failing job looks like). Its checkpoint is the last step published ({@code {"step"}});
   * each event's idempotency key is its step ({@code done} for the last), so a run restarted on another
   * node goes on from the checkpoint and a step it repeats is in the stream once.
   */
  public static JobKind progress(int maxPerNode) {
    return new JobKind("progress", maxPerNode, true, p -> {
      int steps = bounded(p, "steps", 20, 1, 100_000);
      int stepMillis = bounded(p, "stepMillis", 500, 1, 60_000);
      boolean fail = Boolean.TRUE.equals(p.getValue("fail"));
      return ctx -> {
        Promise<Void> done = Promise.promise();
        JsonObject from = ctx.checkpoint();
        int[] step = {from == null ? 0 : from.getInteger("step", 0)};
        // each step after the one before: the stream holds them in order, and a checkpoint is never
        // ahead of what is published
        Future<?>[] last = {Future.succeededFuture()};
        long timer = ctx.vertx().setPeriodic(stepMillis, id -> {
          int s = Math.min(steps, step[0] + 1);
          if (step[0] < steps) {
            step[0] = s;
            if (fail && s > steps / 2) {
              ctx.vertx().cancelTimer(id);
              done.tryFail("the computation failed at step " + s + " of " + steps + " (asked to)");
              return;
            }
            double percent = 100.0 * s / steps;
            ctx.progress(percent / 100);
            String data = new JsonObject().put("step", s).put("steps", steps)
                .put("percent", Math.round(percent * 10) / 10.0)
                .put("etaSeconds", (steps - s) * stepMillis / 1000.0).encode();
            last[0] = last[0].compose(v -> ctx.publish("progress", data, "step-" + s))
                // a checkpoint that could not be stored only makes a restart repeat more steps
                .compose(v -> ctx.checkpoint(new JsonObject().put("step", s)).otherwiseEmpty());
            last[0].onFailure(e -> {
              ctx.vertx().cancelTimer(id);
              done.tryFail(e);
            });
          }
          if (s == steps) {
            // also where a run restarted after the last step begins: only done is left
            ctx.vertx().cancelTimer(id);
            last[0].compose(v -> ctx.publish("done", new JsonObject().put("steps", steps).encode(), "done"))
                .onSuccess(v -> done.tryComplete()).onFailure(done::tryFail);
          }
        });
        ctx.onCancel(reason -> ctx.vertx().cancelTimer(timer));
        return done.future();
      };
    });
  }

  /** @return an integer parameter within bounds, the default when absent */
  static int bounded(JsonObject p, String name, int defaultValue, int min, int max) {
    Object v = p.getValue(name);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue())
        || n.longValue() < min || n.longValue() > max) {
      throw new IllegalArgumentException("'" + name + "' must be a whole number " + min + "-" + max + ", got " + v);
    }
    return n.intValue();
  }
}
