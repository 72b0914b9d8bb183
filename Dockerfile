# Streamcast node image. Build the jar first, then the image (README, Deploy):
#   mvn -B -q package -DskipTests && docker build -t registry.example.com/streamcast:0.1.0 .
# Nothing is compiled here: the image packs app/target/streamcast.jar, the launcher and its JVM options.
# The base images are pinned to an exact Temurin release; pin a digest (name:tag@sha256:...) in your registry
# mirror if you need byte-for-byte rebuilds.

# ---- stage 1: lay out /opt/streamcast with the files' modes fixed, so the runtime stage is one COPY
FROM eclipse-temurin:17.0.13_11-jre-jammy AS layout
COPY app/target/streamcast.jar /opt/streamcast/lib/streamcast.jar
COPY bin/streamcast /opt/streamcast/bin/streamcast
COPY config/jvm.options /opt/streamcast/config/jvm.options
RUN chmod 0755 /opt/streamcast/bin/streamcast && chmod 0644 /opt/streamcast/lib/streamcast.jar /opt/streamcast/config/jvm.options

# ---- stage 2: the runtime, owned by root and run as an unprivileged user: the process cannot change its files
FROM eclipse-temurin:17.0.13_11-jre-jammy
COPY --from=layout /opt/streamcast /opt/streamcast
# the node writes nothing but temporary files (Netty's native transport library, the JVM's perf data) to
# /tmp: with a read-only root filesystem, mount a writable volume there (k8s/base does: an emptyDir)
ENV STREAMCAST_JAR=/opt/streamcast/lib/streamcast.jar
# a numeric uid, so Kubernetes' runAsNonRoot can verify it without an /etc/passwd entry
USER 10001:10001
# edge (subscribers, /health, /ready, /metrics), publish API, Hazelcast member port: the node's defaults
EXPOSE 8080 8081 5701
# the launcher applies config/jvm.options and sizes the heap from the container's memory limit, then
# execs java: the JVM is PID 1 and gets SIGTERM itself (it drains)
ENTRYPOINT ["/opt/streamcast/bin/streamcast"]
CMD ["node"]
