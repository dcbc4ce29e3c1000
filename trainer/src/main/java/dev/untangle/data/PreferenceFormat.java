package dev.untangle.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * The three preference layouts, detected per line from the fields present, and how each becomes a
 * {@link PreferencePair} of plain text.
 *
 * <ul>
 *   <li>{@link #HH}: {@code chosen} and {@code rejected} are whole dialogues
 *       ("\n\nHuman: ...\n\nAssistant: ..."). The prompt is chosen's text up to and including its last
 *       "\n\nAssistant:"; the responses are what follows it in each (so they usually begin with a space).
 *       If {@code rejected} does not start with that prompt the pair has no shared prompt
 *       ({@link BadRecord#NO_SHARED_PROMPT}). Lists of messages instead of strings are rendered to the same
 *       dialogue text first (TRL's "implicit prompt" conversational form).</li>
 *   <li>{@link #PROMPT_CHOSEN_REJECTED}: explicit {@code prompt}, {@code chosen}, {@code rejected}, either all
 *       strings (used verbatim) or lists of {role, content} messages as TRL uses them.</li>
 *   <li>{@link #OPENAI}: OpenAI preference fine-tuning, {@code input.messages}, {@code preferred_output},
 *       {@code non_preferred_output}.</li>
 * </ul>
 *
 * <p>Messages render as dialogue turns: user as "\n\nHuman: content", assistant as "\n\nAssistant: content",
 * system as "\n\nSystem: content". A prompt given as messages ends with "\n\nAssistant:" and the response
 * given as messages is " " + the assistant's content, so that prompt + response is exactly the HH rendering
 * of the same dialogue, whichever file format it came from.
 */
public enum PreferenceFormat {
    HH,
    PROMPT_CHOSEN_REJECTED,
    OPENAI;

    static final String HUMAN = "\n\nHuman:";
    static final String ASSISTANT = "\n\nAssistant:";
    static final String SYSTEM = "\n\nSystem:";

    /** Which layout a JSON object uses, from its fields; a record matching none names the missing field. */
    public static PreferenceFormat detect(JsonNode record, String file, long line) {
        if (record.has("input") || record.has("preferred_output") || record.has("non_preferred_output")) {
            return OPENAI;
        }
        if (record.has("prompt")) {
            return PROMPT_CHOSEN_REJECTED;
        }
        if (record.has("chosen") || record.has("rejected")) {
            return HH;
        }
        throw new DataException(file, line, "chosen", BadRecord.MISSING_FIELD,
                "missing; expected 'chosen'+'rejected' (HH), 'prompt'+'chosen'+'rejected', or "
                        + "'input'+'preferred_output'+'non_preferred_output' (OpenAI)");
    }

    /** Parses one JSON object of any supported layout. Content checks (empty, identical) are not done here. */
    public static PreferencePair parse(JsonNode record, String file, long line) {
        return switch (detect(record, file, line)) {
            case HH -> parseHh(record, file, line);
            case PROMPT_CHOSEN_REJECTED -> parsePromptChosenRejected(record, file, line);
            case OPENAI -> parseOpenAi(record, file, line);
        };
    }

    private static PreferencePair parseHh(JsonNode record, String file, long line) {
        String chosen = dialogue(require(record, "chosen", file, line), "chosen", file, line);
        String rejected = dialogue(require(record, "rejected", file, line), "rejected", file, line);
        int cut = chosen.lastIndexOf(ASSISTANT);
        if (cut < 0) {
            throw new DataException(file, line, "chosen", BadRecord.NO_ASSISTANT_TURN,
                    "dialogue has no '\\n\\nAssistant:' turn");
        }
        String prompt = chosen.substring(0, cut + ASSISTANT.length());
        if (!rejected.startsWith(prompt)) {
            if (!rejected.contains(ASSISTANT)) {
                throw new DataException(file, line, "rejected", BadRecord.NO_ASSISTANT_TURN,
                        "dialogue has no '\\n\\nAssistant:' turn");
            }
            throw new DataException(file, line, "rejected", BadRecord.NO_SHARED_PROMPT,
                    "does not start with chosen's prompt (the text up to its last '\\n\\nAssistant:')");
        }
        return new PreferencePair(prompt, chosen.substring(prompt.length()), rejected.substring(prompt.length()),
                file, line);
    }

    private static PreferencePair parsePromptChosenRejected(JsonNode record, String file, long line) {
        JsonNode prompt = require(record, "prompt", file, line);
        JsonNode chosen = require(record, "chosen", file, line);
        JsonNode rejected = require(record, "rejected", file, line);
        String promptText = prompt.isTextual() ? prompt.asText() : promptMessages(prompt, "prompt", file, line);
        return new PreferencePair(promptText, response(chosen, "chosen", file, line),
                response(rejected, "rejected", file, line), file, line);
    }

    private static PreferencePair parseOpenAi(JsonNode record, String file, long line) {
        JsonNode input = require(record, "input", file, line);
        if (!input.isObject()) {
            throw wrongType("input", "an object with 'messages'", input, file, line);
        }
        JsonNode messages = require(input, "messages", "input.messages", file, line);
        String prompt = promptMessages(messages, "input.messages", file, line);
        JsonNode preferred = require(record, "preferred_output", file, line);
        JsonNode nonPreferred = require(record, "non_preferred_output", file, line);
        if (!preferred.isArray()) {
            throw wrongType("preferred_output", "a list of messages", preferred, file, line);
        }
        if (!nonPreferred.isArray()) {
            throw wrongType("non_preferred_output", "a list of messages", nonPreferred, file, line);
        }
        return new PreferencePair(prompt, responseMessages(preferred, "preferred_output", file, line),
                responseMessages(nonPreferred, "non_preferred_output", file, line), file, line);
    }

    /** HH field: a dialogue string, or a list of messages rendered to one. */
    private static String dialogue(JsonNode node, String field, String file, long line) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            return render(node, 0, field, file, line);
        }
        throw wrongType(field, "a dialogue string or a list of messages", node, file, line);
    }

    private static String response(JsonNode node, String field, String file, long line) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            return responseMessages(node, field, file, line);
        }
        throw wrongType(field, "a string or a list of messages", node, file, line);
    }

    /** Prompt messages rendered as turns, ending with the assistant header the response continues. */
    private static String promptMessages(JsonNode node, String field, String file, long line) {
        if (!node.isArray()) {
            throw wrongType(field, "a string or a list of messages", node, file, line);
        }
        if (node.isEmpty()) {
            throw new DataException(file, line, field, BadRecord.INVALID_VALUE, "empty list of messages");
        }
        return render(node, 0, field, file, line) + ASSISTANT;
    }

    /** Response messages: " " + the first (assistant) message's content, later messages as further turns. */
    private static String responseMessages(JsonNode node, String field, String file, long line) {
        if (node.isEmpty()) {
            throw new DataException(file, line, field, BadRecord.INVALID_VALUE, "empty list of messages");
        }
        String role = role(node.get(0), field + "[0]", file, line);
        if (!role.equals("assistant")) {
            throw new DataException(file, line, field + "[0].role", BadRecord.INVALID_VALUE,
                    "expected 'assistant', got '" + role + "'");
        }
        return " " + content(node.get(0), field + "[0]", file, line) + render(node, 1, field, file, line);
    }

    private static String render(JsonNode messages, int from, String field, String file, long line) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < messages.size(); i++) {
            String at = field + "[" + i + "]";
            String header = switch (role(messages.get(i), at, file, line)) {
                case "user", "human" -> HUMAN;
                case "assistant" -> ASSISTANT;
                case "system" -> SYSTEM;
                default -> throw new DataException(file, line, at + ".role", BadRecord.INVALID_VALUE,
                        "unknown role '" + messages.get(i).get("role").asText()
                                + "'; expected user, assistant or system");
            };
            text.append(header).append(' ').append(content(messages.get(i), at, file, line));
        }
        return text.toString();
    }

    private static String role(JsonNode message, String at, String file, long line) {
        if (!message.isObject()) {
            throw wrongType(at, "a message object {role, content}", message, file, line);
        }
        JsonNode role = require(message, "role", at + ".role", file, line);
        if (!role.isTextual()) {
            throw wrongType(at + ".role", "a string", role, file, line);
        }
        return role.asText().toLowerCase(Locale.ROOT);
    }

    /** Message content: a string, or OpenAI's list of parts whose "text" parts are concatenated. */
    private static String content(JsonNode message, String at, String file, long line) {
        JsonNode content = require(message, "content", at + ".content", file, line);
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                JsonNode partText = part.get("text");
                if (partText == null || !partText.isTextual()) {
                    throw new DataException(file, line, at + ".content[" + i + "]", BadRecord.WRONG_TYPE,
                            "expected a text part {type: text, text: ...}");
                }
                text.append(partText.asText());
            }
            return text.toString();
        }
        throw wrongType(at + ".content", "a string or a list of text parts", content, file, line);
    }

    private static JsonNode require(JsonNode record, String name, String file, long line) {
        return require(record, name, name, file, line);
    }

    private static JsonNode require(JsonNode record, String name, String path, String file, long line) {
        JsonNode node = record.get(name);
        if (node == null) {
            throw new DataException(file, line, path, BadRecord.MISSING_FIELD, "missing");
        }
        if (node.isNull()) {
            throw new DataException(file, line, path, BadRecord.WRONG_TYPE, "is null");
        }
        return node;
    }

    static DataException wrongType(String field, String expected, JsonNode got, String file, long line) {
        return new DataException(file, line, field, BadRecord.WRONG_TYPE,
                "expected " + expected + ", got " + typeName(got));
    }

    static String typeName(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "list";
            case OBJECT -> "object";
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case NULL, MISSING -> "null";
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
