package dev.untangle.control;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Function;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.untangle.wire.ControlCommand;

/**
 * Signs and verifies control commands (DESIGN.md section 2): hex HMAC-SHA256 over
 * {@link ControlCommand#signedPayload()}. The key comes from a file or an environment variable, never
 * from a command-line literal (it would show in the process list). Verification compares in constant
 * time. Used by the monitor (signing) and the trainer's {@link CommandValidator} (verifying).
 */
public final class ControlSigner {
    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    private ControlSigner(byte[] keyBytes) {
        if (keyBytes.length == 0) {
            throw new IllegalArgumentException("the control HMAC key is empty");
        }
        this.key = new SecretKeySpec(keyBytes, ALGORITHM);
    }

    /** The key is the file's content with surrounding whitespace (a trailing newline) removed. */
    public static ControlSigner fromFile(Path keyFile) {
        try {
            return new ControlSigner(Files.readString(keyFile, StandardCharsets.UTF_8).trim()
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the control HMAC key file " + keyFile, e);
        }
    }

    public static ControlSigner fromEnvironment(String variable) {
        return fromEnvironment(variable, System::getenv);
    }

    public static ControlSigner fromEnvironment(String variable, Function<String, String> environment) {
        String value = environment.apply(variable);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("environment variable " + variable + " (control HMAC key) is not set");
        }
        return new ControlSigner(value.trim().getBytes(StandardCharsets.UTF_8));
    }

    /** For tests and in-process wiring where the key bytes are already at hand. */
    public static ControlSigner ofKey(byte[] keyBytes) {
        return new ControlSigner(keyBytes.clone());
    }

    /** Lower-case hex HMAC-SHA256 of the command's signed payload. */
    public String signature(ControlCommand command) {
        return hmacHex(command.signedPayload());
    }

    /** A copy of the command carrying its signature. */
    public ControlCommand sign(ControlCommand c) {
        return new ControlCommand(c.schema(), c.commandId(), c.runId(), c.issuedAtStep(), c.action(), c.lossType(),
                c.reason(), signature(c));
    }

    /** Whether the command carries a valid signature; constant-time in the signature's content. */
    public boolean verify(ControlCommand command) {
        if (command.signature() == null) {
            return false;
        }
        byte[] expected = hmacHex(command.signedPayload()).getBytes(StandardCharsets.US_ASCII);
        byte[] given = command.signature().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }

    String hmacHex(String payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "ControlSigner[HMAC-SHA256, key hidden]";
    }
}
