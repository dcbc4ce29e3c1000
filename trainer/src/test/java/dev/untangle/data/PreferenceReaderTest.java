package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each layout parsed from a hand-written fixture, checked against strings written out by hand. */
class PreferenceReaderTest {
    private static List<PreferencePair> read(String resource) {
        return new PreferenceReader(BadRecordPolicy.FAIL).read(TestFiles.resource(resource)).pairs();
    }

    @Test
    void hhDialoguesSplitAtTheLastAssistantTurn() {
        List<PreferencePair> pairs = read("formats/hh.jsonl");
        assertEquals(2, pairs.size(), "the blank line 2 is ignored");
        PreferencePair first = pairs.get(0);
        assertEquals("\n\nHuman: What is 2+2?\n\nAssistant: 4.\n\nHuman: And 3+3?\n\nAssistant:", first.prompt());
        assertEquals(" 6.", first.chosen());
        assertEquals(" I won't say.", first.rejected());
        assertEquals("hh.jsonl", first.source());
        assertEquals(1, first.line());
        // TRL's implicit-prompt conversational form: message lists rendered to the same dialogue text.
        PreferencePair second = pairs.get(1);
        assertEquals("\n\nHuman: Hi\n\nAssistant:", second.prompt());
        assertEquals(" Hello!", second.chosen());
        assertEquals(" Go away.", second.rejected());
        assertEquals(3, second.line());
    }

    @Test
    void promptChosenRejectedStringsAreUsedVerbatim() {
        PreferencePair pair = read("formats/prompt-strings.jsonl").get(0);
        assertEquals(new PreferencePair("Translate 'chat' to English:", " cat", " chat", "prompt-strings.jsonl", 1), pair);
    }

    @Test
    void promptChosenRejectedMessagesRenderAsDialogueTurns() {
        PreferencePair pair = read("formats/prompt-messages.jsonl").get(0);
        assertEquals("\n\nSystem: Be brief.\n\nHuman: Capital of France?\n\nAssistant:", pair.prompt());
        assertEquals(" Paris.", pair.chosen());
        assertEquals(" Lyon.", pair.rejected());
    }

    @Test
    void openAiPreferenceFormat() {
        List<PreferencePair> pairs = read("formats/openai.jsonl");
        assertEquals("\n\nHuman: Hello, can you tell me how cold San Francisco is today?\n\nAssistant:",
                pairs.get(0).prompt());
        assertEquals(" Today in San Francisco, it is not quite cold as expected.", pairs.get(0).chosen());
        assertEquals(" It is not particularly cold in San Francisco today.", pairs.get(0).rejected());
        // content given as a list of text parts is concatenated
        assertEquals("\n\nHuman: Say yes.\n\nAssistant:", pairs.get(1).prompt());
        assertEquals(" Yes.", pairs.get(1).chosen());
        assertEquals(" No.", pairs.get(1).rejected());
    }

    @Test
    void policyParsesTheCommandLineSpelling() {
        assertEquals(BadRecordPolicy.SKIP, BadRecordPolicy.parse("Skip"));
        assertEquals(BadRecordPolicy.FAIL, BadRecordPolicy.parse("fail"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BadRecordPolicy.parse("ignore"));
        assertEquals("--on-bad-record: expected fail or skip, got 'ignore'", e.getMessage());
    }

    @Test
    void realHarmlessBaseTestFile() {
        var file = TestFiles.shared("hh-rlhf/harmless-base-test.jsonl.gz");
        long start = System.nanoTime();
        PreferenceData data = new PreferenceReader(BadRecordPolicy.SKIP).read(file);
        double seconds = (System.nanoTime() - start) / 1e9;
        DataStats stats = data.stats();
        System.out.printf("real HH read in %.2f s: %s%n", seconds, stats.summary());
        assertEquals(2312, stats.lines());
        assertEquals(4, stats.skipped(BadRecord.NO_SHARED_PROMPT));
        // 4 pairs (lines 87, 517, 926, 1104) have a chosen reply that is a single space
        assertEquals(4, stats.skipped(BadRecord.EMPTY_RESPONSE));
        assertEquals(8, stats.skippedTotal());
        assertEquals(2304, data.pairs().size());
        assertEquals(2304, stats.records());
        assertEquals(List.of(
                "harmless-base-test.jsonl.gz:87: field 'chosen': response is empty or whitespace only",
                "harmless-base-test.jsonl.gz:517: field 'chosen': response is empty or whitespace only",
                "harmless-base-test.jsonl.gz:926: field 'chosen': response is empty or whitespace only",
                "harmless-base-test.jsonl.gz:1104: field 'chosen': response is empty or whitespace only",
                "harmless-base-test.jsonl.gz:1255: field 'rejected': does not start with chosen's prompt (the text up to"
                        + " its last '\\n\\nAssistant:')",
                "harmless-base-test.jsonl.gz:1689: field 'rejected': does not start with chosen's prompt (the text up to"
                        + " its last '\\n\\nAssistant:')",
                "harmless-base-test.jsonl.gz:1953: field 'rejected': does not start with chosen's prompt (the text up to"
                        + " its last '\\n\\nAssistant:')",
                "harmless-base-test.jsonl.gz:2037: field 'rejected': does not start with chosen's prompt (the text up to"
                        + " its last '\\n\\nAssistant:')"), stats.skipExamples());
        // under FAIL, the no-shared-prompt pairs are still only skipped; the first empty response is fatal
        DataException e = assertThrows(DataException.class, () -> new PreferenceReader(BadRecordPolicy.FAIL).read(file));
        assertEquals("harmless-base-test.jsonl.gz:87: field 'chosen': response is empty or whitespace only",
                e.getMessage());
        for (PreferencePair pair : data.pairs()) {
            assertEquals(true, pair.prompt().endsWith("\n\nAssistant:"), "line " + pair.line());
        }
    }
}
