"""Scores of the decodings on held-out pairs, and attention heat maps."""

import re
import time

import sacrebleu

from seqapps.diagnostics import plotting

# Han ideographs; Hiragana and Katakana; Thai, Lao, Tibetan, Myanmar and Khmer: scripts written without spaces.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_OTHER_UNSPACED = re.compile("[\u3040-\u30ff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]")


def bleu_tokenization(references):
    """sacrebleu's tokenization for these references: `13a` (the standard, for languages written with spaces),
    `zh` when they hold Chinese characters and no other unspaced script, else `char` when they hold Japanese kana,
    Thai, Lao, Tibetan, Myanmar or Khmer (BLEU over characters: no word segmenter is needed)."""
    if any(_OTHER_UNSPACED.search(reference) for reference in references):
        return "char"
    if any(_HAN.search(reference) for reference in references):
        return "zh"
    return "13a"


def evaluate(translator, pairs, decodings, beam_width, max_length, batch_size=64):
    """sacrebleu BLEU and chrF of each decoding on `pairs` (one reference each) and its speed.

    Each distinct source sentence is translated once. BLEU is case-insensitive
    (`lowercase=True`) since the model writes lower-case words with a capital
    first letter, on the detokenized translations, with the tokenization of
    `bleu_tokenization` (13a for the English references of the preset); chrF
    is case-sensitive as sacrebleu defines it.

    Returns:
        `({decoding: metrics}, {decoding: {source: translation}})`.
    """
    sources = list(dict.fromkeys(source for source, _ in pairs))
    references = [target for _, target in pairs]
    tokenization = bleu_tokenization(references)
    metrics, translations = {}, {}
    for decoding in decodings:
        start = time.perf_counter()
        outputs = []
        for index in range(0, len(sources), batch_size):
            outputs += translator.translate(
                sources[index : index + batch_size], decoding=decoding, beam_width=beam_width, max_length=max_length
            )
        seconds = time.perf_counter() - start
        translated = dict(zip(sources, outputs))
        hypotheses = [translated[source] for source, _ in pairs]
        metrics[decoding] = {
            "bleu": sacrebleu.corpus_bleu(hypotheses, [references], lowercase=True, tokenize=tokenization).score,
            "bleu_tokenization": tokenization,
            "chrf": sacrebleu.corpus_chrf(hypotheses, [references]).score,
            "sentences_per_second": len(sources) / seconds,
            "sentences": len(sources),
            "pairs": len(pairs),
        }
        translations[decoding] = translated
    return metrics, translations


def plot_attention(maps, path):
    """Heat maps of attention weights, one panel per `(source tokens, target tokens, weights)` from `attention_map`."""
    figure, axes = plotting.new_figure(rows=len(maps), width=7.0, height_per_row=4.0)
    for axis, (source, target, weights) in zip(axes[:, 0], maps):
        axis.imshow(weights, cmap="viridis", aspect="auto", vmin=0.0, vmax=1.0)
        axis.set_xticks(range(len(source)), source, rotation=60, fontsize="small")
        axis.set_yticks(range(len(target)), target, fontsize="small")
        axis.set_xlabel("source")
        axis.set_ylabel("generated")
    return plotting.save(figure, path)
