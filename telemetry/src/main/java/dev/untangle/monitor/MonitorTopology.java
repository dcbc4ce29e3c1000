package dev.untangle.monitor;

import dev.untangle.metrics.MonitorMetrics;
import dev.untangle.control.ControlSigner;
import dev.untangle.policy.Decisions;
import dev.untangle.policy.PolicyConfig;
import dev.untangle.policy.PolicyEvaluator;
import dev.untangle.policy.RunState;
import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The monitor of DESIGN.md section 2, as a pipeline:
 *
 * <pre>
 *   steps topic --parse--+
 *                        +--merge--> drop duplicates --> evaluate policies per run --+--> alerts topic
 *   evals topic --parse--+           [seen-steps]        [run-state]                 +--> control topic
 * </pre>
 *
 * Keyed by run id throughout, so one run's events meet one task and its two stores (RocksDB,
 * changelogged: a restarted monitor resumes with the same state). Parsing never throws: a bad
 * record is counted and becomes a bad_event alert. The policies themselves live in
 * {@link PolicyEvaluator}; this class only moves records.
 */
public final class MonitorTopology {
    public static final String SEEN_STEPS_STORE = "seen-steps";
    public static final String RUN_STATE_STORE = "run-state";
    /** A step this far behind the run's newest is treated as already seen (bounded dedupe memory). */
    public static final int REORDER_WINDOW_STEPS = 1024;

    private MonitorTopology() {
    }

    public static Topology build(PolicyConfig policy, MonitorMetrics metrics, TopicNames topics, ControlSigner signer) {
        Serde<String> text = Serdes.String();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(SEEN_STEPS_STORE), text, JsonSerde.of(SeenSteps.class)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RUN_STATE_STORE), text, RunStateSerde.serde()).withCachingEnabled());

        KStream<String, MonitorInput> steps = builder
                .stream(topics.steps(), Consumed.with(text, text).withName("read-steps"))
                .mapValues(MonitorInput::parseStep, Named.as("parse-steps"));
        KStream<String, MonitorInput> evals = builder
                .stream(topics.evals(), Consumed.with(text, text).withName("read-evals"))
                .mapValues(MonitorInput::parseEval, Named.as("parse-evals"));

        KStream<String, MonitorOutput> decisions = steps.merge(evals, Named.as("merge-inputs"))
                .processValues(() -> new DropDuplicates(metrics), Named.as("drop-duplicates"), SEEN_STEPS_STORE)
                .process(() -> new EvaluatePolicies(new PolicyEvaluator(policy, signer), metrics),
                        Named.as("evaluate-policies"), RUN_STATE_STORE);

        decisions.filter((run, d) -> d.alert() != null, Named.as("alerts-only"))
                .mapValues(d -> Json.write(d.alert()), Named.as("write-alert"))
                .to(topics.alerts(), Produced.with(text, text).withName("publish-alerts"));
        decisions.filter((run, d) -> d.command() != null, Named.as("commands-only"))
                .mapValues(d -> Json.write(d.command()), Named.as("write-command"))
                .to(topics.control(), Produced.with(text, text).withName("publish-commands"));
        return builder.build();
    }

    /** Passes each (run, step) once; evals and bad records pass untouched. */
    static final class DropDuplicates implements FixedKeyProcessor<String, MonitorInput, MonitorInput> {
        private final MonitorMetrics metrics;
        private FixedKeyProcessorContext<String, MonitorInput> context;
        private KeyValueStore<String, SeenSteps> seen;

        DropDuplicates(MonitorMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, MonitorInput> context) {
            this.context = context;
            this.seen = context.getStateStore(SEEN_STEPS_STORE);
        }

        @Override
        public void process(FixedKeyRecord<String, MonitorInput> record) {
            metrics.inputRecord();
            StepEvent step = record.value().step();
            if (step != null) {
                SeenSteps steps = seen.get(step.runId());
                if (steps == null) {
                    steps = new SeenSteps();
                }
                if (!steps.firstSight(step.step(), REORDER_WINDOW_STEPS)) {
                    metrics.duplicate(step.runId());
                    return;
                }
                seen.put(step.runId(), steps);
            }
            context.forward(record);
        }
    }

    /** Runs the policies over each run's state and forwards every alert and command they decide. */
    static final class EvaluatePolicies implements Processor<String, MonitorInput, String, MonitorOutput> {
        private final PolicyEvaluator evaluator;
        private final MonitorMetrics metrics;
        private ProcessorContext<String, MonitorOutput> context;
        private KeyValueStore<String, RunState> states;

        EvaluatePolicies(PolicyEvaluator evaluator, MonitorMetrics metrics) {
            this.evaluator = evaluator;
            this.metrics = metrics;
        }

        @Override
        public void init(ProcessorContext<String, MonitorOutput> context) {
            this.context = context;
            this.states = context.getStateStore(RUN_STATE_STORE);
        }

        @Override
        public void process(Record<String, MonitorInput> record) {
            MonitorInput input = record.value();
            if (input.badReason() != null) {
                badEvent(record);
            } else if (input.step() != null) {
                StepEvent event = input.step();
                RunState state = stateOf(event.runId());
                Decisions decisions = evaluator.onStep(state, event);
                states.put(event.runId(), state);
                metrics.stepEvent(event.runId(), event.lossType(), event.step(), event.time());
                metrics.window(event.runId(), decisions.window());
                for (Alert alert : decisions.alerts()) {
                    metrics.alert(alert);
                    context.forward(record.withKey(event.runId()).withValue(MonitorOutput.of(alert)));
                }
                for (ControlCommand command : decisions.commands()) {
                    metrics.switchCommand(command);
                    context.forward(record.withKey(event.runId()).withValue(MonitorOutput.of(command)));
                }
            } else {
                RunState state = stateOf(input.eval().runId());
                evaluator.onEval(state, input.eval());
                states.put(input.eval().runId(), state);
            }
        }

        private RunState stateOf(String runId) {
            RunState state = states.get(runId);
            return state == null ? new RunState(runId) : state;
        }

        private void badEvent(Record<String, MonitorInput> record) {
            String runId = record.key() == null ? "unknown" : record.key();
            String where = context.recordMetadata()
                    .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                    .orElse("unknown position");
            metrics.badEvent(runId);
            Alert alert = new Alert(Alert.SCHEMA, "bad_event:" + where, runId, -1,
                    java.time.Instant.ofEpochMilli(record.timestamp()).toString(),
                    Alert.Kind.BAD_EVENT.wire(), "firing", "warning",
                    "unreadable event at " + where + ": " + record.value().badReason(), null, null);
            metrics.alert(alert);
            context.forward(record.withKey(runId).withValue(MonitorOutput.of(alert)));
        }
    }
}
