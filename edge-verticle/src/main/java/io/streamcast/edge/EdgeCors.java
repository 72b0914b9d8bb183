package io.streamcast.edge;

import io.streamcast.core.ApiError;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CORS on the edge port ({@code --cors-origins}): lets pages of the listed origins read streams with
 * {@code EventSource} or {@code fetch}, with credentials (the {@code streamcast_token} cookie) when the
 * origins are listed, without them when the list is {@code *}.
 *
 * <p>vertx-web's {@link CorsHandler} writes the headers and answers the preflight; this handler runs
 * first and adds what it leaves out (read from vertx-web 5.0.7's {@code CorsHandlerImpl}):
 * <ul>
 *   <li>{@code Vary: Origin} on every answer. {@code CorsHandler} skips it when one origin is listed,
 *   but then an answer with {@code Access-Control-Allow-Origin} (a request with {@code Origin}) and one
 *   without (no {@code Origin}) share a URL, and a cache in between could hand one for the other.</li>
 *   <li>A request from an origin not listed gets the contract's {@code 403 forbidden} JSON at once (a
 *   preflight too), without any {@code Access-Control-*} header: its stream never starts, so it holds
 *   no connection slot, and the browser refuses the answer. {@code CorsHandler} would fail the route
 *   with a bare 403 that the edge's failure handler does not know.</li>
 * </ul>
 * An origin is never reflected unless it is listed: with {@code *} the answer is the literal
 * {@code Access-Control-Allow-Origin: *}, which browsers never combine with credentials. Same-origin
 * {@code GET}s carry no {@code Origin} header and pass unchanged, so the dashboard keeps working.
 */
public final class EdgeCors implements Handler<RoutingContext> {

  /** Request headers a cross-origin page may send: resume position, token, body type, NDJSON. */
  public static final Set<String> ALLOWED_HEADERS = Set.of("Last-Event-ID", "Authorization", "Content-Type", "Accept");
  /** Answer headers a cross-origin {@code fetch} may read besides the safelisted ones. */
  public static final Set<String> EXPOSED_HEADERS = Set.of("Retry-After", "WWW-Authenticate");
  /** How long a browser may keep a preflight's answer (Chromium caps it at 2 hours). */
  public static final int PREFLIGHT_MAX_AGE_SECONDS = 600;

  private final boolean anyOrigin;
  private final Set<String> origins;
  private final CorsHandler cors;

  private EdgeCors(List<String> normalized) {
    anyOrigin = normalized.equals(List.of("*"));
    origins = anyOrigin ? Set.of() : new LinkedHashSet<>(normalized);
    CorsHandler c = CorsHandler.create()
        // the edge's routes are all GET; OPTIONS is the preflight itself
        .allowedMethod(HttpMethod.GET)
        .allowedHeaders(ALLOWED_HEADERS)
        .exposedHeaders(EXPOSED_HEADERS)
        .maxAgeSeconds(PREFLIGHT_MAX_AGE_SECONDS)
        // credentials only for listed origins: with '*' CorsHandler would reflect any origin with them
        .allowCredentials(!anyOrigin);
    if (!anyOrigin) {
      c.addOrigins(normalized);
    }
    this.cors = c;
  }

  /**
   * @param normalizedOrigins {@link EdgeConfig#corsOrigins()}, not empty
   * @return the handler to put first on every route of the edge port
   */
  public static EdgeCors create(List<String> normalizedOrigins) {
    if (normalizedOrigins.isEmpty()) {
      throw new IllegalArgumentException("CORS needs at least one origin");
    }
    return new EdgeCors(normalizedOrigins);
  }

  @Override
  public void handle(RoutingContext ctx) {
    MultiMap headers = ctx.response().headers();
    String vary = headers.get(HttpHeaders.VARY);
    if (vary == null) {
      headers.set(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    } else if (!vary.toLowerCase(Locale.ROOT).contains("origin")) {
      headers.set(HttpHeaders.VARY, vary + ",Origin");
    }
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !allowed(origin)) {
      ApiError.FORBIDDEN.send(ctx.response(),
          "cross-origin requests from this origin are not allowed (see --cors-origins)");
      return;
    }
    cors.handle(ctx);
  }

  /** @return whether a page of {@code origin} (an {@code Origin} header) may read this port */
  boolean allowed(String origin) {
    if (anyOrigin) {
      return true;
    }
    try {
      return origins.contains(normalize(origin));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Validates and normalizes a {@code --cors-origins} list.
   *
   * @param given entries such as {@code https://app.example.com} or {@code http://127.0.0.1:3000}, or a
   *     single {@code *}; blank entries are skipped
   * @return each as a browser serializes it in {@code Origin} (lower-case scheme and host, no default
   *     port), without duplicates; empty when none was given
   * @throws IllegalArgumentException naming the entry that is not an origin
   */
  public static List<String> origins(List<String> given) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String raw : given) {
      String o = raw == null ? "" : raw.trim();
      if (o.isEmpty()) {
        continue;
      }
      out.add(o.equals("*") ? "*" : normalize(o));
    }
    if (out.contains("*") && out.size() > 1) {
      throw new IllegalArgumentException("--cors-origins: '*' (any origin, without credentials) cannot be "
          + "combined with listed origins");
    }
    return List.copyOf(new ArrayList<>(out));
  }

  private static String normalize(String origin) {
    if (origin.equals("null")) {
      // the opaque origin of sandboxed frames and file: pages, shared by every such page anywhere
      throw new IllegalArgumentException("--cors-origins: 'null' is not an origin that can be trusted");
    }
    URI u;
    try {
      u = new URI(origin);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--cors-origins: '" + origin + "' is not an origin such as https://app.example.com");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    String path = u.getRawPath();
    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getRawUserInfo() != null
        || u.getRawQuery() != null || u.getRawFragment() != null || (path != null && !path.isEmpty())) {
      throw new IllegalArgumentException("--cors-origins: '" + origin
          + "' is not an origin such as https://app.example.com (scheme, host and port only, no path)");
    }
    int port = u.getPort();
    boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
  }
}
