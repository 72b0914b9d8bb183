package io.streamcast.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a node's {@code --config} file: YAML or JSON (JSON is YAML), a flat map with the flags'
 * names as keys ({@code http-port: 8080}). A list value (e.g. {@code members}) is joined with commas.
 */
final class ConfigFile {

  private static final Set<String> KEYS = Arrays.stream(NodeFlag.values())
      .filter(f -> f != NodeFlag.CONFIG).map(NodeFlag::key).collect(Collectors.toSet());

  private ConfigFile() {
  }

  /**
   * @return the file's settings as strings
   * @throws IllegalArgumentException with a one-line reason (unreadable, not a map, unknown key)
   */
  static Map<String, String> read(Path path) {
    Object doc;
    try (Reader r = Files.newBufferedReader(path)) {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("--config: cannot read " + path + ": " + e.getMessage());
    } catch (YAMLException e) {
      throw new IllegalArgumentException("--config: " + path + " is not valid YAML/JSON: "
          + e.getMessage().replace('\n', ' '));
    }
    if (doc == null) {
      return Map.of();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("--config: " + path + " must hold a map of settings");
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("--config: unknown key '" + key + "' in " + path);
      }
      Object value = e.getValue();
      out.put(key, value instanceof List<?> list
          ? list.stream().map(String::valueOf).collect(Collectors.joining(",")) : String.valueOf(value));
    }
    return out;
  }
}
