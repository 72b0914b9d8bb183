package io.streamcast.client;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * An incremental parser for one {@code text/event-stream} response body, following the WHATWG HTML
 * standard, section 9.2.6 "Interpreting an event stream".
 *
 * <p>Feed it the body's chunks as they arrive, in order, with {@link #feed(Buffer)}; it calls the event
 * handler once per dispatched event. Chunk boundaries may fall anywhere: inside a UTF-8 sequence, between
 * the CR and the LF of a CRLF, inside a field name. Call {@link #end()} when the body ends: the spec
 * discards an event that was not terminated by a blank line, and so does this parser.
 *
 * <p>What it does, point by point with the spec:
 * <ul>
 *   <li>decodes UTF-8, replacing invalid sequences with U+FFFD, and strips one leading BOM;</li>
 *   <li>ends lines at CRLF, LF or CR;</li>
 *   <li>a line starting with {@code :} is a comment, passed to the {@linkplain #commentHandler comment
 *       handler} (servers send them as heartbeats);</li>
 *   <li>a field is split on the first colon, and one space after it is removed; a line without a colon
 *       is a field with an empty value;</li>
 *   <li>{@code event} sets the type, {@code data} appends a line, {@code id} sets the last event id
 *       unless it contains U+0000 (an empty value resets it), {@code retry} sets the reconnection time
 *       if it is only ASCII digits; other fields are ignored;</li>
 *   <li>a blank line dispatches: the last event id is committed even when the event has no data, but an
 *       event without data is not passed on.</li>
 * </ul>
 *
 * <p>One instance parses one response body and is not thread safe; use it from one thread (a Vert.x
 * context). To resume after a reconnection, create a new parser seeded with the previous one's
 * {@link #lastEventId()}: like browsers, and unlike a literal reading of the spec, the last event id then
 * survives the reconnection even if the next event carries no {@code id:}.
 */
public final class SseEventParser {

  /** Default bound on the characters one event (its data plus the line being read) may buffer. */
  public static final int DEFAULT_MAX_EVENT_CHARS = 8 * 1024 * 1024;

  private static final char BOM = '\uFEFF';
  private static final char LF = '\n';
  private static final char CR = '\r';

  private final Consumer<SseEvent> eventHandler;
  private Consumer<String> commentHandler = comment -> { };
  private LongConsumer retryHandler = millis -> { };
  private int maxEventChars = DEFAULT_MAX_EVENT_CHARS;

  // REPLACE, not REPORT: the spec's "UTF-8 decode" turns invalid bytes into U+FFFD and goes on.
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
    .onMalformedInput(CodingErrorAction.REPLACE)
    .onUnmappableCharacter(CodingErrorAction.REPLACE);
  /** The tail of a UTF-8 sequence cut by a chunk boundary (at most 3 bytes), decoded with the next chunk. */
  private byte[] undecoded = new byte[0];

  private boolean streamStarted;
  /** The previous chunk ended with CR: an LF opening this chunk belongs to the same line end. */
  private boolean afterCarriageReturn;
  private final StringBuilder line = new StringBuilder();
  private final StringBuilder dataBuffer = new StringBuilder();
  private String eventTypeBuffer = "";
  private String lastEventIdBuffer;
  private String lastEventId;
  private long reconnectionTime = -1;
  private boolean ended;

  /**
   * A parser with an empty last event id.
   *
   * @param eventHandler called once per dispatched event, on the thread that calls {@link #feed}
   */
  public SseEventParser(Consumer<SseEvent> eventHandler) {
    this("", eventHandler);
  }

  /**
   * A parser that resumes with a known last event id, as after a reconnection.
   *
   * @param initialLastEventId the last event id already seen (empty for none); events without an
   *                           {@code id:} field carry it until the stream sets another one
   * @param eventHandler       called once per dispatched event, on the thread that calls {@link #feed}
   */
  public SseEventParser(String initialLastEventId, Consumer<SseEvent> eventHandler) {
    Objects.requireNonNull(initialLastEventId, "initialLastEventId");
    if (initialLastEventId.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a last event id cannot contain U+0000");
    }
    this.eventHandler = Objects.requireNonNull(eventHandler, "eventHandler");
    this.lastEventIdBuffer = initialLastEventId;
    this.lastEventId = initialLastEventId;
  }

  /**
   * Sets the handler of comment lines.
   *
   * @param handler receives the text after the leading colon, unchanged (a bare {@code :} gives "")
   * @return this parser
   */
  public SseEventParser commentHandler(Consumer<String> handler) {
    this.commentHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Sets the handler of valid {@code retry:} fields.
   *
   * @param handler receives the reconnection time in milliseconds, as soon as the field is read
   * @return this parser
   */
  public SseEventParser retryHandler(LongConsumer handler) {
    this.retryHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * Bounds the memory a single event may take, so that a faulty server cannot exhaust the heap with an
   * endless line or an endless run of {@code data:} lines. The spec sets no limit.
   *
   * @param maxChars the most characters buffered for one event: its data plus the current line
   * @return this parser
   */
  public SseEventParser maxEventChars(int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be positive: " + maxChars);
    }
    this.maxEventChars = maxChars;
    return this;
  }

  /**
   * Parses the next chunk of the body.
   *
   * @param chunk the bytes, exactly as received
   * @throws EventTooLargeException if an event grows past {@link #maxEventChars(int)}; the parser is
   *                                then unusable, and the connection should be dropped
   * @throws IllegalStateException  after {@link #end()}
   */
  public void feed(Buffer chunk) {
    feed(chunk.getBytes());
  }

  /**
   * Parses the next chunk of the body.
   *
   * @param chunk the bytes, exactly as received
   * @throws EventTooLargeException if an event grows past {@link #maxEventChars(int)}
   * @throws IllegalStateException  after {@link #end()}
   * @see #feed(Buffer)
   */
  public void feed(byte[] chunk) {
    if (ended) {
      throw new IllegalStateException("the stream has ended");
    }
    ByteBuffer in;
    if (undecoded.length == 0) {
      in = ByteBuffer.wrap(chunk);
    } else {
      in = ByteBuffer.allocate(undecoded.length + chunk.length).put(undecoded).put(chunk).flip();
    }
    // UTF-8 never yields more UTF-16 units than bytes, so one pass cannot overflow this buffer.
    CharBuffer out = CharBuffer.allocate(in.remaining());
    decoder.decode(in, out, false);
    // Whatever the decoder left is an incomplete sequence waiting for its next bytes.
    undecoded = new byte[in.remaining()];
    in.get(undecoded);
    out.flip();
    parse(out);
  }

  /**
   * Ends the body. An event not yet terminated by a blank line is discarded, as the spec requires, and
   * so is a last line without a line end; the last event id keeps its value from the last dispatch.
   * Later calls to {@code end} do nothing.
   */
  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    undecoded = new byte[0];
    line.setLength(0);
    dataBuffer.setLength(0);
    eventTypeBuffer = "";
  }

  /**
   * The last event id: the value of the last event id buffer at the most recent dispatch. Unlike the
   * buffer, it does not move when an {@code id:} field is read but its event never completes, which
   * is what makes it a safe position to resume from.
   *
   * @return the id, empty if none was ever set (or the stream reset it)
   */
  public String lastEventId() {
    return lastEventId;
  }

  /**
   * The reconnection time the stream asked for with its last valid {@code retry:} field.
   *
   * @return milliseconds, or -1 if the stream sent none
   */
  public long reconnectionTime() {
    return reconnectionTime;
  }

  private void parse(CharBuffer chars) {
    int pos = chars.position();
    int limit = chars.limit();
    if (!streamStarted && pos < limit) {
      streamStarted = true;
      // Only the first character of the whole stream may be a BOM to strip; later ones are content.
      if (chars.get(pos) == BOM) {
        pos++;
      }
    }
    while (pos < limit) {
      if (afterCarriageReturn) {
        afterCarriageReturn = false;
        if (chars.get(pos) == LF) {
          pos++;
          continue;
        }
      }
      int end = pos;
      while (end < limit && chars.get(end) != LF && chars.get(end) != CR) {
        end++;
      }
      appendToLine(chars, pos, end);
      if (end == limit) {
        return; // the line goes on in the next chunk
      }
      afterCarriageReturn = chars.get(end) == CR;
      processLine(line.toString());
      line.setLength(0);
      pos = end + 1;
    }
  }

  private void appendToLine(CharBuffer chars, int from, int to) {
    if (line.length() + dataBuffer.length() + (to - from) > maxEventChars) {
      tooLarge();
    }
    line.append(chars, from, to);
  }

  private void processLine(String text) {
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      commentHandler.accept(text.substring(1));
      return;
    }
    int colon = text.indexOf(':');
    if (colon < 0) {
      processField(text, "");
      return;
    }
    int valueStart = colon + 1;
    if (valueStart < text.length() && text.charAt(valueStart) == ' ') {
      valueStart++;
    }
    processField(text.substring(0, colon), text.substring(valueStart));
  }

  private void processField(String name, String value) {
    switch (name) {
      case "event" -> eventTypeBuffer = value;
      case "data" -> {
        if (dataBuffer.length() + value.length() + 1 > maxEventChars) {
          tooLarge();
        }
        dataBuffer.append(value).append(LF);
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventIdBuffer = value;
        }
      }
      case "retry" -> {
        if (isAsciiDigits(value)) {
          reconnectionTime = parseSaturated(value);
          retryHandler.accept(reconnectionTime);
        }
      }
      default -> {
        // The spec ignores unknown fields, so servers can add some without breaking clients.
      }
    }
  }

  private void dispatch() {
    lastEventId = lastEventIdBuffer;
    if (dataBuffer.length() == 0) {
      eventTypeBuffer = "";
      return;
    }
    // Every data line appended an LF; the one after the last line is not part of the data.
    dataBuffer.setLength(dataBuffer.length() - 1);
    String type = eventTypeBuffer.isEmpty() ? SseEvent.DEFAULT_TYPE : eventTypeBuffer;
    SseEvent event = new SseEvent(lastEventId, type, dataBuffer.toString());
    dataBuffer.setLength(0);
    eventTypeBuffer = "";
    eventHandler.accept(event);
  }

  private void tooLarge() {
    ended = true;
    throw new EventTooLargeException(maxEventChars);
  }

  private static boolean isAsciiDigits(String value) {
    if (value.isEmpty()) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Parses digits, saturating at {@link Long#MAX_VALUE}: a huge retry means "wait as long as allowed". */
  private static long parseSaturated(String digits) {
    long result = 0;
    for (int i = 0; i < digits.length(); i++) {
      int digit = digits.charAt(i) - '0';
      if (result > (Long.MAX_VALUE - digit) / 10) {
        return Long.MAX_VALUE;
      }
      result = result * 10 + digit;
    }
    return result;
  }

  /** Thrown when one event would buffer more characters than the parser allows. */
  public static final class EventTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EventTooLargeException(int maxChars) {
      super("an event exceeded " + maxChars + " characters");
    }
  }
}
