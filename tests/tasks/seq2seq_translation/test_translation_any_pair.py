"""Translation beyond Spanish -> English: other scripts, other columns and directions, WordPiece subwords, the
export of a subword model served in a fresh process, and the preset's flags kept."""

import itertools
import json
import subprocess
import sys

import pytest
import tensorflow as tf

from seqapps import text
from seqapps.tasks import seq2seq_translation as task
from seqapps.tasks.seq2seq_translation import TranslationConfig, Translator

# A made-up Chinese <-> English <-> Russian corpus: subject, verb, object.
SUBJECTS = [("我", "I", "Я"), ("你", "You", "Ты"), ("他", "He", "Он"), ("她", "She", "Она")]
VERBS = [("看见", "see", "вижу"), ("想要", "want", "хочу"), ("买", "buy", "покупаю"), ("卖", "sell", "продаю")]
OBJECTS = [
    ("房子", "the house", "дом"),
    ("狗", "the dog", "собаку"),
    ("车", "the car", "машину"),
    ("书", "the book", "книгу"),
    ("桌子", "the table", "стол"),
    ("钥匙", "the key", "ключ"),
]
WHEN = [("今天", "today", "сегодня"), ("现在", "now", "сейчас"), ("明天", "tomorrow", "завтра")]

# The flags of recipes/seq2seq_translation.py before it learned other languages: each must stay.
PRESET_FLAGS = (
    "--config --preset --quick --debug --data --max-pairs --source-vocabulary-size --target-vocabulary-size "
    "--max-training-words --cell --units --embedding-dim --attention --dropout --epochs --batch-size "
    "--learning-rate --clipnorm --patience --time-budget-minutes --verbose --evaluate-only --beam-width "
    "--max-length --evaluation-pairs --export-root --run-dir --restart --seed"
).split()

RELOAD = """
import json, sys
import tensorflow as tf
import tensorflow_text
model = tf.saved_model.load(sys.argv[1])
serve, beam = model.signatures["serving_default"], model.signatures["beam_search"]
texts = json.loads(sys.argv[2])
results = {
    "one": [t.decode() for t in serve(text=tf.constant(texts[:1]))["translation"].numpy()],
    "all": [t.decode() for t in serve(text=tf.constant(texts))["translation"].numpy()],
    "beam 1": [t.decode() for t in beam(text=tf.constant(texts), beam_width=tf.constant(1))["translation"].numpy()],
    "odd": [t.decode() for t in serve(text=tf.constant(["", "😀 zzz", "猫"]))["translation"].numpy()],
}
print(json.dumps(results, ensure_ascii=False))
"""


