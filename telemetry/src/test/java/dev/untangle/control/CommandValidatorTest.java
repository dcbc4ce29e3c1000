package dev.untangle.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import dev.untangle.control.CommandValidator.Reason;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandValidatorTest {
    static final ControlSigner SIGNER = ControlSigner.ofKey("test-key".getBytes(StandardCharsets.UTF_8));
    static final Set<String> LOSSES = Set.of("sigmoid", "ipo", "npo");

    static ControlCommand command(String id, String run, long step, String action, String loss) {
        return new ControlCommand(ControlCommand.SCHEMA, id, run, step, action, loss, "both_down for 20 steps", null);
    }

    private static CommandValidator validator(ControlSigner signer, Set<String> applied) {
        return new CommandValidator("run-1", LOSSES::contains, 5, signer, applied);
    }

    @Test
    void hmacMatchesTheRfc4231Vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                ControlSigner.ofKey("Jefe".getBytes(StandardCharsets.UTF_8)).hmacHex("what do ya want for nothing?"));
    }

    @Test
    void signatureCoversEveryFieldButItself() {
        ControlCommand signed = SIGNER.sign(command("c1", "run-1", 10, "switch_loss", "npo"));
        assertTrue(SIGNER.verify(signed));
        assertTrue(SIGNER.verify(new ControlCommand(signed.schema(), signed.commandId(), signed.runId(),
                signed.issuedAtStep(), signed.action(), signed.lossType(), signed.reason(),
                signed.signature().toUpperCase())), "hex case does not matter");
        ControlCommand tampered = new ControlCommand(signed.schema(), signed.commandId(), signed.runId(),
                signed.issuedAtStep(), signed.action(), "sigmoid", signed.reason(), signed.signature());
        assertFalse(SIGNER.verify(tampered));
        assertFalse(ControlSigner.ofKey("other".getBytes(StandardCharsets.UTF_8)).verify(signed));
    }

    @Test
    void keysComeFromFilesOrEnvironment(@TempDir Path dir) throws Exception {
        Path keyFile = dir.resolve("hmac.key");
        Files.writeString(keyFile, "test-key\n");
        ControlCommand signed = SIGNER.sign(command("c1", "run-1", 10, "pause", null));
        assertTrue(ControlSigner.fromFile(keyFile).verify(signed));
        assertTrue(ControlSigner.fromEnvironment("K", Map.of("K", "test-key")::get).verify(signed));
        assertThrows(IllegalArgumentException.class, () -> ControlSigner.fromEnvironment("K", name -> null));
        assertFalse(SIGNER.toString().contains("test-key"));
    }

    @Test
    void everyHostileCaseIsRejectedWithItsReason() {
        CommandValidator v = validator(SIGNER, Set.of());
        long step = 100;
        assertEquals(Reason.MALFORMED_JSON, v.validate("{\"schema\": \"untangle.control.v1\", ", step).reason());
        assertEquals(Reason.MALFORMED_JSON, v.validate("not json", step).reason());
        assertEquals(Reason.WRONG_SCHEMA, v.validate(Json.write(SIGNER.sign(new ControlCommand("untangle.control.v0",
                "c1", "run-1", 100, "pause", null, null, null))), step).reason());
        assertEquals(Reason.MISSING_FIELD, v.validate(Json.write(SIGNER.sign(
                command(null, "run-1", 100, "pause", null))), step).reason());
        assertEquals(Reason.WRONG_RUN, v.validate(Json.write(SIGNER.sign(
                command("c1", "run-2", 100, "pause", null))), step).reason());
        assertEquals(Reason.MISSING_SIGNATURE, v.validate(Json.write(
                command("c1", "run-1", 100, "pause", null)), step).reason());
        ControlCommand forged = new ControlCommand(ControlCommand.SCHEMA, "c1", "run-1", 100, "pause", null, null,
                "00".repeat(32));
        assertEquals(Reason.BAD_SIGNATURE, v.validate(Json.write(forged), step).reason());
        assertEquals(Reason.UNKNOWN_ACTION, v.validate(Json.write(SIGNER.sign(
                command("c1", "run-1", 100, "delete_run", null))), step).reason());
        assertEquals(Reason.UNKNOWN_LOSS, v.validate(Json.write(SIGNER.sign(
                command("c1", "run-1", 100, "switch_loss", "made_up"))), step).reason());
        assertEquals(Reason.UNKNOWN_LOSS, v.validate(Json.write(SIGNER.sign(
                command("c1", "run-1", 100, "switch_loss", null))), step).reason());
        assertEquals(Reason.FROM_THE_FUTURE, v.validate(Json.write(SIGNER.sign(
                command("c1", "run-1", 106, "switch_loss", "npo"))), step).reason());
        // none of those consumed the id: the real command is accepted once
        CommandValidator.Verdict ok = v.validate(Json.write(SIGNER.sign(
                command("c1", "run-1", 105, "switch_loss", "npo"))), step);
        assertTrue(ok.accepted());
        assertNull(ok.reason());
        assertEquals("npo", ok.command().lossType());
        assertEquals(Reason.REPLAYED, v.validate(Json.write(SIGNER.sign(
                command("c1", "run-1", 105, "switch_loss", "npo"))), step).reason());
        assertEquals(Set.of("c1"), v.appliedIds());
    }

    @Test
    void idsFromACheckpointAreReplays() {
        CommandValidator v = validator(null, Set.of("c-old"));
        assertEquals(Reason.REPLAYED, v.validate(Json.write(command("c-old", "run-1", 1, "checkpoint", null)), 10)
                .reason());
        assertTrue(v.validate(Json.write(command("c-new", "run-1", 1, "checkpoint", null)), 10).accepted(),
                "without a key, unsigned commands pass");
        assertEquals(Set.of("c-old", "c-new"), v.appliedIds());
    }
}
