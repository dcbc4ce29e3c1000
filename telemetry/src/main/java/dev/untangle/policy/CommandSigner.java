package dev.untangle.policy;

import dev.untangle.wire.ControlCommand;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Signs control commands with HMAC-SHA256 over {@link ControlCommand#signedPayload()} (hex), so a
 * trainer configured with the same key can refuse commands nobody authorized. {@link #NONE} leaves the
 * signature null (no key configured).
 */
public final class CommandSigner {
    public static final CommandSigner NONE = new CommandSigner(null);

    private final byte[] key;

    private CommandSigner(byte[] key) {
        this.key = key;
    }

    public static CommandSigner withKey(String key) {
        if (key == null || key.isEmpty()) {
            return NONE;
        }
        return new CommandSigner(key.getBytes(StandardCharsets.UTF_8));
    }

    public ControlCommand sign(ControlCommand c) {
        if (key == null) {
            return c;
        }
        return new ControlCommand(c.schema(), c.commandId(), c.runId(), c.issuedAtStep(), c.action(), c.lossType(),
                c.reason(), hmac(c.signedPayload()));
    }

    public boolean verify(ControlCommand c) {
        return key != null && c.signature() != null && MessageDigest.isEqual(
                hmac(c.signedPayload()).getBytes(StandardCharsets.UTF_8), c.signature().getBytes(StandardCharsets.UTF_8));
    }

    private String hmac(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
