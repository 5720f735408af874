"""Scores of the decodings on held-out pairs, and attention heat maps."""

import time

import sacrebleu

from seqapps.diagnostics import plotting


def evaluate(translator, pairs, decodings, beam_width, max_length, batch_size=64):
    """sacrebleu BLEU and chrF of each decoding on `pairs` (one reference each) and its speed.

    Each distinct Spanish sentence is translated once. BLEU is case-insensitive
    (`lowercase=True`, 13a tokenization) since the model writes lower-case words
    with a capital first letter; chrF is case-sensitive as sacrebleu defines it.

    Returns:
        `({decoding: metrics}, {decoding: {spanish: translation}})`.
    """
    sources = list(dict.fromkeys(source for source, _ in pairs))
    references = [english for _, english in pairs]
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
            "bleu": sacrebleu.corpus_bleu(hypotheses, [references], lowercase=True).score,
            "chrf": sacrebleu.corpus_chrf(hypotheses, [references]).score,
            "sentences_per_second": len(sources) / seconds,
            "sentences": len(sources),
            "pairs": len(pairs),
        }
        translations[decoding] = translated
    return metrics, translations


def plot_attention(maps, path):
    """Heat maps of attention weights, one panel per `(source words, target words, weights)` from `attention_map`."""
    figure, axes = plotting.new_figure(rows=len(maps), width=7.0, height_per_row=4.0)
    for axis, (source, target, weights) in zip(axes[:, 0], maps):
        axis.imshow(weights, cmap="viridis", aspect="auto", vmin=0.0, vmax=1.0)
        axis.set_xticks(range(len(source)), source, rotation=60, fontsize="small")
        axis.set_yticks(range(len(target)), target, fontsize="small")
        axis.set_xlabel("Spanish (source)")
        axis.set_ylabel("English (generated)")
    return plotting.save(figure, path)
