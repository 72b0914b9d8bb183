package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --memory-high-watermark}: a default, a range, and a one-line reason when out of it. */
class MemoryHighWatermarkConfigTest {

  private static NodeConfig resolve(Map<NodeFlag, String> flags) {
    return NodeConfig.resolve(flags, Map.of(), Map.of(), false);
  }

  @Test
  void defaultsTo085() {
    assertEquals(0.85, resolve(Map.of()).memoryHighWatermark());
  }

  @Test
  void takesTheFlagTheEnvironmentAndTheFile() {
    assertEquals(0.9, resolve(Map.of(NodeFlag.MEMORY_HIGH_WATERMARK, "0.9")).memoryHighWatermark());
    assertEquals(0.7, NodeConfig.resolve(Map.of(), Map.of("STREAMCAST_MEMORY_HIGH_WATERMARK", "0.7"), Map.of(), false)
        .memoryHighWatermark());
    assertEquals(0.6, NodeConfig.resolve(Map.of(), Map.of(), Map.of("memory-high-watermark", "0.6"), false)
        .memoryHighWatermark());
  }

  @Test
  void outOfRangeOrNotANumberIsOneLine() {
    assertEquals("--memory-high-watermark must be between 0.1 and 0.99, got 1.0", assertThrows(
        IllegalArgumentException.class, () -> resolve(Map.of(NodeFlag.MEMORY_HIGH_WATERMARK, "1.0"))).getMessage());
    assertEquals("--memory-high-watermark must be between 0.1 and 0.99, got 0.05", assertThrows(
        IllegalArgumentException.class, () -> resolve(Map.of(NodeFlag.MEMORY_HIGH_WATERMARK, "0.05"))).getMessage());
    assertEquals("--memory-high-watermark must be between 0.1 and 0.99, got NaN", assertThrows(
        IllegalArgumentException.class, () -> resolve(Map.of(NodeFlag.MEMORY_HIGH_WATERMARK, "NaN"))).getMessage());
    assertEquals("--memory-high-watermark must be a number such as 0.85, got '85%'", assertThrows(
        IllegalArgumentException.class, () -> resolve(Map.of(NodeFlag.MEMORY_HIGH_WATERMARK, "85%"))).getMessage());
  }
}
