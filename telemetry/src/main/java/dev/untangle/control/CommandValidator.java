package dev.untangle.control;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Json;

/**
 * Decides whether a control command may reach the trainer (DESIGN.md section 2: applied once per
 * command_id, only for its own run, only for a known loss). Checks, in order: parseable JSON, schema,
 * required fields, run id, signature (when a key is configured), action, loss (switch_loss only), not
 * from the future (issued_at_step at most {@code futureToleranceSteps} past the trainer's current step),
 * not a replay of an accepted command id. An accepted id is remembered at once, so a command sent twice
 * is accepted once. Thread-safe.
 */
public final class CommandValidator {

    /** Why a command was rejected; {@link #wire()} is the reason written to the ControlAck. */
    public enum Reason {
        MALFORMED_JSON, WRONG_SCHEMA, MISSING_FIELD, WRONG_RUN, MISSING_SIGNATURE, BAD_SIGNATURE,
        UNKNOWN_ACTION, UNKNOWN_LOSS, FROM_THE_FUTURE, REPLAYED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The outcome: {@code command} is null when the text could not be read; {@code reason} null when accepted. */
    public record Verdict(ControlCommand command, Reason reason, String detail) {
        public boolean accepted() {
            return reason == null;
        }
    }

    private static final Set<String> ACTIONS = Set.copyOf(Arrays.stream(ControlCommand.Action.values())
            .map(ControlCommand.Action::wire).toList());

    private final String runId;
    private final Predicate<String> knownLoss;
    private final long futureToleranceSteps;
    private final ControlSigner signer;
    private final Set<String> appliedIds;

    /**
     * @param signer null when no HMAC key is configured (then signatures are not checked)
     * @param appliedIds command ids already applied, e.g. restored from a checkpoint
     */
    public CommandValidator(String runId, Predicate<String> knownLoss, long futureToleranceSteps,
                            ControlSigner signer, Set<String> appliedIds) {
        this.runId = runId;
        this.knownLoss = knownLoss;
        this.futureToleranceSteps = futureToleranceSteps;
        this.signer = signer;
        this.appliedIds = new HashSet<>(appliedIds);
    }

    public synchronized Verdict validate(String json, long currentStep) {
        ControlCommand c;
        try {
            c = json == null ? null : Json.read(json, ControlCommand.class);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + " column " + e.getLocation().getColumnNr();
            return new Verdict(null, Reason.MALFORMED_JSON, "not a control command" + where);
        }
        if (c == null) {
            return new Verdict(null, Reason.MALFORMED_JSON, "empty message");
        }
        if (!ControlCommand.SCHEMA.equals(c.schema())) {
            return new Verdict(c, Reason.WRONG_SCHEMA, "schema " + c.schema() + ", expected " + ControlCommand.SCHEMA);
        }
        if (blank(c.commandId()) || blank(c.runId()) || blank(c.action())) {
            return new Verdict(c, Reason.MISSING_FIELD, "command_id, run_id and action are required");
        }
        if (!runId.equals(c.runId())) {
            return new Verdict(c, Reason.WRONG_RUN, "for run " + c.runId() + ", this is run " + runId);
        }
        if (signer != null) {
            if (blank(c.signature())) {
                return new Verdict(c, Reason.MISSING_SIGNATURE, "unsigned command; an HMAC key is configured");
            }
            if (!signer.verify(c)) {
                return new Verdict(c, Reason.BAD_SIGNATURE, "HMAC-SHA256 signature does not match");
            }
        }
        if (!ACTIONS.contains(c.action())) {
            return new Verdict(c, Reason.UNKNOWN_ACTION, "action " + c.action() + ", known: " + ACTIONS);
        }
        if (ControlCommand.Action.SWITCH_LOSS.wire().equals(c.action())
                && (blank(c.lossType()) || !knownLoss.test(c.lossType()))) {
            return new Verdict(c, Reason.UNKNOWN_LOSS, "loss " + c.lossType() + " is not known to this trainer");
        }
        if (c.issuedAtStep() > currentStep + futureToleranceSteps) {
            return new Verdict(c, Reason.FROM_THE_FUTURE, "issued at step " + c.issuedAtStep()
                    + ", trainer is at step " + currentStep + " (tolerance " + futureToleranceSteps + ")");
        }
        if (!appliedIds.add(c.commandId())) {
            return new Verdict(c, Reason.REPLAYED, "command " + c.commandId() + " was already applied");
        }
        return new Verdict(c, null, null);
    }

    /** A copy of the accepted command ids, for the trainer's checkpoint. */
    public synchronized Set<String> appliedIds() {
        return Set.copyOf(appliedIds);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
