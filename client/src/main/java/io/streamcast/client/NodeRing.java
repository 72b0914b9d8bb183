package io.streamcast.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** The validated base URLs of the nodes a client may use, in the order it tries them. */
final class NodeRing {

  private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private NodeRing() {
  }

  /**
   * @return the URLs without a trailing slash, so a path can be appended
   * @throws IllegalArgumentException if the list is empty or a URL is not an absolute http(s) URL without
   *                                  query or fragment
   */
  static List<String> validate(List<String> nodeUrls) {
    Objects.requireNonNull(nodeUrls, "nodes");
    if (nodeUrls.isEmpty()) {
      throw new IllegalArgumentException("at least one node URL is needed");
    }
    List<String> result = new ArrayList<>(nodeUrls.size());
    for (String url : nodeUrls) {
      Objects.requireNonNull(url, "a node URL is null");
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("not a URL: " + url, e);
      }
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new IllegalArgumentException("a node URL must look like http://host:port, got: " + url);
      }
      String normalised = url;
      while (normalised.endsWith("/")) {
        normalised = normalised.substring(0, normalised.length() - 1);
      }
      result.add(normalised);
    }
    return List.copyOf(result);
  }

  /** @throws IllegalArgumentException unless the name matches the server's {@code [A-Za-z0-9._-]{1,128}} */
  static String validateStream(String stream) {
    Objects.requireNonNull(stream, "stream");
    if (!STREAM_NAME.matcher(stream).matches()) {
      throw new IllegalArgumentException("a stream name must match [A-Za-z0-9._-]{1,128}, got: " + stream);
    }
    return stream;
  }
}
