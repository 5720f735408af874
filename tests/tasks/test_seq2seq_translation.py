"""The translation recipe: standardization, data, the step decoder, beam search, export and serving."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps.data import spa_eng
from seqapps.tasks import seq2seq_translation as task
from seqapps.tasks.seq2seq_translation import TranslationConfig, Translator

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
SUBJECTS = [("Yo", "I"), ("Tú", "You"), ("Él", "He"), ("Ella", "She"), ("Tomás", "Tom"), ("María", "Mary"),
            ("Nosotros", "We"), ("Ellos", "They")]
VERBS = [("veo", "see"), ("quiero", "want"), ("tengo", "have"), ("busco", "look for"), ("compro", "buy"),
         ("vendo", "sell"), ("pinto", "paint"), ("lavo", "wash"), ("rompo", "break"), ("llevo", "carry"),
         ("traigo", "bring"), ("encuentro", "find")]
OBJECTS = [("la casa", "the house"), ("el perro", "the dog"), ("el coche", "the car"), ("la mesa", "the table"),
           ("el libro", "the book"), ("la silla", "the chair"), ("el árbol", "the tree"), ("la puerta", "the door"),
           ("el barco", "the boat"), ("la caja", "the box"), ("el reloj", "the clock"), ("la llave", "the key")]
WHEN = [("hoy", "today"), ("ahora", "now"), ("mañana", "tomorrow"), ("otra vez", "again")]


def write_pairs(path):
    """A `spa.txt` of 4,608 made-up `English<TAB>Spanish` pairs, one per distinct Spanish sentence."""
    lines = [f"{subject_en} {verb_en} {object_en} {when_en}.\t{subject_es} {verb_es} {object_es} {when_es}."
             for (subject_es, subject_en), (verb_es, verb_en), (object_es, object_en), (when_es, when_en)
             in itertools.product(SUBJECTS, VERBS, OBJECTS, WHEN)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def small_translator(cell="gru", attention="luong", units=8):
    source = ["", "[UNK]", ".", "¿", "?", "yo", "veo", "la", "casa", "el", "perro", "hoy"]
    target = ["", "[UNK]", "[start]", "[end]", ".", "i", "see", "the", "house", "dog", "today"]
    translator = Translator(source, target, cell=cell, units=units, embedding_dim=6, attention=attention, dropout=0.0)
    translator((tf.constant([[5, 6, 7, 8, 2]]), tf.constant([[2, 5, 6]])))
    return translator


# --- text ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("¿Dónde está el niño?", "¿ donde esta el nino ?"),
    ("  ¡HOLA,   Señor!  ", "¡ hola , senor !"),
    ("Don't stop.", "don't stop ."),
    ("ﬁesta 😀 漢字\t\x00ok", "fiesta ok"),
    ("", ""),
])
def test_standardize(raw, expected):
    assert task.standardize_spanish([raw]).numpy()[0].decode("utf-8") == expected


def test_standardize_english_adds_the_markers_and_replaces_invalid_utf8():
    assert task.standardize_english(["Hi!"]).numpy()[0] == b"[start] hi ! [end]"
    assert task.standardize_spanish([b"ca\xffsa"]).numpy()[0] == b"ca sa"


def test_detokenize():
    words = tf.ragged.constant([["i", "see", "it", ".", "¿", "ok", "?"], [], ["tom", ",", "go", "!"]])
    assert [text.decode() for text in task.detokenize(words).numpy()] == ["I see it. ¿ok?", "", "Tom, go!"]


# --- config and data -----------------------------------------------------------------


@pytest.mark.parametrize("arguments, fragment", [
    (dict(cell="transformer"), "Unknown cell"),
    (dict(attention="dot"), "Unknown attention"),
    (dict(units=0), "`units` must be a positive integer"),
    (dict(beam_width=17), "`beam_width` must be at most 16"),
    (dict(max_pairs=0), "`max_pairs`"),
    (dict(dropout=1.0), "`dropout`"),
    (dict(target_vocabulary_size=4), "`target_vocabulary_size`"),
    (dict(max_training_words=2), "`max_training_words`"),
])
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        TranslationConfig(**arguments)


def test_translator_needs_the_markers_in_its_target_vocabulary():
    with pytest.raises(ValueError, match="lacks '\\[start\\]'"):
        Translator(["", "[UNK]", "a"], ["", "[UNK]", "b", "[end]"])


def test_pair_dataset_shifts_targets_buckets_and_counts_batches():
    translator = small_translator()
    pairs = [("Yo veo la casa hoy.", "I see the house today."), ("Yo veo.", "I see."), ("😀", "Dog."),
             ("el perro " * 30, "the dog " * 30)] * 5
    config = TranslationConfig(batch_size=3, max_training_words=10, seed=1)
    dataset = task.pair_dataset(translator, pairs, config, shuffle=True)
    batches = list(dataset)
    assert len(batches) == int(dataset.cardinality())
    examples = 0
    for (source, target_input), target_output in batches:
        source, target_input, target_output = source.numpy(), target_input.numpy(), target_output.numpy()
        examples += source.shape[0]
        assert source.shape[1] <= 10 and target_output.shape[1] <= 10
        np.testing.assert_array_equal(target_input[:, 1:], target_output[:, :-1] * (target_input[:, 1:] != 0))
        assert np.all(target_input[:, 0] == translator.start_id)
    assert examples == 15  # the emoji-only sources standardize to nothing and are dropped


# --- the network and its decoders ----------------------------------------------------


@pytest.mark.parametrize("cell, attention", [("gru", "luong"), ("lstm", "bahdanau"), ("keras_lstm", "luong"),
                                             ("elman", "bahdanau")])
def test_step_decoder_matches_teacher_forcing(cell, attention):
    translator = small_translator(cell, attention)
    source = tf.constant([[5, 6, 7, 8, 11, 2], [9, 10, 2, 0, 0, 0]])
    target = tf.constant([[2, 5, 6, 7, 8], [2, 9, 4, 0, 0]])
    expected = tf.nn.log_softmax(translator((source, target)) + translator.never_generated).numpy()
    encoder_outputs, keys, mask, states = translator.encode(source)
    for position in range(target.shape[1]):
        log_probabilities, states, attention_weights = translator.decode_step(
            target[:, position], states, encoder_outputs, keys, mask)
        for row, length in enumerate([5, 3]):
            if position < length:
                np.testing.assert_allclose(log_probabilities[row], expected[row, position], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.sum(attention_weights, axis=-1), 1.0, rtol=1e-5)
        assert np.all(attention_weights[1, 3:] < 1e-6)  # padding gets no attention


@pytest.mark.parametrize("cell", ["gru", "keras_lstm"])
def test_beam_width_one_is_greedy(cell):
    translator = small_translator(cell, units=16)
    texts = ["Yo veo la casa hoy.", "¿El perro?", "", "Yo yo yo yo"]
    greedy = translator.translate(texts, decoding="greedy", max_length=12)
    assert translator.translate(texts, decoding="beam", beam_width=1, max_length=12) == greedy


def test_beam_search_finds_the_best_hypothesis_when_the_beam_holds_every_word():
    """With one decoding step and a beam as wide as the vocabulary, beam search is exhaustive."""
    translator = small_translator(units=16)
    source_ids = translator.source_ids(tf.constant(["Yo veo la casa.", "El perro."]))
    encoder_outputs, keys, mask, states = translator.encode(source_ids)
    log_probabilities, _, _ = translator.decode_step(tf.fill([2], translator.start_id), states, encoder_outputs,
                                                     keys, mask)
    # After one step every hypothesis has length 1, so the best one is the most likely finished word: [end].
    beam_ids = translator._beam(source_ids, tf.constant(translator.target_size), tf.constant(1))
    np.testing.assert_array_equal(beam_ids[:, 0], [translator.end_id] * 2)
    # Unfinished hypotheses win only when no hypothesis finished: then the most likely word.
    translator.never_generated = tf.tensor_scatter_nd_update(translator.never_generated, [[translator.end_id]],
                                                             [-np.inf])
    beam_ids = translator.beam_ids(source_ids, translator.target_size, 1)
    np.testing.assert_array_equal(beam_ids[:, 0], np.argmax(log_probabilities.numpy()
                                                            + translator.never_generated.numpy(), axis=-1))


def test_sampling_is_seeded_and_never_emits_special_tokens():
    translator = small_translator(units=16)
    first = translator.translate(["Yo veo la casa."] * 3, decoding="sample", temperature=2.0, seed=3, max_length=8)
    assert first == translator.translate(["Yo veo la casa."] * 3, decoding="sample", temperature=2.0, seed=3,
                                         max_length=8)
    assert not any("[" in text for text in first)
    with pytest.raises(ValueError, match="Unknown decoding"):
        translator.translate(["hola"], decoding="topk")


def test_source_ids_truncate_and_never_leave_a_row_empty():
    translator = small_translator()
    ids = translator.source_ids(tf.constant(["", "yo " * 500, "😀"])).numpy()
    assert ids.shape[1] == task.MAX_SOURCE_WORDS + 1
    assert ids[0, 0] == 1 and ids[2, 0] == 1 and np.all(ids[1, :task.MAX_SOURCE_WORDS] == 5)


def test_config_round_trip_and_keras_file(tmp_path):
    translator = small_translator("lstm", "bahdanau")
    clone = Translator.from_config(translator.get_config())
    clone((tf.constant([[5, 6]]), tf.constant([[2, 5]])))
    clone.set_weights(translator.get_weights())
    inputs = (tf.constant([[5, 6, 7, 8, 2]]), tf.constant([[2, 5, 6, 7]]))
    np.testing.assert_allclose(clone(inputs), translator(inputs), rtol=1e-6)
    translator.save(tmp_path / "translator.keras")
    loaded = keras.saving.load_model(tmp_path / "translator.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(inputs), translator(inputs), rtol=1e-6)
    assert loaded.translate(["Yo veo la casa."], "greedy") == translator.translate(["Yo veo la casa."], "greedy")


# --- end to end ----------------------------------------------------------------------

RELOAD = """
import json, sys
import tensorflow as tf
import tensorflow_text
model = tf.saved_model.load(sys.argv[1])
serve, beam = model.signatures["serving_default"], model.signatures["beam_search"]
results = {}

