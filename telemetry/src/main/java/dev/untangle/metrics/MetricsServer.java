package dev.untangle.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Serves a Prometheus registry at http://bind:port/metrics without a web framework (the trainer and
 * the monitor both use it). Port 0 picks a free port; {@link #port()} reports the bound one.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private final String bindAddress;

    private MetricsServer(HTTPServer server, String bindAddress) {
        this.server = server;
        this.bindAddress = bindAddress;
    }

    /**
     * @param bindAddress e.g. 127.0.0.1 (local only) or 0.0.0.0 (in a container)
     * @param port        0 for an ephemeral port
     */
    public static MetricsServer start(PrometheusMeterRegistry registry, String bindAddress, int port) {
        try {
            HTTPServer server = HTTPServer.builder()
                    .hostname(bindAddress)
                    .port(port)
                    .registry(registry.getPrometheusRegistry())
                    .buildAndStart();
            return new MetricsServer(server, bindAddress);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + bindAddress + ":" + port, e);
        }
    }

    /** The port actually bound (the ephemeral one when started with port 0). */
    public int port() {
        return server.getPort();
    }

    /** The scrape URL, e.g. http://127.0.0.1:40123/metrics. */
    public String url() {
        String host = bindAddress.equals("0.0.0.0") ? "127.0.0.1" : bindAddress;
        return "http://" + host + ":" + port() + "/metrics";
    }

    @Override
    public void close() {
        server.close();
    }
}
