package io.streamcast.producer.jobs;

import io.streamcast.producer.StreamWriter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * The job kinds every producer node runs: {@code tokens} (an LLM-like answer, token by token) and
 * {@code progress} (a long computation reporting how far it is). Both only need timers, so they run
 * in the demo too; {@code export} needs a database (see {@link ExportJobs}).
 */
public final class BuiltInJobs {

  private static final String[] WORDS = ("streams carry work that takes long to the people waiting for it so they "
      + "see each piece as soon as it exists and a reconnect picks up where it left off without losing or "
      + "repeating anything").split(" ");

  private BuiltInJobs() {
  }

  /**
   * {@code tokens}: parameters {@code prompt} (text, required, at most 4,000 characters), {@code
   * tokens} (1-100,000, default 60) and {@code rate} (tokens a second, 1-1,000, default 30). Writes
   * {@code token} events (tokens written within 20 ms share one event: concatenate their data), then
   * a {@code done} event with a summary.
   */
  public static JobKind tokens(int maxPerNode) {
    return new JobKind("tokens", maxPerNode, p -> {
      String prompt = p.getString("prompt");
      if (prompt == null || prompt.isBlank() || prompt.length() > 4000) {
        throw new IllegalArgumentException("'prompt' must be text of 1-4000 characters");
      }
      int count = bounded(p, "tokens", 60, 1, 100_000);
      int rate = bounded(p, "rate", 30, 1, 1000);
      return ctx -> {
        Promise<Void> done = Promise.promise();
        StreamWriter writer = ctx.writer("token", 20);
        long started = System.currentTimeMillis();
        int[] written = {0};
        long timer = ctx.vertx().setPeriodic(Math.max(1, 1000 / rate), id -> {
          if (written[0] == count) {
            ctx.vertx().cancelTimer(id);
            writer.flush()
                .compose(v -> ctx.publish("done", new JsonObject().put("tokens", count)
                    .put("events", writer.events()).put("millis", System.currentTimeMillis() - started).encode()))
                .<Void>mapEmpty().onComplete(done);
            return;
          }
          String word = WORDS[(written[0] + prompt.length()) % WORDS.length];
          writer.write(written[0] == 0 ? word : " " + word);
          written[0]++;
          ctx.progress((double) written[0] / count);
        });
        ctx.onCancel(reason -> ctx.vertx().cancelTimer(timer));
        return done.future();
      };
    });
  }

  /**
   * {@code progress}: parameters {@code steps} (1-100,000, default 20) and {@code stepMillis}
   * (1-60,000, default 500). Emits a {@code progress} event {@code {"step","steps","percent",
   * "etaSeconds"}} per step, then {@code done}; {@code fail: true} makes it fail half way (to show
   * what a failing job looks like).
   */
  public static JobKind progress(int maxPerNode) {
    return new JobKind("progress", maxPerNode, p -> {
      int steps = bounded(p, "steps", 20, 1, 100_000);
      int stepMillis = bounded(p, "stepMillis", 500, 1, 60_000);
      boolean fail = Boolean.TRUE.equals(p.getValue("fail"));
      return ctx -> {
        Promise<Void> done = Promise.promise();
        int[] step = {0};
        long timer = ctx.vertx().setPeriodic(stepMillis, id -> {
          step[0]++;
          if (fail && step[0] > steps / 2) {
            ctx.vertx().cancelTimer(id);
            done.tryFail("the computation failed at step " + step[0] + " of " + steps + " (asked to)");
            return;
          }
          double percent = 100.0 * step[0] / steps;
          ctx.progress(percent / 100);
          Future<?> sent = ctx.publish("progress", new JsonObject().put("step", step[0]).put("steps", steps)
              .put("percent", Math.round(percent * 10) / 10.0)
              .put("etaSeconds", (steps - step[0]) * stepMillis / 1000.0).encode());
          if (step[0] == steps) {
            ctx.vertx().cancelTimer(id);
            sent.compose(v -> ctx.publish("done", new JsonObject().put("steps", steps).encode()))
                .<Void>mapEmpty().onComplete(done);
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
