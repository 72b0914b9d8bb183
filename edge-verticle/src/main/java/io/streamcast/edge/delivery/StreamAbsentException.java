package io.streamcast.edge.delivery;

/** A subscriber asked for a stream that does not exist, and the node may not create one now (memory pressure). */
public final class StreamAbsentException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  StreamAbsentException(String stream) {
    super("stream '" + stream + "' does not exist", null, false, false);
  }
}
