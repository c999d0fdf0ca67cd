# consumer-service image from the jar built by `mvn -B -ntp -DskipTests package`:
#   docker build -f docker/consumer-service.Dockerfile -t log-stream/consumer-service:0.1.0 .
# BASE_IMAGE is any Java 17 runtime with bash, groupadd and useradd: by default the public Temurin JRE that users
# pull; CI, which has no registry, passes the Debian JRE image built by docker/jre/build-image.sh
# (scripts/build-images.sh does both).
# checkov:skip=CKV_DOCKER_7: the base is the BASE_IMAGE build argument; its default is the versioned eclipse-temurin:17-jre
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home app
WORKDIR /app
COPY consumer-service/target/consumer-service-0.1.0-all.jar /app/app.jar
USER 10001:10001
EXPOSE 8081
ENV SERVER_PORT=8081 LOG_FORMAT=json
# no curl in the image: bash's /dev/tcp asks /health on SERVER_PORT and looks for a 200
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
# the root file system may be read-only (as k8s/ runs it): the JVM writes only to /tmp
# the parallel collector: docs/performance.md measured it against G1 and Serial (left to ergonomics, the JVM would pick
# Serial under a 1 GiB limit and G1 on a bigger host)
ENTRYPOINT ["java", "-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/app.jar"]