def run(name, function, **inputs):
    try:
        outputs = function(**inputs)
        results[name] = [text.decode("utf-8") for text in outputs["translation"].numpy()]
    except tf.errors.InvalidArgumentError as error:
        results[name] = "InvalidArgument: " + error.message

cases = {
    "known": ["Yo veo la casa hoy.", "Tomás vende el barco mañana."],
    "empty and whitespace": ["", "   \\n\\t "],
    "unknown words": ["Xilófono zzz quux."],
    "emoji and mixed scripts": ["😀 Ωμέγα 漢字 ça"],
    "invalid UTF-8 and NUL": [b"Yo \\xff\\xfe veo\\x00 la casa"],
    "one megabyte": ["yo veo la casa " * 70_000],
    "batch of 0": [],
    "batch of 1000": ["Yo veo el perro."] * 1000,
    "over 100 words": ["Yo veo la casa y el perro " * 30],
    "mixed batch": ["Yo veo la casa hoy.", "", b"\\xff", "😀"],
}
for name, texts in cases.items():
    run(name, serve, text=tf.constant(texts, tf.string))
run("beam 1", beam, text=tf.constant(cases["known"]), beam_width=tf.constant(1))
run("beam 3", beam, text=tf.constant(cases["known"]), beam_width=tf.constant(3))
run("beam 0", beam, text=tf.constant(["a"]), beam_width=tf.constant(0))
run("beam 17", beam, text=tf.constant(["a"]), beam_width=tf.constant(17))
for name, call in [("wrong dtype", lambda: serve(text=tf.constant([1.0]))),
                   ("wrong rank", lambda: serve(text=tf.constant([["a", "b"]])))]:
    try:
        call()
        results[name] = "no error"
    except (tf.errors.InvalidArgumentError, ValueError, TypeError) as error:
        results[name] = "rejected: " + str(error)[:200]
