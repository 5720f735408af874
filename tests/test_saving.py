import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

from seqapps import saving
from seqapps.layers import CharVocabulary, MaskedGlobalPooling1D, NgramScores, TokenWindow
from seqapps.tasks.seq2seq_translation import Translator

PACKAGE = Path(saving.__file__).parent


def test_every_registered_class_is_registered_by_the_listed_modules():
    """Importing `SERIALIZABLE_MODULES` alone (a fresh process) registers every class the package registers."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        names |= set(
            re.findall(r"register_keras_serializable\(package=\"seqapps\"\)\s*\n(?:class|def) (\w+)", path.read_text())
        )
    assert {"LSTMCell", "MaskedGlobalPooling1D", "CharVocabulary"} <= names
    code = (
        "import importlib, json, sys, keras\n"
        "from seqapps import saving\n"
        "for module in saving.SERIALIZABLE_MODULES: importlib.import_module(module)\n"
        "names = json.loads(sys.argv[1])\n"
        "print(json.dumps(sorted(name for name in names "
        "if keras.saving.get_registered_object('seqapps>' + name) is None)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(sorted(names))], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_import_seqapps_lets_plain_keras_load_a_model_with_seqapps_cells(tmp_path):
    """As with keras_hub: after `import seqapps`, `keras.models.load_model` knows every seqapps class."""
    from seqapps.cells import LSTMCell

    inputs = keras.Input((3, 2))
    model = keras.Model(inputs, keras.layers.RNN(LSTMCell(4))(inputs))
    batch = np.arange(12, dtype="float32").reshape(2, 3, 2) / 10
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "expected.npy", model(batch).numpy())
    code = (
        "import sys, numpy as np\n"
        "import seqapps, keras\n"
        "model = keras.models.load_model(sys.argv[1])\n"
        "batch = np.arange(12, dtype='float32').reshape(2, 3, 2) / 10\n"
        "np.testing.assert_allclose(model(batch).numpy(), np.load(sys.argv[2]), rtol=1e-6)\n"
        "print(type(model.layers[1].cell).__module__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "model.keras"), str(tmp_path / "expected.npy")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "seqapps.cells.lstm_cell"


# Where the registered classes lived before `seqapps.layers` became a package.
PREVIOUS_MODULES = {
    "MaskedGlobalPooling1D": "seqapps.masked_global_pooling",
    "NgramScores": "seqapps.ngram_scores",
    "TokenWindow": "seqapps.token_window",
    "CharVocabulary": "seqapps.char_vocabulary",
    "Translator": "seqapps.tasks.seq2seq_translation",  # before the task became a package
}


def _with_previous_modules(path):
    """Rewrites a `.keras` file's config as the previous layout wrote it (classes at their old modules)."""

    def rewrite(value):
        if isinstance(value, dict):
            if value.get("class_name") in PREVIOUS_MODULES and "module" in value:
                value = {**value, "module": PREVIOUS_MODULES[value["class_name"]]}
            return {key: rewrite(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        return value

    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(contents["config.json"])
    contents["config.json"] = json.dumps(rewrite(config)).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return config


def test_a_model_saved_by_the_previous_layout_loads_in_a_fresh_process(tmp_path):
    texts = keras.Input((), dtype="string")
    words = keras.layers.TextVectorization(vocabulary=["a", "b", "c", "d"], ragged=True)(texts)
    windowed = TokenWindow(4, "head_tail")(words)
    pooled = MaskedGlobalPooling1D("max")(keras.layers.Embedding(6, 2, mask_zero=True)(windowed))
    scores = NgramScores(6, ngrams=2, buckets=8, scores_initializer="random_normal")(windowed)
    model = keras.Model(texts, keras.layers.Concatenate()([pooled, scores]))
    batch = np.array(["a b c d a", "d c"])
    expected = model(batch).numpy()
    model.save(tmp_path / "model.keras")
    saved = json.dumps(_with_previous_modules(tmp_path / "model.keras"))
    rewritten = zipfile.ZipFile(tmp_path / "model.keras").read("config.json").decode()
    for class_name in ("MaskedGlobalPooling1D", "NgramScores", "TokenWindow"):
        module = PREVIOUS_MODULES[class_name]
        assert f'"module": "{module}"' not in saved and f'"module": "{module}"' in rewritten
    # CharVocabulary is a weightless layer the char task holds outside a functional graph: its serialized form.
    vocabulary = keras.saving.serialize_keras_object(CharVocabulary("abc"))
    assert vocabulary["module"] == "seqapps.layers.char_vocabulary"
    (tmp_path / "vocabulary.json").write_text(json.dumps({**vocabulary, "module": "seqapps.char_vocabulary"}))
    code = (
        "import json, sys, keras, numpy as np\n"
        "from seqapps import saving\n"
        "model = saving.load_model(sys.argv[1])\n"
        "np.save(sys.argv[2], model(np.array(['a b c d a', 'd c'])).numpy())\n"
        "vocabulary = keras.saving.deserialize_keras_object(json.loads(open(sys.argv[3]).read()))\n"
        "assert vocabulary(np.array(['cab'])).to_list() == [[3, 1, 2]], vocabulary\n"
    )
    arguments = [str(tmp_path / name) for name in ("model.keras", "out.npy", "vocabulary.json")]
    subprocess.run([sys.executable, "-c", code, *arguments], check=True, capture_output=True, text=True)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-6)


# The weights of a `Translator` file as the previous layout wrote them (before the task became a package and its
# attention a seqapps layer): a model's layers by attribute name, those after `layers` alphabetically by class
# name and position among its layers.
PREVIOUS_TRANSLATOR_WEIGHTS = {
    "luong": [
        "bridges/dense/vars/0",
        "bridges/dense/vars/1",
        "combine/vars/0",
        "combine/vars/1",
        "combine_norm/vars/0",
        "combine_norm/vars/1",
        "decoder/cell/vars/0",
        "decoder/cell/vars/1",
        "decoder/cell/vars/2",
        "encoder/backward_layer/cell/vars/0",
        "encoder/backward_layer/cell/vars/1",
        "encoder/backward_layer/cell/vars/2",
        "encoder/forward_layer/cell/vars/0",
        "encoder/forward_layer/cell/vars/1",
        "encoder/forward_layer/cell/vars/2",
        "key_projection/vars/0",
        "layers/dense_3/vars/0",
        "layers/dense_3/vars/1",
        "layers/embedding/vars/0",
        "layers/embedding_1/vars/0",
    ],
    "bahdanau": [
        "bridges/dense/vars/0",
        "bridges/dense/vars/1",
        "bridges/dense_1/vars/0",
        "bridges/dense_1/vars/1",
        "combine/vars/0",
        "combine/vars/1",
        "combine_norm/vars/0",
        "combine_norm/vars/1",
        "decoder/cell/vars/0",
        "decoder/cell/vars/1",
        "decoder/cell/vars/2",
        "encoder/backward_layer/cell/vars/0",
        "encoder/backward_layer/cell/vars/1",
        "encoder/backward_layer/cell/vars/2",
        "encoder/forward_layer/cell/vars/0",
        "encoder/forward_layer/cell/vars/1",
        "encoder/forward_layer/cell/vars/2",
        "key_projection/vars/0",
        "layers/additive_attention/vars/0",
        "layers/dense_3/vars/0",
        "layers/dense_5/vars/0",
        "layers/dense_5/vars/1",
        "layers/embedding/vars/0",
        "layers/embedding_1/vars/0",
    ],
}


@pytest.mark.parametrize("cell, attention", [("gru", "luong"), ("lstm", "bahdanau")])
def test_a_translator_saved_by_the_previous_layout_loads_in_a_fresh_process(tmp_path, cell, attention):
    translator = Translator(
        ["", "[UNK]", ".", "yo", "veo"],
        ["", "[UNK]", "[start]", "[end]", ".", "i", "see"],
        cell=cell,
        units=4,
        embedding_dim=3,
        attention=attention,
        dropout=0.0,
    )
    inputs = (np.array([[3, 4, 2]], "int32"), np.array([[2, 5, 6]], "int32"))
    expected = translator(inputs).numpy()
    expected_translation = translator.translate(["Yo veo."], "greedy", max_length=6)
    path = tmp_path / "translator.keras"
    translator.save(path)
    assert _with_previous_modules(path)["module"] == "seqapps.tasks.seq2seq_translation.model"
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("config.json"))["module"] == "seqapps.tasks.seq2seq_translation"
        (tmp_path / "weights.h5").write_bytes(archive.read("model.weights.h5"))
    with h5py.File(tmp_path / "weights.h5", "r") as weights:
        datasets = []
        weights.visititems(lambda name, item: datasets.append(name) if isinstance(item, h5py.Dataset) else None)
    assert sorted(datasets) == PREVIOUS_TRANSLATOR_WEIGHTS[attention]
    code = (
        "import json, sys, numpy as np\n"
        "from seqapps import saving\n"
        "translator = saving.load_model(sys.argv[1])\n"
        "np.save(sys.argv[2], translator((np.array([[3, 4, 2]]), np.array([[2, 5, 6]]))).numpy())\n"
        "print(json.dumps(translator.translate(['Yo veo.'], 'greedy', max_length=6)))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(path), str(tmp_path / "out.npy")], check=True, capture_output=True, text=True
    )
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, rtol=1e-6)
    assert json.loads(completed.stdout.splitlines()[-1]) == expected_translation


