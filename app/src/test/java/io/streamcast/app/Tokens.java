package io.streamcast.app;

import io.vertx.core.Vertx;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.Map;

/** Access tokens for the tests of nodes started with {@code --jwt-secret}. */
final class Tokens {

  private Tokens() {
  }

  /** @return a signer of HS256 tokens with {@code secret}, the node's key */
  static JWTAuth hs256(Vertx vertx, String secret) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  /** @return the headers of a publish (or subscribe) carrying {@code token} as a bearer token */
  static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token, "Content-Type", "text/plain");
  }
}
