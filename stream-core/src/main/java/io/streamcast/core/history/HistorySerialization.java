package io.streamcast.core.history;

import com.hazelcast.config.Config;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * Registers history's Hazelcast types (the log, its processors, their reply) under one factory id,
 * so they travel as a type id and their fields: no class names, no reflection, no Java serialization.
 */
public final class HistorySerialization implements DataSerializableFactory {

  /** Factory id of Streamcast's history types; unique within the cluster's configuration. */
  public static final int FACTORY_ID = 7301;
  static final int STREAM_LOG = 1;
  static final int LOG_REPLY = 2;
  static final int APPEND = 3;
  static final int READ = 4;
  static final int OPEN = 5;
  static final int DELETE = 6;
  static final int TOUCH = 7;
  static final int SWEEP = 8;
  static final int TRIM_ALL = 9;

  /** Adds the factory to a member's configuration. */
  public static void register(Config config) {
    config.getSerializationConfig().addDataSerializableFactory(FACTORY_ID, new HistorySerialization());
  }

  @Override
  public IdentifiedDataSerializable create(int typeId) {
    return switch (typeId) {
      case STREAM_LOG -> new StreamLog();
      case LOG_REPLY -> new LogReply();
      case APPEND -> new StreamLogOps.Append();
      case READ -> new StreamLogOps.Read();
      case OPEN -> new StreamLogOps.Open();
      case DELETE -> new StreamLogOps.Delete();
      case TOUCH -> new StreamLogOps.Touch();
      case SWEEP -> new StreamLogOps.Sweep();
      case TRIM_ALL -> new StreamLogOps.TrimAll();
      default -> null;
    };
  }
}
