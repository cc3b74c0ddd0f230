# One image for both processes (run, and later retrain). Build: docker build -t latentstream:0.1.0 .
# Stage 1 builds the runnable jar with Maven; stage 2 is a JRE with the jar, its libs and a non-root user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline -DexcludeArtifactIds=randomcutforest-testutils || true
COPY src src
COPY topology topology
# The image build packages the jar; the tests run in CI (`mvn verify` in .ci/run), not here.
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin latentstream
WORKDIR /app
COPY --from=build /src/target/latentstream.jar /app/latentstream.jar
COPY --from=build /src/target/lib /app/lib
USER 10001
ENV OMP_NUM_THREADS=1 \
    JAVA_TOOL_OPTIONS="-XX:+UseParallelGC -XX:MaxRAMPercentage=75 -Dorg.bytedeco.javacpp.maxPhysicalBytes=0"
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
# jdk.incubator.vector: the vectorized scoring kernel (see README, Performance).
ENTRYPOINT ["java", "--add-modules=jdk.incubator.vector", "-jar", "/app/latentstream.jar"]
CMD ["run", "--config", "/etc/latentstream/app.properties"]
