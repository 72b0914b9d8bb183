package io.streamcast.client;

import java.time.Instant;

/**
 * A subscriber's request got a {@code 200} and the stream is flowing.
 *
 * @param node        the base URL of the node
 * @param connection  the number of this connection, from 1, counting every request made
 * @param requestedAt when the request was started
 * @param openedAt    when the 200 answer arrived
 * @param lastEventId the id the request resumed after (as {@code Last-Event-ID}, or as the {@code lastEventId}
 *                    query parameter when it is not printable ASCII), or null if it used {@code from=}
 */
public record ConnectionOpened(String node, int connection, Instant requestedAt, Instant openedAt,
                               String lastEventId) {
}
