package io.streamcast.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for nodes a test starts, chosen <em>below</em> the kernel's ephemeral range.
 *
 * <p>A port the OS picks for {@code bind(0)} is free when it is picked, but a test binds it only
 * seconds later, after Hazelcast has joined; meanwhile every outgoing connection (test clients,
 * Hazelcast, the event bus) and every {@code bind(0)} (the event bus's own server) draws its port
 * from that same ephemeral range, and one of them taking it made a node fail with "Address already
 * in use" now and then. The kernel never hands out a port below the range on its own, so a port
 * picked there stays free until the test binds it; the ports handed out by this JVM are remembered,
 * so two nodes of one run never get the same one.
 */
public final class TestPorts {

  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
  private static final int LOWEST = 10_000;
  private static final int BELOW = ephemeralLow();

  private TestPorts() {
  }

  /** @return a port on 127.0.0.1 that is free now and outside the ephemeral range */
  public static int free() {
    return free("127.0.0.1");
  }

  /** @return a port on {@code host} that is free now and outside the ephemeral range */
  public static int free(String host) {
    int span = BELOW - LOWEST;
    int start = ThreadLocalRandom.current().nextInt(span);
    for (int i = 0; i < span; i++) {
      int port = LOWEST + (start + i) % span;
      if (HANDED_OUT.add(port)) {
        if (bindable(host, port)) {
          return port;
        }
      }
    }
    throw new IllegalStateException("no free port between " + LOWEST + " and " + BELOW + " on " + host);
  }

  private static boolean bindable(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of the ephemeral range (Linux's default, 32768, where the file is unreadable). */
  private static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      int low = Integer.parseInt(range.split("\\s+")[0]);
      return low > LOWEST + 1_000 ? low : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
