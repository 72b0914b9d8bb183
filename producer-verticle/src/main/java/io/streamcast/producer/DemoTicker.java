package io.streamcast.producer;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.logging.Logger;

/**
 * The demo's producers: {@code demo.ticks} gets a JSON tick every second, {@code demo.tokens} an
 * LLM-like trickle of words, each sentence ending with an event of type {@code sentence-end}.
 */
public final class DemoTicker extends VerticleBase {

  /** Stream of one tick a second. */
  public static final String TICKS = "demo.ticks";
  /** Stream of word tokens. */
  public static final String TOKENS = "demo.tokens";

  private static final Logger LOG = Logger.getLogger(DemoTicker.class.getName());
  private static final String[] WORDS = ("Streamcast replays what you missed from replicated history and then "
      + "streams live events to every node of the cluster without loss or duplicates").split(" ");

  private final StreamPublisher publisher;
  private long tick;
  private int word;

  /** @param publisher the node's publisher */
  public DemoTicker(StreamPublisher publisher) {
    this.publisher = publisher;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(1000, id -> publisher.publish(TICKS,
            new JsonObject().put("tick", tick++).put("time", System.currentTimeMillis()).encode())
        .onFailure(e -> LOG.warning("demo tick not published: " + e.getMessage())));
    vertx.setPeriodic(250, id -> {
      boolean last = word == WORDS.length - 1;
      String token = WORDS[word] + (last ? "." : " ");
      word = last ? 0 : word + 1;
      publisher.publish(TOKENS, token)
          .compose(e -> last ? publisher.publish(TOKENS, "sentence-end",
              "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), null) : Future.succeededFuture(e))
          .onFailure(e -> LOG.warning("demo token not published: " + e.getMessage()));
    });
    return Future.succeededFuture();
  }
}
