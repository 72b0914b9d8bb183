package io.streamcast.client;

import java.time.Duration;

/**
 * A subscriber lost its stream (or could not get it) and is about to try again.
 *
 * @param attempt     the number of this reconnection among the consecutive ones that delivered no event, from 1
 * @param failedNode  the node that was just tried or lost
 * @param nextNode    the node the next request goes to: the following one in the list
 * @param reason      why the previous connection ended, in words
 * @param delay       how long the subscriber waits before the next request
 * @param lastEventId the id it will resume after, or null if it has none yet
 */
public record ReconnectAttempt(int attempt, String failedNode, String nextNode, String reason, Duration delay,
                               String lastEventId) {
}
