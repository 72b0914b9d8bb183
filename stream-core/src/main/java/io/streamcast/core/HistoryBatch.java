package io.streamcast.core;

import java.util.List;

/**
 * Events read from history in one call.
 *
 * @param events the events, in sequence order, without holes
 * @param nextSeq the sequence to read from next
 */
public record HistoryBatch(List<StreamEvent> events, long nextSeq) {
}
