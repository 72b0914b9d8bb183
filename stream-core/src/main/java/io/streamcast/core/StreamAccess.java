package io.streamcast.core;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * The contract's Auth: who may subscribe to or publish on which stream. A request's JWT (from
 * {@code Authorization: Bearer}, else the {@code access_token} query parameter, else the {@code
 * streamcast_token} cookie, because EventSource cannot send headers) is verified by vertx-auth-jwt,
 * then its {@code sub_streams} or {@code pub_streams} patterns are matched against the stream.
 *
 * <p>System streams ({@link StreamName#isSystem}, such as {@code _cluster.stats}) are granted only by
 * patterns that start with {@code _}: a bare {@code *} does not reach them (ADR 14). Whether a
 * system stream may be written at all is not decided here: the publish API refuses it before any
 * token is read.
 *
 * <p>With {@link AuthSettings#OFF} every check succeeds with {@link Grant#OPEN} and no token is
 * read. Refusals are {@link InvalidRequestException}s with {@link ApiError#UNAUTHORIZED} (no token,
 * a bad or expired one) or {@link ApiError#FORBIDDEN} (a valid token without a matching pattern);
 * their messages never repeat the token.
 */
public final class StreamAccess {

  /** What a request wants to do on a stream, and the claim that lists the streams it may. */
  public enum Action {
    /** Read a stream (subscribe, stream info): needs a {@code sub_streams} match. */
    SUBSCRIBE("sub_streams", "subscribe to"),
    /** Append to a stream (publish, complete): needs a {@code pub_streams} match. */
    PUBLISH("pub_streams", "publish to"),
    /**
     * Start, read or cancel a job of a kind (the "stream" checked is the job kind's name): needs a
     * {@code job_kinds} match.
     */
    START_JOB("job_kinds", "start", "jobs of kind");

    private final String claim;
    private final String verb;
    private final String noun;

    Action(String claim, String verb) {
      this(claim, verb, "stream");
    }

    Action(String claim, String verb, String noun) {
      this.claim = claim;
      this.verb = verb;
      this.noun = noun;
    }
  }

  /** Query parameter carrying a token, for clients (EventSource) that cannot set headers. */
  public static final String QUERY_PARAMETER = "access_token";
  /** Cookie carrying a token, for same-origin pages. */
  public static final String COOKIE = "streamcast_token";
  /** Tolerated clock skew for {@code nbf} and {@code iat} of tokens minted on another machine. */
  private static final int SKEW_SECONDS = 5;

  private static final Future<Grant> OPEN = Future.succeededFuture(Grant.OPEN);

  private final JWTAuth jwt;

  private StreamAccess(JWTAuth jwt) {
    this.jwt = jwt;
  }

  /**
   * @param vertx the verticle's Vert.x
   * @param settings the configured key, or {@link AuthSettings#OFF}
   * @return the access checks of one verticle
   */
  public static StreamAccess create(Vertx vertx, AuthSettings settings) {
    if (!settings.enabled()) {
      return new StreamAccess(null);
    }
    JWTAuthOptions options = new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(settings.algorithm()).setBuffer(settings.key()))
        // exp is checked below rather than by the library, so an expired token can be told apart
        // from a forged one in the 401's message; the signature is still verified first
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true));
    return new StreamAccess(JWTAuth.create(vertx, options));
  }

  /** @return whether requests need a token */
  public boolean enabled() {
    return jwt != null;
  }

  /**
   * Checks that {@code request} may do one of {@code anyOf} on {@code stream}. Verification does
   * not block: it completes on the caller's context.
   *
   * @param request the HTTP request carrying the token
   * @param stream a valid stream name
   * @param anyOf the actions any one of which suffices (stream info is readable by either grant)
   * @return the grant, or a failure with an {@link InvalidRequestException} (401 or 403)
   */
  public Future<Grant> check(HttpServerRequest request, String stream, Action... anyOf) {
    if (jwt == null) {
      return OPEN;
    }
    String token = token(request);
    if (token == null) {
      return refuse(ApiError.UNAUTHORIZED, "an access token is required: send 'Authorization: Bearer <token>', "
          + "the access_token query parameter or the streamcast_token cookie");
    }
    Future<User> verified;
    try {
      verified = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      verified = Future.failedFuture(e);
    }
    return verified.transform(ar -> ar.succeeded() ? authorize(ar.result(), stream, anyOf)
        // the library's reason may quote parts of the token: keep it out of the answer
        : refuse(ApiError.UNAUTHORIZED, "the access token is invalid (malformed, or not signed with this node's key)"));
  }

  private static Future<Grant> authorize(User user, String stream, Action... anyOf) {
    long expiresAt;
    try {
      // User.get reads the token's claims (its principal holds the raw token, never used here)
      Object exp = user.get("exp");
      expiresAt = exp == null ? Long.MAX_VALUE : Math.multiplyExact(((Number) exp).longValue(), 1000L);
    } catch (ClassCastException | ArithmeticException e) {
      return refuse(ApiError.UNAUTHORIZED, "the access token is invalid: 'exp' is not a number");
    }
    if (expiresAt <= System.currentTimeMillis()) {
      return refuse(ApiError.UNAUTHORIZED, "the access token expired; get a fresh one");
    }
    if (user.expired(SKEW_SECONDS)) {
      return refuse(ApiError.UNAUTHORIZED, "the access token is not valid yet ('nbf' or 'iat' is in the future)");
    }
    for (Action action : anyOf) {
      if (permits(user.get(action.claim), stream)) {
        Object sub = user.get("sub");
        return Future.succeededFuture(new Grant(sub instanceof String s ? s : null, expiresAt));
      }
    }
    StringBuilder why = new StringBuilder("the access token does not allow to ");
    for (int i = 0; i < anyOf.length; i++) {
      why.append(i == 0 ? "" : " or ").append(anyOf[i].verb);
    }
    why.append(' ').append(anyOf[0].noun).append(" '").append(stream).append("' (no ");
    for (int i = 0; i < anyOf.length; i++) {
      why.append(i == 0 ? "" : " or ").append(anyOf[i].claim);
    }
    why.append(" pattern matches");
    if (StreamName.isSystem(stream)) {
      why.append("; a system stream is granted only by a pattern starting with '_', such as '_cluster.*'");
    }
    return refuse(ApiError.FORBIDDEN, why.append(')').toString());
  }

  /** A claim is a list of patterns; a single string is taken as a list of one. */
  private static boolean permits(Object claim, String stream) {
    boolean system = StreamName.isSystem(stream);
    if (claim instanceof String pattern) {
      return grants(pattern, stream, system);
    }
    if (claim instanceof JsonArray patterns) {
      for (Object p : patterns) {
        if (p instanceof String pattern && grants(pattern, stream, system)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A system stream ({@code _cluster.stats}) is granted only by a pattern that starts with {@code _}
   * itself ({@code _cluster.*}, {@code _*}): a {@code *} written for a tenant's own streams must not
   * also hand out the cluster's figures (ADR 14).
   */
  private static boolean grants(String pattern, String stream, boolean system) {
    return (!system || StreamName.isSystem(pattern)) && StreamPattern.of(pattern).matches(stream);
  }

  /** The contract's order: header, then query, then cookie. */
  private static String token(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String t = authorization.substring(7).trim();
      if (!t.isEmpty()) {
        return t;
      }
    }
    String query = request.getParam(QUERY_PARAMETER);
    if (query != null && !query.isEmpty()) {
      return query;
    }
    Cookie cookie = request.getCookie(COOKIE);
    return cookie == null || cookie.getValue().isEmpty() ? null : cookie.getValue();
  }

  private static Future<Grant> refuse(ApiError error, String message) {
    return Future.failedFuture(new InvalidRequestException(error, message));
  }
}