def test_load_model_round_trip(tmp_path):
    inputs = keras.Input((3, 2))
    model = keras.Model(inputs, MaskedGlobalPooling1D("max")(inputs))
    model.save(tmp_path / "model.keras")
    batch = np.arange(12, dtype="float32").reshape(2, 3, 2)
    np.testing.assert_allclose(saving.load_model(tmp_path / "model.keras")(batch), model(batch))


def test_load_model_refuses_code_hidden_in_a_keras_file(tmp_path):
    """A `.keras` file can carry Python bytecode (a `Lambda` layer's function); safe mode never runs it."""
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda values: values * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        saving.load_model(tmp_path / "lambda.keras")


def test_nothing_in_the_package_unpickles():
    """Loading goes through `saving.load_model` (safe mode), JSON, `.weights.h5` and `np.load(allow_pickle=False)`."""
    unsafe = re.compile(
        r"\bimport (c?pickle|dill|joblib|shelve|marshal)\b|\bpickle\.loads?\(|safe_mode\s*=\s*False"
        r"|allow_pickle\s*=\s*True|enable_unsafe_deserialization|\bnp\.load\((?![^)]*allow_pickle=False)"
    )
    sources = [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "recipes").glob("*.py")]
    found = [
        f"{path}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if unsafe.search(line)
    ]
    assert len(sources) > 20 and found == []
