package io.streamcast.client;

/**
 * An {@code event: error} the server sent after the stream had started, just before closing it (for
 * example {@code token_expired}). The subscriber then reconnects like after any disconnection.
 *
 * @param error   the {@code error} code of the JSON data, or null if the data is not that JSON
 * @param message the {@code message} of the JSON data, or null
 * @param source  the {@code error} event as received
 */
public record StreamError(String error, String message, ReceivedEvent source) {
}
