/**
 * Data: from files to the arrays a training step consumes.
 *
 * <pre>
 * PreferenceReader (JSONL/.gz, 3 layouts)  -> PreferenceData(List&lt;PreferencePair&gt;, DataStats)
 * TextCorpus / ImdbReader (txt, jsonl, dir, aclImdb .tar.gz) -> TextDocument / ImdbReview
 * DataOrder.splitPairs(pairs, fraction, seed)                 -> train / held-out, stable by content
 * PairEncoder(tokenizer, maxLength).encode(pair)              -> EncodedPair (token ids, truncated by a rule)
 * (the resumable seeded order of training is dev.untangle.loop.EpochCursor)
 * SequenceBatch.chosen/rejected/withSharedTokenMasks/ofTexts   -> (B, T) long/float arrays, no DJL
 * </pre>
 *
 * Bad input is a {@link dev.untangle.data.DataException} whose one-line message names file, line and field;
 * {@link dev.untangle.data.BadRecordPolicy} decides whether it stops the read or is counted and skipped.
 */
package dev.untangle.data;
