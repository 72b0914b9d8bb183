package io.streamcast.bench;

import io.netty.buffer.ByteBuf;
import io.streamcast.core.NdjsonEncoder;
import io.streamcast.core.SseEncoder;
import io.streamcast.core.StreamEvent;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding one event, the cost paid once per event per node: SSE ({@code id}/{@code event}/{@code
 * data:} lines), NDJSON (one JSON object), and the whole per-node preparation of the SSE chunk that
 * fan-out shares ({@link StreamEvent#sseChunk}: id formatting, SSE encoding, HTTP chunk framing
 * into a direct buffer).
 *
 * <p>Payloads: {@code small} = 100 B like sse-bench's, {@code large} = 16 KiB, {@code multiline}
 * = 1 KiB in 20 lines (a mix of {@code \n} and {@code \r\n}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EncodeBenchmark {

  @Param({"small", "large", "multiline"})
  public String payload;

  private byte[] data;
  private String dataText;
  private long seq;

  @Setup
  public void setUp() {
    String text;
    switch (payload) {
      case "small" -> text = "t=1732530000000.123;42;" + "x".repeat(77);
      case "large" -> text = "y".repeat(16 * 1024);
      case "multiline" -> {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) {
          b.append("line ").append(i).append(' ').append("z".repeat(40)).append(i % 2 == 0 ? "\n" : "\r\n");
        }
        text = b.toString();
      }
      default -> throw new IllegalArgumentException(payload);
    }
    data = text.getBytes(StandardCharsets.UTF_8);
    dataText = text;
  }

  @Benchmark
  public Buffer sse() {
    return SseEncoder.event("mww0gu5l51-123456", "message", data);
  }

  @Benchmark
  public Buffer sseTyped() {
    return SseEncoder.event("mww0gu5l51-123456", "tick", data);
  }

  @Benchmark
  public Buffer ndjson() {
    return NdjsonEncoder.event("mww0gu5l51-123456", "message", dataText);
  }

  /** Everything a node does once per live event before fan-out: id, SSE bytes, the framed chunk. */
  @Benchmark
  public ByteBuf sseChunkPerEvent() {
    return new StreamEvent("bench", "mww0gu5l51", seq++, "message", data, 0L).sseChunk();
  }
}
