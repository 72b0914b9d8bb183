package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests (issue 14, issue 17): each overlay renders with {@code kubectl kustomize}
 * (offline), every rendered object validates against the Kubernetes schemas (the {@code kubernetes-models}
 * npm package, installed into {@code k8s/test} by {@code npm ci} when missing), and the objects agree with
 * the code: ports and environment names with the node's flags, probe paths with the edge's routes, the
 * discovery name with the headless Service, drain times with the grace period, the heap the launcher
 * gives with the memory limit, the launcher as the command, and NetworkPolicies that keep the member port
 * to Streamcast's own pods.
 */
class ManifestsTest {

  private static final Path HOME = Launcher.home();
  private static final Set<String> LAUNCHER_ENV = Set.of("STREAMCAST_HEAP", "STREAMCAST_JAVA_OPTS",
      "STREAMCAST_JVM_OPTIONS", "STREAMCAST_JAR");
  private static final String APP_LABEL = "app.kubernetes.io/name";

  @BeforeAll
  static void installValidator() throws Exception {
    Path dir = HOME.resolve("k8s/test");
    if (!Files.isDirectory(dir.resolve("node_modules/kubernetes-models"))) {
      Result r = run(dir, 240, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
      assertEquals(0, r.exit, "npm ci in k8s/test failed:\n" + r.out);
    }
  }

  private record Result(int exit, String out) {
  }

  private static Result run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }

  /** @return the overlay's objects, rendered by kubectl and validated against the schemas */
  private static List<Map<String, Object>> render(String overlay) throws Exception {
    Result rendered = run(HOME, 60, "kubectl", "kustomize", "k8s/overlays/" + overlay);
    assertEquals(0, rendered.exit, "kubectl kustomize k8s/overlays/" + overlay + ":\n" + rendered.out);
    Path file = Files.createTempFile("streamcast-" + overlay, ".yaml");
    try {
      Files.writeString(file, rendered.out);
      Result valid = run(HOME.resolve("k8s/test"), 60, "node", "validate.mjs", file.toString());
      assertEquals(0, valid.exit, "schema validation of " + overlay + ":\n" + valid.out);
    } finally {
      Files.deleteIfExists(file);
    }
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(rendered.out)) {
      if (doc != null) {
        objects.add(map(doc));
      }
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertNotNull(o);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }

  /** @return the value at a dotted path ({@code spec.template.spec}), list elements by index */
  private static Object at(Object root, String path) {
    Object o = root;
    for (String key : path.split("\\.")) {
      if (o == null) {
        return null;
      }
      o = key.matches("\\d+") ? list(o).get(Integer.parseInt(key)) : map(o).get(key);
    }
    return o;
  }

  private static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  private static Map<String, Object> one(List<Map<String, Object>> objects, String kind) {
    List<Map<String, Object>> found = ofKind(objects, kind);
    assertEquals(1, found.size(), "one " + kind);
    return found.get(0);
  }

