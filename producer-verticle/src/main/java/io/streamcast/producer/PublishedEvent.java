package io.streamcast.producer;

/**
 * The outcome of a publish.
 *
 * @param stream the stream
 * @param id the event's id
 * @param replayed true when an earlier publish with the same idempotency key (or an earlier
 *     completion) already produced this id and nothing new was appended
 */
public record PublishedEvent(String stream, String id, boolean replayed) {
}