print(json.dumps(results))
"""


def test_recipe_trains_evaluates_exports_and_serves(tmp_path):
    from importlib import util

    spec = util.spec_from_file_location("seq2seq_translation_recipe", RECIPES / "seq2seq_translation.py")
    recipe = util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    data = write_pairs(tmp_path / "spa.txt")
    run_dir, export_root = tmp_path / "run", tmp_path / "export"
    assert recipe.main(["--data", str(data), "--quick", "--max-pairs", "600", "--units", "16", "--embedding-dim", "8",
                        "--evaluation-pairs", "40", "--beam-width", "3", "--run-dir", str(run_dir),
                        "--export-root", str(export_root)]) == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics["metrics"]) == {"greedy", "beam"}
    for values in metrics["metrics"].values():
        assert 0 <= values["bleu"] <= 100 and values["pairs"] == 40
    assert len(metrics["samples"]) == 10
    for name in ("attention.png", "history.png", "vocabulary.json", "translator.weights.h5"):
        assert (run_dir / name).exists(), name
    export_path = export_root / task.MODEL_NAME / "1"

    vocabulary = json.loads((run_dir / "vocabulary.json").read_text())
    config = TranslationConfig(quick=True, units=16, embedding_dim=8)
    translator = Translator(vocabulary["source"], vocabulary["target"], config.cell, config.units,
                            config.embedding_dim, config.attention, config.dropout)
    translator((tf.constant([[2]]), tf.constant([[2]])))
    translator.load_weights(run_dir / "translator.weights.h5")
    known = ["Yo veo la casa hoy.", "Tomás vende el barco mañana."]
    expected_beam = translator.translate(known, "beam", beam_width=3)
    # The validation scores fit logged are those of the whole validation split.
    validation = task.pair_dataset(translator, spa_eng.load(str(data)).validation, config, shuffle=False)
    translator.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
                       metrics=[task.masked_accuracy])
    loss, accuracy = translator.evaluate(validation, verbose=0)
    history = json.loads((run_dir / "history.json").read_text())
    assert history["val_loss"][-1] == pytest.approx(loss, rel=1e-4)
    assert history["val_masked_accuracy"][-1] == pytest.approx(accuracy, rel=1e-4)

    completed = subprocess.run([sys.executable, "-c", RELOAD, str(export_path)], capture_output=True, text=True,
                               timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["known"] == expected_beam
    assert results["beam 3"] == expected_beam
    assert results["beam 1"] == translator.translate(known, "greedy")
    for name in ("empty and whitespace", "unknown words", "emoji and mixed scripts", "invalid UTF-8 and NUL",
                 "one megabyte", "over 100 words", "mixed batch"):
        assert isinstance(results[name], list) and all("[" not in text for text in results[name]), name
    assert results["batch of 0"] == [] and len(results["mixed batch"]) == 4
    assert results["mixed batch"][0] == results["known"][0]
    assert len(results["batch of 1000"]) == 1000 and len(set(results["batch of 1000"])) == 1
    for name in ("beam 0", "beam 17"):
        assert results[name].startswith("InvalidArgument") and "beam_width must be in [1, 16]" in results[name]
    assert results["wrong dtype"].startswith("rejected") and results["wrong rank"].startswith("rejected")

    # Scoring the run again without training gives the same scores and a second version.
    assert recipe.main(["--data", str(data), "--quick", "--max-pairs", "600", "--units", "16", "--embedding-dim", "8",
                        "--evaluation-pairs", "40", "--beam-width", "3", "--run-dir", str(run_dir),
                        "--export-root", str(export_root), "--evaluate-only"]) == 0
    again = json.loads((run_dir / "metrics.json").read_text())
    for decoding in ("greedy", "beam"):
        assert again["metrics"][decoding]["bleu"] == pytest.approx(metrics["metrics"][decoding]["bleu"])
    assert again["epochs_trained"] == metrics["epochs_trained"] == 1
    assert (export_root / task.MODEL_NAME / "2" / "saved_model.pb").exists()


def test_evaluate_only_needs_a_trained_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no vocabulary.json or best.weights.h5: train there first"):
        task.load_run(tmp_path, TranslationConfig())


def test_recipe_rejects_bad_flags(capsys):
    from importlib import util

    spec = util.spec_from_file_location("seq2seq_translation_recipe", RECIPES / "seq2seq_translation.py")
    recipe = util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    with pytest.raises(SystemExit):
        recipe.main(["--beam-width", "40"])
    assert "beam_width" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    assert "--attention" in capsys.readouterr().out
