package io.streamcast.core;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key tokens are verified with, from {@code --jwt-secret} (HS256) or {@code --jwt-public-key}
 * (RS256 for an RSA key, ES256/ES384/ES512 for an EC key of that curve size), or {@link #OFF}.
 *
 * <p>A public key is parsed here, when the configuration is read, so a file that holds no usable
 * key stops the node with a one-line reason instead of failing every request later.
 *
 * @param algorithm the JWS algorithm tokens must be signed with; null when off
 * @param key the HMAC secret or the PEM text of the public key; null when off
 */
public record AuthSettings(String algorithm, String key) {

  /** No key configured: every request is allowed and no token is read. */
  public static final AuthSettings OFF = new AuthSettings(null, null);

  private static final Pattern PUBLIC_KEY_PEM =
      Pattern.compile("-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");

  /**
   * @param secret the shared HS256 secret
   * @return settings verifying HS256 tokens
   * @throws IllegalArgumentException when the secret is empty
   */
  public static AuthSettings secret(String secret) {
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("--jwt-secret must not be empty");
    }
    return new AuthSettings("HS256", secret);
  }

  /**
   * @param pem the text of a PEM file holding a {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo)
   * @param source where it came from, for the error message (the file's path)
   * @return settings verifying tokens signed with the matching private key
   * @throws IllegalArgumentException with a one-line reason when it holds no usable RSA or EC key
   */
  public static AuthSettings publicKeyPem(String pem, String source) {
    Matcher m = PUBLIC_KEY_PEM.matcher(pem);
    if (!m.find()) {
      String why = pem.contains("PRIVATE KEY-----") ? "holds a private key; give the public key"
          : "holds no '-----BEGIN PUBLIC KEY-----' block";
      throw new IllegalArgumentException("--jwt-public-key " + source + " " + why);
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--jwt-public-key " + source + " is not valid base64 PEM");
    }
    String algorithm = algorithmOf(der);
    if (algorithm == null) {
      throw new IllegalArgumentException("--jwt-public-key " + source + " holds no RSA or EC (P-256/P-384/P-521) public key");
    }
    return new AuthSettings(algorithm, m.group());
  }

  /** The algorithm follows from the key: the contract names RS256 and ES256, the curve picks ES384/512. */
  private static String algorithmOf(byte[] der) {
    X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
    try {
      KeyFactory.getInstance("RSA").generatePublic(spec);
      return "RS256";
    } catch (GeneralSecurityException notRsa) {
      // try EC next
    }
    try {
      PublicKey key = KeyFactory.getInstance("EC").generatePublic(spec);
      int bits = ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
      return switch (bits) {
        case 256 -> "ES256";
        case 384 -> "ES384";
        case 521 -> "ES512";
        default -> null;
      };
    } catch (GeneralSecurityException | ClassCastException notEc) {
      return null;
    }
  }

  /** @return whether requests need a token */
  public boolean enabled() {
    return algorithm != null;
  }

  /** Never prints the secret: configurations end up in logs and exception messages. */
  @Override
  public String toString() {
    return enabled() ? "AuthSettings[" + algorithm + "]" : "AuthSettings[off]";
  }
}
