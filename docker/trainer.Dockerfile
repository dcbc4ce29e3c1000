# Trainer image. CPU by default; the CUDA variant is the same file built with
#   docker build -f docker/trainer.Dockerfile --build-arg BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 \
#     --build-arg PYTORCH_FLAVOR=cu128 -t untangle-trainer:cuda .
# DJL picks its native PyTorch build from PYTORCH_FLAVOR (DESIGN.md section 2: GPU when present).
# The launcher runs with -Dai.djl.offline=true, and the cu128 native library is not a Maven jar, so
# the build stage downloads it into DJL_CACHE_DIR once and the image carries it.
ARG BASE=eclipse-temurin:17-jre-jammy

FROM maven:3.9-eclipse-temurin-17 AS build
ARG PYTORCH_FLAVOR=cpu
ENV DJL_CACHE_DIR=/opt/djl-cache PYTORCH_FLAVOR=${PYTORCH_FLAVOR} PYTORCH_VERSION=2.7.1
WORKDIR /app
COPY pom.xml untangle ./
COPY telemetry/pom.xml telemetry/pom.xml
COPY trainer/pom.xml trainer/pom.xml
COPY deploy/pom.xml deploy/pom.xml
COPY telemetry/src telemetry/src
COPY trainer/src trainer/src
RUN mvn -B -q -Dmaven.repo.local=/opt/m2 -DskipTests -pl trainer -am install \
 && touch trainer/target/untangle.build-stamp
# Extract (cpu) or download (cu128) the PyTorch native library now, not on the cluster.
RUN echo 'ai.djl.engine.Engine.getEngine("PyTorch").getVersion()' \
   | jshell -R-Dai.djl.offline=false --class-path "$(cat trainer/target/classpath.txt)" -q

FROM ${BASE}
ARG PYTORCH_FLAVOR=cpu
# The CUDA base has no Java: bring the JRE from the build stage so both variants run the same java.
COPY --from=build /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH \
    DJL_CACHE_DIR=/opt/djl-cache PYTORCH_FLAVOR=${PYTORCH_FLAVOR} PYTORCH_VERSION=2.7.1 \
    OMP_NUM_THREADS=""
WORKDIR /app
# classpath.txt points into the Maven repository, so the runtime keeps it at the same path.
COPY --from=build /opt/m2 /opt/m2
COPY --from=build /opt/djl-cache /opt/djl-cache
COPY --from=build /app /app
RUN touch trainer/target/untangle.build-stamp \
 && mkdir -p /checkpoints /data
VOLUME ["/checkpoints"]
EXPOSE 9403
ENTRYPOINT ["./untangle"]
CMD ["train", "--help"]
