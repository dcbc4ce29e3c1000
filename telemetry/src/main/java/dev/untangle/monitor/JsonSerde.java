package dev.untangle.monitor;

import dev.untangle.wire.Json;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A serde for state-store values through the project's one JSON mapper ({@link Json}). */
final class JsonSerde {
    private JsonSerde() {
    }

    static <T> Serde<T> of(Class<T> type) {
        return Serdes.serdeFrom(
                (topic, value) -> value == null ? null : Json.write(value).getBytes(StandardCharsets.UTF_8),
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    try {
                        return Json.MAPPER.readValue(bytes, type);
                    } catch (IOException e) {
                        throw new SerializationException("cannot read " + type.getSimpleName() + " from store", e);
                    }
                });
    }
}
