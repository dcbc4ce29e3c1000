/**
 * The trainer's side of the telemetry pipeline (DESIGN.md section 2): {@link dev.untangle.publish.TelemetryPublisher}
 * sends step, eval and control-ack events to Kafka without ever making a training step wait.
 *
 * <ul>
 *   <li>Topics and keys: steps to {@code untangle.steps.v1}, evals to {@code untangle.evals.v1}, control
 *       acks ({@code ControlAck}, outcome applied or rejected) to {@code untangle.alerts.v1}; key = run id.</li>
 *   <li>Producer: idempotent, acks=all, unbounded delivery timeout, so a record handed over is retried until
 *       it lands exactly once and in order (a 10 s broker outage loses and duplicates nothing).</li>
 *   <li>Spool: when the producer's oldest record is unacknowledged for {@code stallTimeout} (1 s) or a send
 *       cannot start, events go to a JSONL file, {@code {"topic":..,"key":..,"event":{..}}} per line, and
 *       every later event follows them there until the file has drained (per-run order is kept). Bounded by
 *       {@code maxSpoolEvents}/{@code maxSpoolBytes}; past that, events are dropped, counted and logged once.
 *       fsync: at most once per second and at close; the acknowledged prefix is recorded in
 *       {@code <spool>.acked}. close() writes unacknowledged events back to the front of the spool and the
 *       next publisher replays them first. Across a crash delivery is at least once.</li>
 *   <li>{@link dev.untangle.publish.KafkaClientConfig}: any Kafka client property from a file over our
 *       defaults, with {@code ${env:NAME}} / {@code ${file:path}} placeholders for secrets, which are
 *       masked when the config is described.</li>
 *   <li>{@link dev.untangle.publish.PublisherBenchmark}: publishStep cost with the embedded broker up.</li>
 * </ul>
 */
package dev.untangle.publish;
