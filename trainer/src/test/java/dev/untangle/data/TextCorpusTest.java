package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {
    @TempDir
    Path tmp;

    @Test
    void txtIsOneDocumentPerNonBlankLine() throws IOException {
        Path file = tmp.resolve("corpus.txt");
        Files.writeString(file, "first doc\r\n\nsecond doc\n");
        TextCorpus.Documents read = TextCorpus.read(file, BadRecordPolicy.FAIL);
        assertEquals(List.of(new TextDocument("first doc", "corpus.txt", 1), new TextDocument("second doc", "corpus.txt", 3)),
                read.documents());
    }

    @Test
    void jsonlUsesTheTextFieldAndNamesItWhenWrong() throws IOException {
        Path file = tmp.resolve("corpus.jsonl");
        Files.writeString(file, "{\"text\": \"a b\"}\n{\"text\": 7}\n{\"body\": \"x\"}\n");
        DataException e = assertThrows(DataException.class, () -> TextCorpus.read(file, BadRecordPolicy.FAIL));
        assertEquals("corpus.jsonl:2: field 'text': expected a string, got number", e.getMessage());
        TextCorpus.Documents read = TextCorpus.read(file, BadRecordPolicy.SKIP);
        assertEquals(List.of(new TextDocument("a b", "corpus.jsonl", 1)), read.documents());
        assertEquals(1, read.stats().skipped(BadRecord.WRONG_TYPE));
        assertEquals(1, read.stats().skipped(BadRecord.MISSING_FIELD));
    }

    @Test
    void directoryIsOneDocumentPerFile() throws IOException {
        Files.createDirectories(tmp.resolve("docs/sub"));
        Files.writeString(tmp.resolve("docs/b.txt"), "bee\nline two");
        Files.writeString(tmp.resolve("docs/sub/a.txt"), "ay");
        TextCorpus.Documents read = TextCorpus.read(tmp.resolve("docs"), BadRecordPolicy.FAIL);
        assertEquals(List.of(new TextDocument("bee\nline two", "b.txt", 0), new TextDocument("ay", "sub/a.txt", 0)),
                read.documents());
    }

    @Test
    void aclImdbDirectoryGivesTheReviews() throws IOException {
        Files.createDirectories(tmp.resolve("aclImdb/train/pos"));
        Files.writeString(tmp.resolve("aclImdb/train/pos/4_8.txt"), "Good.<br />Fun.");
        TextCorpus.Documents read = TextCorpus.read(tmp, BadRecordPolicy.FAIL);
        assertEquals("Good.\nFun.", read.documents().get(0).text());
    }
}
