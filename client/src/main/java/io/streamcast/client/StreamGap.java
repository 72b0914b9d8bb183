package io.streamcast.client;

/**
 * The server could not resume where asked, because its history no longer holds that position: the events
 * between {@code requested} and {@code resumedAfter} (exclusive) are lost to this subscriber.
 *
 * @param requested    the id the subscriber asked to resume after, or null if the data did not say
 * @param resumedAfter the id the stream resumes after, or null when it restarts at the oldest retained event
 * @param source       the {@code gap} event as received
 */
public record StreamGap(String requested, String resumedAfter, ReceivedEvent source) {
}
