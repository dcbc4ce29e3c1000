/**
 * Control commands into a running trainer (DESIGN.md section 2). {@link dev.untangle.control.ControlListener}
 * consumes {@code untangle.control.v1} on a background thread (group {@code untangle-trainer-<run>},
 * read_committed), {@link dev.untangle.control.CommandValidator} accepts a command only for this run,
 * with the current schema, a known action and loss, not issued in the future, not already applied, and
 * (with a key) signed: hex HMAC-SHA256 over {@code ControlCommand.signedPayload()}, made and checked by
 * {@link dev.untangle.control.ControlSigner}. The trainer polls {@code drainAccepted()} at step boundaries.
 * Rejections are logged in one line, counted (untangle_control_rejected_total) and acknowledged on the
 * alerts topic.
 */
package dev.untangle.control;