  private static Map<String, Object> named(List<Map<String, Object>> objects, String kind, String name) {
    return ofKind(objects, kind).stream().filter(o -> name.equals(at(o, "metadata.name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void overlayRendersValidatesAndAgreesWithTheCode(String overlay) throws Exception {
    List<Map<String, Object>> objects = render(overlay);
    Map<String, Object> sts = one(objects, "StatefulSet");
    Map<String, Object> pod = map(at(sts, "spec.template.spec"));
    Map<String, Object> container = map(at(pod, "containers.0"));
    Map<String, String> podLabels = labels(at(sts, "spec.template.metadata.labels"));
    assertEquals(podLabels, labels(at(sts, "spec.selector.matchLabels")));

    // the node's settings: the ConfigMap the container takes its environment from, plus its own env
    String configName = (String) at(container, "envFrom.0.configMapRef.name");
    Map<String, String> env = new HashMap<>(labels(at(named(objects, "ConfigMap", configName), "data")));
    for (Object e : list(container.get("env"))) {
      Map<String, Object> var = map(e);
      env.put((String) var.get("name"), var.get("value") == null ? "<from field>" : (String) var.get("value"));
    }
    Set<String> flagEnvs = Arrays.stream(NodeFlag.values()).map(NodeFlag::env).collect(Collectors.toSet());
    for (String name : env.keySet()) {
      if (name.startsWith("STREAMCAST_")) {
        assertTrue(flagEnvs.contains(name) || LAUNCHER_ENV.contains(name), name + " is no node flag nor launcher setting");
      }
    }
    for (String name : List.of("STREAMCAST_HTTP_PORT", "STREAMCAST_PUBLISH_PORT", "STREAMCAST_CLUSTER_PORT",
        "STREAMCAST_CLUSTER_HOST", "STREAMCAST_KUBERNETES_SERVICE_DNS", "STREAMCAST_DRAIN_SECONDS",
        "STREAMCAST_DRAIN_DELAY_SECONDS", "STREAMCAST_NODE_NAME", "STREAMCAST_BIND_HOST")) {
      assertTrue(env.containsKey(name), name + " is set");
    }
    assertEquals("$(POD_IP)", env.get("STREAMCAST_CLUSTER_HOST"), "members advertise the pod's address");
    assertEquals("0.0.0.0", env.get("STREAMCAST_BIND_HOST"), "probes and Services reach the pod's address");

    // the launcher is the command, and the image's entrypoint (DockerfileTest) is the same file
    assertEquals(List.of(DockerfileTest.ENTRYPOINT), container.get("command"));
    assertEquals(List.of("node"), container.get("args"));

    // container ports are the node's ports
    Map<String, Integer> ports = new HashMap<>();
    for (Object p : list(container.get("ports"))) {
      ports.put((String) map(p).get("name"), (Integer) map(p).get("containerPort"));
    }
    assertEquals(Integer.valueOf(env.get("STREAMCAST_HTTP_PORT")), ports.get("edge"));
    assertEquals(Integer.valueOf(env.get("STREAMCAST_PUBLISH_PORT")), ports.get("publish"));
    assertEquals(Integer.valueOf(env.get("STREAMCAST_CLUSTER_PORT")), ports.get("hazelcast"));

    // probes: the edge's routes, on the edge port (every role serves them there: RoleHealthTest)
    assertEquals("/ready", at(container, "readinessProbe.httpGet.path"));
    assertEquals("/health", at(container, "livenessProbe.httpGet.path"));
    assertEquals("/health", at(container, "startupProbe.httpGet.path"));
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertEquals("edge", at(container, probe + ".httpGet.port"), probe);
    }

    // discovery: the headless Service the StatefulSet names, with not-ready pods listed, on the member port
    String headless = (String) at(sts, "spec.serviceName");
    Map<String, Object> hz = named(objects, "Service", headless);
    assertEquals("None", at(hz, "spec.clusterIP"));
    assertEquals(Boolean.TRUE, at(hz, "spec.publishNotReadyAddresses"));
    assertEquals(podLabels, labels(at(hz, "spec.selector")));
    assertEquals(ports.get("hazelcast"), at(hz, "spec.ports.0.port"));
    assertEquals(headless + ".$(POD_NAMESPACE).svc.cluster.local", env.get("STREAMCAST_KUBERNETES_SERVICE_DNS"));
    // every Service's target port is one of the container's named ports
    for (Map<String, Object> svc : ofKind(objects, "Service")) {
      for (Object p : list(at(svc, "spec.ports"))) {
        assertTrue(ports.containsKey((String) map(p).get("targetPort")), at(svc, "metadata.name") + " " + p);
      }
      assertEquals(podLabels, labels(at(svc, "spec.selector")));
    }

    // drain: preStop, then the node's drain, both inside the grace period
    int grace = (Integer) pod.get("terminationGracePeriodSeconds");
    List<Object> preStop = list(at(container, "lifecycle.preStop.exec.command"));
    assertEquals("sleep", preStop.get(0));
    int preStopSeconds = Integer.parseInt((String) preStop.get(1));
    int drain = Integer.parseInt(env.get("STREAMCAST_DRAIN_SECONDS"));
    int drainDelay = Integer.parseInt(env.get("STREAMCAST_DRAIN_DELAY_SECONDS"));
    assertTrue(drainDelay < drain, "the node refuses --drain-delay-seconds >= --drain-seconds");
    assertTrue(grace > preStopSeconds + drain, "grace " + grace + " > preStop " + preStopSeconds + " + drain " + drain);

    // memory: requests = limits, and the heap the launcher gives in that container leaves room off the heap
    String limit = (String) at(container, "resources.limits.memory");
    assertEquals(limit, at(container, "resources.requests.memory"));
    long limitBytes = bytes(limit);
    long heapBytes = launcherHeap(limitBytes, env.get("STREAMCAST_HEAP"));
    assertTrue(heapBytes <= limitBytes * 6 / 10, "heap " + heapBytes + " of a " + limit + " container");
    assertTrue(limitBytes - heapBytes >= 384L << 20, "at least 384 MiB off the heap in " + limit);

    // non-root, read-only, nothing to escalate; /tmp writable
    assertEquals(Boolean.TRUE, at(pod, "securityContext.runAsNonRoot"));
    assertTrue((Integer) at(pod, "securityContext.runAsUser") > 0);
    assertEquals(Boolean.TRUE, at(container, "securityContext.readOnlyRootFilesystem"));
    assertEquals(Boolean.FALSE, at(container, "securityContext.allowPrivilegeEscalation"));
    assertEquals(List.of("ALL"), at(container, "securityContext.capabilities.drop"));
    assertEquals("/tmp", at(container, "volumeMounts.0.mountPath"));

    // Ingress: to the edge Service, with what SSE needs from ingress-nginx
    Map<String, Object> ingress = one(objects, "Ingress");
    Map<String, String> annotations = labels(at(ingress, "metadata.annotations"));
    assertEquals("off", annotations.get("nginx.ingress.kubernetes.io/proxy-buffering"));
    assertTrue(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout"))
        > 4 * Integer.parseInt(NodeFlag.HEARTBEAT_SECONDS.defaultValue()), "read timeout far above the heartbeat");
    Map<String, Object> edgeSvc = named(objects, "Service",
        (String) at(ingress, "spec.rules.0.http.paths.0.backend.service.name"));
    assertEquals("edge", at(edgeSvc, "spec.ports.0.targetPort"));

    // PDB and HPA point at these pods
    assertEquals(podLabels, labels(at(one(objects, "PodDisruptionBudget"), "spec.selector.matchLabels")));
    Map<String, Object> hpa = one(objects, "HorizontalPodAutoscaler");
    assertEquals(at(sts, "metadata.name"), at(hpa, "spec.scaleTargetRef.name"));
    assertEquals("StatefulSet", at(hpa, "spec.scaleTargetRef.kind"));
    assertTrue((Integer) at(hpa, "spec.minReplicas") >= 2, "a backup needs a second member");
    // split-brain protection (ADR 12): the quorum is a majority of the expected members, which must be the
    // smallest size the cluster runs at (the HPA's minimum): larger, and a cluster at its minimum has no
    // quorum; 1 turns the protection off (dev: two pods cannot keep a majority through a rolling update)
    int expected = Integer.parseInt(env.get("STREAMCAST_EXPECTED_MEMBERS"));
    assertTrue(expected == 1 || expected == (Integer) at(hpa, "spec.minReplicas"),
        "expected members " + expected + " is 1 or the HPA's minimum " + at(hpa, "spec.minReplicas"));
    assertTrue(expected <= (Integer) at(sts, "spec.replicas"), "the StatefulSet starts with at least a quorum");

    networkPolicies(objects, podLabels);
  }

  /** Only Streamcast pods reach the member port; producers the publish port; the ingress the edge port. */
  private static void networkPolicies(List<Map<String, Object>> objects, Map<String, String> podLabels) {
    List<Map<String, Object>> policies = ofKind(objects, "NetworkPolicy");
    assertEquals(3, policies.size());
    boolean membersOnly = false;
    boolean producers = false;
    boolean ingressController = false;
    for (Map<String, Object> policy : policies) {
      assertEquals(podLabels, labels(at(policy, "spec.podSelector.matchLabels")), "applies to the Streamcast pods");
      for (Object r : list(at(policy, "spec.ingress"))) {
        Map<String, Object> rule = map(r);
        List<Object> from = list(rule.get("from"));
        assertFalse(from.isEmpty(), "every rule names who: no rule open to all");
        boolean onlyStreamcast = from.size() == 1 && map(from.get(0)).size() == 1
            && podLabels.equals(labels(at(from.get(0), "podSelector.matchLabels")));
        List<Object> rulePorts = list(rule.get("ports"));
        if (onlyStreamcast) {
          membersOnly = true;   // all ports: the member port and the event bus's random one
          continue;
        }
        // anyone else gets named ports, never the member port
        assertFalse(rulePorts.isEmpty(), at(policy, "metadata.name") + ": a rule for others lists its ports");
        for (Object p : rulePorts) {
          Object port = map(p).get("port");
          assertTrue("publish".equals(port) || "edge".equals(port), at(policy, "metadata.name") + " opens " + port);
          if ("publish".equals(port)) {
            producers = from.stream().allMatch(f -> "true".equals(
                labels(at(f, map(f).containsKey("podSelector") ? "podSelector.matchLabels" : "namespaceSelector.matchLabels"))
                    .get("streamcast.io/producer")));
          }
          if ("edge".equals(port)) {
            ingressController |= from.stream().anyMatch(f -> "ingress-nginx".equals(
                labels(at(f, "namespaceSelector.matchLabels")).get("kubernetes.io/metadata.name")));
          }
        }
      }
    }
    assertTrue(membersOnly, "Streamcast pods reach each other");
    assertTrue(producers, "only pods or namespaces labelled streamcast.io/producer=true reach the publish port");
    assertTrue(ingressController, "the ingress controller reaches the edge port");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> labels(Object o) {
    if (o == null) {
      return Map.of();
    }
    Map<String, String> m = new HashMap<>();
    ((Map<String, Object>) o).forEach((k, v) -> m.put(k, String.valueOf(v)));
    return m;
  }

  private static long bytes(String quantity) {
    if (quantity.endsWith("Gi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 30;
    }
    if (quantity.endsWith("Mi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 20;
    }
    throw new AssertionError("memory quantity in Mi or Gi expected: " + quantity);
  }

  /** @return the -Xmx bin/streamcast chooses in a container with this memory limit (its dry run) */
  private static long launcherHeap(long limitBytes, String streamcastHeap) throws Exception {
    Path dir = Files.createTempDirectory("streamcast-cgroup");
    try {
      Files.writeString(dir.resolve("memory.max"), Long.toString(limitBytes));
      Path jar = Files.writeString(dir.resolve("streamcast.jar"), "");
      Map<String, String> env = new HashMap<>(Map.of("STREAMCAST_CGROUP_ROOT", dir.toString(),
          "STREAMCAST_JAR", jar.toString()));
      if (streamcastHeap != null) {
        env.put("STREAMCAST_HEAP", streamcastHeap);
      }
      String xmx = Launcher.dryRun(env, "node").stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElseThrow();
      assertTrue(xmx.endsWith("m"), xmx);
      return Long.parseLong(xmx.substring(4, xmx.length() - 1)) << 20;
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }
}