def write_corpus(path, header=True):
    """`id<TAB>zh<TAB>en<TAB>ru` (with a header row) for 288 made-up sentences."""
    lines = ["id\tzh\ten\tru"] if header else []
    for index, parts in enumerate(itertools.product(SUBJECTS, VERBS, OBJECTS, WHEN)):
        zh = "".join(part[0] for part in parts) + "。"
        en = " ".join(part[1] for part in parts) + "."
        ru = " ".join(part[2] for part in parts) + "."
        lines.append(f"{index}\t{zh}\t{en}\t{ru}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_other_scripts_keep_their_letters_as_tokens():
    source, target = task.STANDARDIZERS["any_script"]
    assert text.standardize_any_script is source
    assert target(["Я вижу дом!"]).numpy()[0].decode() == "[start] я вижу дом ! [end]"
    vocabulary = task.build_vocabulary(["我看见房子。", "Я вижу дом.", "Я вижу собаку."], source, 100)
    assert {"我", "看", "房", "。", "я", "вижу", "дом", "собаку"} <= set(vocabulary)
    translator = Translator(vocabulary, ["", "[UNK]", "[start]", "[end]", "i"], units=4, standardization="any_script")
    ids = translator.source_ids(tf.constant(["Я вижу дом.", "我看见房子"])).numpy()
    words = [[vocabulary[index] for index in row if index] for row in ids]
    assert words == [["я", "вижу", "дом", "."], ["我", "看", "见", "房", "子"]]
    # The preset's standardization drops them: the recipe says so instead of training on punctuation.
    config = TranslationConfig()
    with pytest.raises(ValueError, match=r"lose all their letters \(e.g. 'Я вижу дом.' -> '.'\).*any_script"):
        task.check_standardization(config, [("Я вижу дом.", "I see the house.")] * 10)
    task.check_standardization(config, [("Yo veo la casa.", "I see the house.")] * 10)
    assert task.standardize_without_accents(["Ёлка, CAFÉ! हिन्दी"]).numpy()[0].decode() == "елка , cafe ! हिन्दी"


@pytest.mark.parametrize(
    "sentence, standardization, expected",
    [
        ("我 喜 欢 猫 。 你 呢 ?", "any_script", "我喜欢猫。你呢?"),
        ("it ' s a well - known fact : 3 . 5 % !", "any_script", "It's a well-known fact: 3.5%!"),
        ("« да » ( нет ) , ок", "any_script", "«да» (нет), ок"),
        ("¿ donde esta ? ok .", "latin", "¿donde esta? ok."),
    ],
)
def test_detokenize_text(sentence, standardization, expected):
    assert task.detokenize_text(tf.constant([sentence]), standardization).numpy()[0].decode() == expected


def test_subword_round_trip_and_unknown_words():
    sentences = [line.split("\t")[3] for line in _corpus_lines()] + ["Кошка спит."]
    standardize = text.standardize_any_script
    vocabulary = task.build_subword_vocabulary(sentences, standardize, 60, reserved=(task.START, task.END))
    assert vocabulary[:4] == ["", "[UNK]", "[start]", "[end]"] and any(p.startswith("##") for p in vocabulary)
    vectorize = task.SubwordVectorizer(vocabulary, standardize)
    probes = ["Я покупаю машину завтра.", "Кошка спит.", "Она продаю ключи сегодня."]
    ids = vectorize(tf.constant(probes))
    pieces = tf.gather(tf.constant(vocabulary), tf.RaggedTensor.from_tensor(ids, padding=0))
    joined = task.join_subwords(tf.strings.reduce_join(pieces, axis=-1, separator=" "))
    assert [line.decode() for line in joined.numpy()] == [line.decode() for line in standardize(probes).numpy()]
    # "ключи" was never seen whole: it is pieces, not [UNK].
    assert 1 not in ids.numpy()[2] and ids.shape[1] > len("я покупаю машину завтра .".split())
    config = vectorize.get_config()
    assert config["standardize"] == "seqapps>standardize_any_script"
    again = task.SubwordVectorizer.from_config(config)
    assert (again(tf.constant(probes)).numpy() == ids.numpy()).all()
    with pytest.raises(ValueError, match="starts with ''"):
        task.SubwordVectorizer(["[UNK]", "a"], standardize)


def _corpus_lines():
    return [
        f"{index}\t{''.join(p[0] for p in parts)}\t{' '.join(p[1] for p in parts)}.\t{' '.join(p[2] for p in parts)}."
        for index, parts in enumerate(itertools.product(SUBJECTS, VERBS, OBJECTS, WHEN))
    ]


def test_config_checks_and_preset_flags(capsys):
    from seqapps.recipes import seq2seq_translation as recipe

    assert TranslationConfig(source_column=2, target_column="en").source_column == "2"
    for settings, fragment in (
        ({"source_column": 0}, "both '0'"),
        ({"standardization": "ascii"}, "Unknown standardization 'ascii'"),
        ({"tokens": "bytes"}, "Unknown tokens 'bytes'"),
        ({"model_name": "a/b"}, "model_name"),
    ):
        with pytest.raises(ValueError, match=fragment):
            TranslationConfig(**settings)
    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    help_text = capsys.readouterr().out
    for flag in PRESET_FLAGS + ["--source-column", "--tokens", "--standardization", "--test-data", "--model-name"]:
        assert flag in help_text, flag
    defaults = TranslationConfig()
    assert (defaults.data, defaults.standardization, defaults.tokens, defaults.model_name) == (
        None,
        "latin",
        "word",
        "spa_eng_translator",
    )


def test_recipe_errors_name_the_file_line_and_fix(tmp_path, capsys):
    from seqapps import console
    from seqapps.recipes import seq2seq_translation as recipe

    path = write_corpus(tmp_path / "corpus.tsv")
    for arguments, fragment in (
        (["--source-column", "fr", "--target-column", "en"], "no column named 'fr'; the columns are"),
        (["--source-column", "zh", "--target-column", "en"], "lose all their letters"),
    ):
        status = console.run(recipe.main, ["--data", str(path), *arguments, "--run-dir", str(tmp_path / "run")])
        error = capsys.readouterr().err
        assert status == 2 and error.startswith("error: ") and fragment in error


@pytest.mark.large  # trains and exports: about 20-40 s on 2 shared cores
def test_chinese_to_english_subwords_trains_exports_and_serves_at_two_batch_sizes(tmp_path):
    from seqapps.recipes import seq2seq_translation as recipe

    data = write_corpus(tmp_path / "corpus.tsv")
    run_dir, export_root = tmp_path / "run", tmp_path / "export"
    arguments = ["--data", str(data), "--source-column", "zh", "--target-column", "en", "--quick"]
    arguments += ["--standardization", "any_script", "--tokens", "subword", "--units", "8", "--embedding-dim", "8"]
    arguments += ["--source-vocabulary-size", "80", "--target-vocabulary-size", "80", "--evaluation-pairs", "8"]
    arguments += ["--beam-width", "2", "--max-length", "12", "--model-name", "zh_en"]
    assert (
        recipe.main(arguments + ["--run-dir", str(run_dir), "--export-root", str(export_root), "--verbose", "0"]) == 0
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["metrics"]["beam"]["bleu_tokenization"] == "13a" and metrics["samples"][0]["source"].endswith("。")
    vocabulary = json.loads((run_dir / "vocabulary.json").read_text())
    assert {"房", "狗"} <= set(vocabulary["source"]) and any(p.startswith("##") for p in vocabulary["target"])
    assert "split by unique source sentence" in metrics["data"]

    translator = task.load_run(run_dir)
    assert (translator.tokens, translator.standardization) == ("subword", "any_script")
    sentences = ["我看见房子今天。", "她卖狗明天。", "他买书现在。"]
    expected = translator.translate(sentences, "beam", beam_width=2, max_length=12)
    assert all("##" not in sentence and "[" not in sentence for sentence in expected)
    completed = subprocess.run(
        [sys.executable, "-c", RELOAD, str(export_root / "zh_en" / "1"), json.dumps(sentences)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["all"] == expected and results["one"] == expected[:1]
    assert results["beam 1"] == translator.translate(sentences, "greedy", max_length=12)
    assert len(results["odd"]) == 3


@pytest.mark.large  # trains and exports: about 20-40 s on 2 shared cores
def test_english_to_russian_words_trains_a_step(tmp_path):
    data = tmp_path / "rus.txt"
    data.write_text(
        "\n".join(f"{line.split(chr(9))[2]}\t{line.split(chr(9))[3]}\tCC-BY #1" for line in _corpus_lines()) + "\n",
        encoding="utf-8",
    )
    config = TranslationConfig(
        data=str(data),
        source_column=0,
        target_column=1,
        standardization="any_script",
        units=8,
        embedding_dim=8,
        epochs=1,
        batch_size=64,
        evaluation_pairs=4,
        beam_width=2,
        max_length=8,
        run_dir=str(tmp_path / "run"),
        export_root=str(tmp_path / "export"),
        model_name="en_ru",
        verbose=0,
    )
    result = task.train(config)
    vocabulary = json.loads((tmp_path / "run" / "vocabulary.json").read_text())
    assert {"see", "house"} <= set(vocabulary["source"]) and {"вижу", "дом", "собаку"} <= set(vocabulary["target"])
    assert result.samples[0]["source"].isascii() and result.export_path.parent.name == "en_ru"
    assert result.epochs_trained == 1
