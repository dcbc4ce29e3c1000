package dev.untangle.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsServerTest {
    @Test
    void servesTheRegistryOnAnEphemeralPort() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder(MetricNames.MONITOR_EVENTS).description("test events").tags(MetricNames.TAG_RUN, "r")
                .register(registry).increment(3);
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            assertTrue(server.port() > 0);
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertTrue(response.body().contains("# HELP untangle_monitor_events_total test events"), response.body());
            assertTrue(response.body().contains("untangle_monitor_events_total{run_id=\"r\"} 3.0"), response.body());
        }
    }
}
