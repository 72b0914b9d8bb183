package io.streamcast.client;

/**
 * An event the cluster accepted: it is in replicated history and published.
 *
 * @param stream         the stream, as the node named it
 * @param id             the event's id; on a retry the server deduplicated, the id of the first publish
 * @param node           the base URL of the node that answered
 * @param attempts       how many requests it took, from 1
 * @param idempotencyKey the key every attempt carried
 */
public record PublishedEvent(String stream, String id, String node, int attempts, String idempotencyKey) {
}
