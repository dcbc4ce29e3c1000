# Monitor image: the same launcher, no GPU and no PyTorch native library needed at run time.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /app
COPY pom.xml untangle ./
COPY telemetry/pom.xml telemetry/pom.xml
COPY trainer/pom.xml trainer/pom.xml
COPY deploy/pom.xml deploy/pom.xml
COPY telemetry/src telemetry/src
COPY trainer/src trainer/src
RUN mvn -B -q -Dmaven.repo.local=/opt/m2 -DskipTests -pl trainer -am install \
 && touch trainer/target/untangle.build-stamp

FROM eclipse-temurin:17-jre-jammy
WORKDIR /app
COPY --from=build /opt/m2 /opt/m2
COPY --from=build /app /app
RUN touch trainer/target/untangle.build-stamp && mkdir -p /var/lib/untangle/streams
# Kafka Streams state.dir must be on persistent disk: it holds the Streams process id.
VOLUME ["/var/lib/untangle/streams"]
EXPOSE 9404
ENTRYPOINT ["./untangle"]
CMD ["monitor", "--bootstrap-servers", "kafka:9092", "--metrics-port", "9404", "--metrics-bind", "0.0.0.0"]
