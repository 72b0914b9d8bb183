package io.streamcast.producer;

import io.streamcast.core.ApiError;
import io.streamcast.core.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The checks every request body that is UTF-8 text goes through (event data, job parameters): its
 * media type is one the endpoint takes, its charset (if named) is UTF-8, and its bytes are UTF-8.
 * Each refusal is the contract's {@code 415 unsupported_body}, raised before anything is stored or run.
 */
public final class TextBody {

  private TextBody() {
  }

  /**
   * @param contentType the request's {@code Content-Type}, or null (nothing to check)
   * @param accepted whether a media type (lower case, without parameters) is one the endpoint takes
   * @param expected how the refusal describes what the endpoint takes, e.g. "event data must be UTF-8 text"
   * @throws InvalidRequestException {@code 415} for another media type or a charset other than UTF-8
   */
  public static void requireType(String contentType, Predicate<String> accepted, String expected) {
    if (contentType == null) {
      return;
    }
    String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
    String media = parts[0].trim();
    if (!accepted.test(media)) {
      throw new InvalidRequestException(ApiError.UNSUPPORTED_BODY, expected + ", not " + media);
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.startsWith("charset=")) {
        String cs = p.substring(8).replace("\"", "");
        if (!cs.equals("utf-8") && !cs.equals("utf8") && !cs.equals("us-ascii")) {
          throw new InvalidRequestException(ApiError.UNSUPPORTED_BODY, "charset must be UTF-8, not " + cs);
        }
      }
    }
  }

  /**
   * @param what what the bytes are, for the refusal ("event data")
   * @throws InvalidRequestException {@code 415} when the bytes are not UTF-8: they are refused rather
   *     than stored or read with replacement characters
   */
  public static void requireUtf8(byte[] data, String what) {
    decodeUtf8(data, what);
  }

  /**
   * @param what what the bytes are, for the refusal ("the parameters")
   * @return {@code data} as text
   * @throws InvalidRequestException {@code 415} when the bytes are not UTF-8
   */
  public static CharSequence decodeUtf8(byte[] data, String what) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data));
    } catch (CharacterCodingException e) {
      throw new InvalidRequestException(ApiError.UNSUPPORTED_BODY, what + " is not valid UTF-8");
    }
  }
}
