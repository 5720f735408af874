"""The character-generation recipe: vocabulary, data, sampling, state handling, export."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqapps.tasks import char_generation as task
from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.tasks.char_generation import CharGenerationConfig, CharGenerator

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
TEXT = "".join(f"ROMEO {index}: O, ça — she doth teach the torches to burn bright!\n" for index in range(150))


def small_config(tmp_path=None, **overrides):
    arguments = dict(cell="gru", units=8, layers=1, embedding_dim=4, sequence_length=16, batch_size=4, epochs=1,
                     dropout=0.0, sample_length=20, verbose=0, ensemble=1)
    if tmp_path is not None:
        text = tmp_path / "text.txt"
        text.write_text(TEXT, encoding="utf-8")
        arguments.update(text=str(text), run_dir=str(tmp_path / "run"), export_root=str(tmp_path / "export"))
    return CharGenerationConfig(**{**arguments, **overrides})


def generator_for(config, text=TEXT):
    vocabulary = CharVocabulary.from_text(text)
    model = task.build_language_model(config, vocabulary.size)
    generator = CharGenerator(config, vocabulary)
    generator.copy_weights_from(model)
    return model, generator


# --- config ------------------------------------------------------------------------


@pytest.mark.parametrize("arguments, fragment", [
    (dict(cell="transformer"), "Unknown cell"),
    (dict(units=0), "`units` must be a positive integer"),
    (dict(ensemble=0), "`ensemble` must be a positive integer"),
    (dict(dropout=1.0), "`dropout`"),
    (dict(temperature=0.0), "`temperature`"),
    (dict(top_p=1.5), "`top_p`"),
    (dict(top_k=0), "`top_k`"),
    (dict(max_characters=10), "`max_characters`"),
    (dict(time_budget_minutes=-1), "`time_budget_minutes`"),
    (dict(decode_errors="ignore"), "`decode_errors`"),
    (dict(weight_decay=-0.1), "`weight_decay` must be in \\[0, 1\\), got -0.1"),
    (dict(recurrent_dropout=1.0), "`recurrent_dropout` must be in \\[0, 1\\), got 1.0"),
    (dict(ema_momentum=1.0), "`ema_momentum` must be in \\[0, 1\\), got 1.0"),
    (dict(ema_momentum=None), "`ema_momentum` must be in \\[0, 1\\), got None"),
    (dict(ema_momentum="0.9"), "`ema_momentum` must be in"),
])
def test_bad_config(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        CharGenerationConfig(**arguments)


def test_quick_shrinks_the_run():
    config = CharGenerationConfig(quick=True)
    assert (config.epochs, config.layers, config.ensemble, config.max_characters) == (1, 1, 1, 200_000)
    assert config.units <= 64 and config.batch_size <= 32


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_weight_decay_shrinks_the_kernels_and_embedding_but_not_the_biases(weight_decay):
    config = small_config(learning_rate=0.01, weight_decay=weight_decay)
    model = task.build_language_model(config, vocabulary_size=5)
    before = {variable.path: np.array(variable) for variable in model.trainable_variables}
    model.get_layer("logits").bias.assign(np.ones(5, np.float32))
    before[model.get_layer("logits").bias.path] = np.ones(5, np.float32)
    optimizer = task.build_optimizer(config, config.learning_rate)
    # Zero gradients: Adam moves nothing, so any change is the weight decay's.
    optimizer.apply_gradients([(tf.zeros_like(variable), variable) for variable in model.trainable_variables])
    for variable in model.trainable_variables:
        expected = before[variable.path]
        if weight_decay and variable.name != "bias":
            expected = expected * (1 - weight_decay * 0.01)
        np.testing.assert_allclose(np.array(variable), expected, rtol=1e-6, err_msg=variable.path)


@pytest.mark.parametrize("requested, planned_steps, expected, note", [
    (0.999, 5643, 0.999, ", weight average (EMA 0.999)"),  # the default on Tiny Shakespeare: 9 epochs x 627 steps
    (0.999, 125, 0.96, ", weight average (EMA 0.96, lowered from 0.999 for 125 steps)"),  # --quick
    (0.9, 100, 0.9, ", weight average (EMA 0.9)"),
    (0.999, 5, 0.0, ", no weight average (5 steps are too few to average over)"),
    (0.0, 5643, 0.0, ""),
])
def test_the_weight_average_forgets_the_first_weights(requested, planned_steps, expected, note):
    momentum = task.averaging_momentum(requested, planned_steps)
    assert momentum == pytest.approx(expected)
    if momentum:
        assert momentum ** planned_steps < 0.01  # what the first steps' weights count for at the end
    assert task.build_optimizer(small_config(), 0.01, momentum).use_ema == bool(expected)
    assert task.averaging_note(requested, momentum, planned_steps) == note


# --- data ------------------------------------------------------------------------


def test_tbptt_batches_continue_each_stream():
    config = small_config()
    ids = np.arange(1000, dtype=np.int32)
    batches = list(task.stream_dataset(ids, config).as_numpy_iterator())
    assert len(batches) == (999 // 4) // 16
    for (inputs, targets), (next_inputs, _) in zip(batches, batches[1:]):
        assert inputs.shape == (4, 16)
        np.testing.assert_array_equal(targets, inputs + 1)
        np.testing.assert_array_equal(next_inputs[:, 0], inputs[:, -1] + 1)  # each row picks up where it stopped
    starts = batches[0][0][:, 0]
    assert len(set(np.diff(starts))) == 1 and starts[1] > starts[0]  # rows are distinct contiguous streams
    with pytest.raises(ValueError, match="too few"):
        task.stream_dataset(ids[:40], config)


def test_independent_windows_cover_the_text():
    config = small_config()
    ids = np.arange(200, dtype=np.int32)
    inputs, targets = zip(*task.window_dataset(ids, config, shuffle=False).unbatch().as_numpy_iterator())
    assert len(inputs) == 199 // 16
    np.testing.assert_array_equal(np.concatenate(targets), np.concatenate(inputs) + 1)


# --- generator ---------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["lstm", "gru", "elman", "keras_lstm", "keras_gru"])
def test_generator_steps_match_the_language_model(cell):
    config = small_config(cell=cell, layers=2)
    model, generator = generator_for(config)
    ids = np.random.default_rng(0).integers(1, generator.vocabulary.size, (2, 9)).astype(np.int32)
    expected = model(ids).numpy()
    state = generator.initial_state(2)
    for position in range(9):
        logits, state = generator.step(tf.constant(ids[:, position]), state)
        np.testing.assert_allclose(logits.numpy(), expected[:, position], atol=1e-5)
    assert state.shape == (2, generator.state_size)


def test_an_ensemble_averages_its_members_distributions():
    config = small_config(cell="lstm", layers=2)
    vocabulary = CharVocabulary.from_text(TEXT)
    models = [task.build_language_model(config, vocabulary.size) for _ in range(2)]
    singles = []
    for model in models:
        single = CharGenerator(config, vocabulary)
        single.copy_weights_from(model)
        singles.append(single)
    ensemble = CharGenerator(dataclasses.replace(config, ensemble=2), vocabulary)
    ensemble.copy_weights_from(models)
    assert ensemble.state_size == 2 * singles[0].state_size
    ids = tf.constant([3, 7, 1])
    states = [single.initial_state(3) + 0.1 * index for index, single in enumerate(singles)]
    outputs = [single.step(ids, state) for single, state in zip(singles, states)]
    logits, state = ensemble.step(ids, tf.concat(states, axis=-1))
    np.testing.assert_allclose(tf.nn.softmax(logits), np.mean([tf.nn.softmax(each) for each, _ in outputs], axis=0),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(state, tf.concat([each for _, each in outputs], axis=-1), rtol=1e-6)
    text_ids = vocabulary.encode_text(TEXT[:300])
    member_losses = [single.stream_loss(text_ids)[0] for single in singles]
    # The log of a mean probability is at least the mean of the logs (Jensen): an ensemble never scores worse.
    assert ensemble.stream_loss(text_ids)[0] <= np.mean(member_losses) + 1e-6
    with pytest.raises(ValueError, match="Expected 2 model\\(s\\), one per ensemble member, got 1"):
        ensemble.copy_weights_from(models[0])


def test_stream_loss_does_not_depend_on_the_window():
    model, generator = generator_for(small_config(cell="lstm"))
    ids = generator.vocabulary.encode_text(TEXT[:300])
    whole, count = generator.stream_loss(ids, window=512)
    windowed, windowed_count = generator.stream_loss(ids, window=7)
    assert count == windowed_count == 299
    assert whole == pytest.approx(windowed, rel=1e-5)
    direct = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(ids[None, 1:], model(ids[None, :-1]))
    assert whole == pytest.approx(float(direct), rel=1e-5)


def test_reading_rows_of_different_lengths_equals_reading_each_alone():
    _, generator = generator_for(small_config(cell="lstm"))
    prompts = tf.constant(["ROMEO", "O, ça!", "b"])
    logits, state = generator.read(generator.vocabulary(prompts), generator.initial_state(3))
    for row, prompt in enumerate(prompts.numpy()):
        alone_logits, alone_state = generator.read(generator.vocabulary(tf.constant([prompt])),
                                                   generator.initial_state(1))
        np.testing.assert_allclose(logits[row], alone_logits[0], atol=1e-5)
        np.testing.assert_allclose(state[row], alone_state[0], atol=1e-5)


def test_sampling_options():
    _, generator = generator_for(small_config())
    logits = tf.constant(np.random.default_rng(1).normal(size=(64, generator.vocabulary.size)) * 3, tf.float32)
    temperature = tf.ones([64])
    seed = tf.constant([1, 2])
    greedy = generator.sample(logits, temperature, seed, greedy=True).numpy()
    assert np.all(greedy == np.argmax(logits.numpy()[:, 1:], axis=1) + 1)  # never the unknown id
    np.testing.assert_array_equal(generator.sample(logits, temperature, seed, top_k=1).numpy(), greedy)
    np.testing.assert_array_equal(generator.sample(logits, temperature, seed, top_p=1e-6).numpy(), greedy)
    top3 = np.argsort(-logits.numpy()[:, 1:], axis=1)[:, :3] + 1
    drawn = generator.sample(logits, temperature * 5, seed, top_k=3).numpy()
    assert all(draw in row for draw, row in zip(drawn, top3))
    many = [generator.sample(logits * 0, temperature, tf.constant([3, step])).numpy() for step in range(20)]
    assert 0 not in np.concatenate(many) and len(np.unique(many)) > 5
    np.testing.assert_array_equal(generator.sample(logits, temperature, seed), generator.sample(logits, temperature, seed))


def test_generate_is_reproducible_and_respects_lengths():
    _, generator = generator_for(small_config())
    first = generator.generate(["ROMEO:", ""], length=25, temperature=1.0, seed=7)
    assert first == generator.generate(["ROMEO:", ""], length=25, temperature=1.0, seed=7)
    assert first != generator.generate(["ROMEO:", ""], length=25, temperature=1.0, seed=8)
    assert [len(text) for text in first] == [25, 25]
    assert "\ufffd" not in "".join(first)
    with pytest.raises(ValueError, match="length"):
        generator.generate(["a"], length=0)
    with pytest.raises(ValueError, match="temperature"):
        generator.generate(["a"], temperature=-1.0)


# --- end to end ----------------------------------------------------------------------

RELOAD = """
import json, sys
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
serve, step = model.signatures["serving_default"], model.signatures["step"]
size = int(sys.argv[2])
results = {}

def run(name, function, **inputs):
    try:
        outputs = function(**{key: tf.constant(value) for key, value in inputs.items()})
        results[name] = {key: value.numpy().tolist() if value.dtype != tf.string else
                         [text.decode("utf-8") for text in value.numpy()] for key, value in outputs.items()}
    except tf.errors.InvalidArgumentError as error:
        results[name] = "InvalidArgument: " + error.message

cases = {
    "near greedy": (["ROMEO 1: O, ", "ROMEO 1: O, "], [12, 5], [1e-4, 1e-4]),
    "empty and whitespace": (["", "   \\n\\t"], [6, 6], [1.0, 1.0]),
    "emoji, mixed scripts, unknown": (["😀 Ωμέγα 漢字 ça", "zzz"], [6, 6], [0.8, 0.8]),
    "invalid UTF-8 and NUL": ([b"\\xff\\xfeRO\\x00MEO"], [6], [1.0]),
    "one megabyte": (["ROMEO " * 180_000], [6], [1.0]),
    "batch of 0": ([], [], []),
    "batch of 1000": (["ROMEO"] * 1000, [2] * 1000, [1.0] * 1000),
    "length 0": (["a"], [0], [1.0]),
    "negative length": (["a"], [-5], [1.0]),
    "huge length": (["a"], [2_000_000_000], [1.0]),
    "temperature 0": (["a"], [3], [0.0]),
    "NaN temperature": (["a"], [3], [float("nan")]),
    "infinite temperature": (["a"], [3], [float("inf")]),
    "batch mismatch": (["a", "b"], [3], [1.0, 1.0]),
}
for name, (prompt, length, temperature) in cases.items():
    run(name, serve, prompt=tf.constant(prompt, tf.string), length=tf.constant(length, tf.int32),
        temperature=tf.constant(temperature, tf.float32))
zeros = [[0.0] * size] * 2
run("step", step, text=["ROMEO", "b"], state=zeros, temperature=[1.0, 1.0])
run("step empty text", step, text=["", "b"], state=zeros, temperature=[1.0, 1.0])
run("step NaN state", step, text=["a"], state=[[float("nan")] * size], temperature=[1.0])
try:
    step(text=tf.constant(["a"]), state=tf.zeros([1, size + 1]), temperature=tf.constant([1.0]))
    results["step wrong state width"] = "no error"
except (tf.errors.InvalidArgumentError, ValueError, TypeError) as error:
    results["step wrong state width"] = "rejected: " + str(error)[:200]
print(json.dumps(results))
"""


def test_train_evaluate_export_and_serve(tmp_path):
    config = small_config(tmp_path, cell="lstm", epochs=2, prompt="ROMEO 1: O, ", sample_length=15,
                          time_budget_minutes=60, ema_momentum=0.9)
    printed = []
    result = task.train(config, print_function=printed.append)
    assert result.epochs_trained == 2
    assert 0 < result.metrics["test"]["nats_per_character"] < np.log(CharVocabulary.from_text(TEXT).size)
    assert result.metrics["test"]["bits_per_character"] == pytest.approx(
        result.metrics["test"]["nats_per_character"] / np.log(2))
    assert sum("sample after epoch" in line for line in printed) == 2
    assert any("test:" in line and "bits/char" in line for line in printed)
    for name in ("history.png", "metrics.json", "vocabulary.json", "model.keras"):
        assert (result.run_dir / name).exists(), name
    assert result.export_path == tmp_path / "export" / task.MODEL_NAME / "1"

    vocabulary = CharVocabulary(json.loads((result.run_dir / "vocabulary.json").read_text())["characters"])
    generator = CharGenerator(config, vocabulary)
    reloaded = keras.saving.load_model(result.run_dir / "model.keras", safe_mode=True)
    assert reloaded.optimizer.use_ema and reloaded.optimizer.ema_momentum == 0.9
    generator.copy_weights_from(reloaded)
    expected = generator.generate(["ROMEO 1: O, "] * 2, length=12, greedy=True)

    completed = subprocess.run([sys.executable, "-c", RELOAD, str(result.export_path), str(generator.state_size)],
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["near greedy"]["text"] == [expected[0], expected[1][:5]]
    for name in ("empty and whitespace", "emoji, mixed scripts, unknown", "invalid UTF-8 and NUL", "one megabyte"):
        assert [len(text) for text in results[name]["text"]] == [6] * len(results[name]["text"]), name
    assert results["batch of 0"]["text"] == []
    assert len(results["batch of 1000"]["text"]) == 1000
    for name, fragment in [("length 0", "length must be in [1, 10000]"), ("negative length", "length must be"),
                           ("huge length", "length must be"), ("temperature 0", "temperature must be a positive"),
                           ("NaN temperature", "temperature must be"), ("infinite temperature", "temperature must"),
                           ("batch mismatch", "one value per prompt"), ("step empty text", "at least one character"),
                           ("step NaN state", "state holds NaN")]:
        assert results[name].startswith("InvalidArgument") and fragment in results[name], (name, results[name])
    assert results["step wrong state width"] != "no error"
    assert len(results["step"]["next_character"]) == 2
    assert np.all(np.isfinite(results["step"]["state"])) and np.shape(results["step"]["state"]) == (
        2, generator.state_size)


@pytest.mark.large  # 30 s; the interrupted-ensemble test below covers reuse and resuming in `make test`
def test_an_ensemble_trains_its_members_and_a_rerun_reuses_the_finished_ones(tmp_path):
    config = small_config(tmp_path, ensemble=2, time_budget_minutes=30, max_characters=1000)
    printed = []
    result = task.train(config, print_function=printed.append)
    assert result.epochs_trained == 2 and len(result.epoch_seconds) == 2
    assert sum("--- member" in line for line in printed) == 2
    for member, seed in ((1, config.seed), (2, config.seed + 1)):
        folder = result.run_dir / f"member_{member}"
        assert (folder / "model.keras").exists() and (folder / "history.png").exists()
        assert json.loads((folder / "member.json").read_text())["settings"]["seed"] == config.seed
        assert any(f"member {member} of 2 (seed {seed}, " in line for line in printed)
    # Member 2 shares out what member 1 left of the budget.
    assert any(f"member 2 of 2 (seed 1338, {30 - result.epoch_seconds[0] / 60:.1f} minutes)" in line
               for line in printed), printed
    members = [keras.saving.load_model(result.run_dir / f"member_{k}" / "model.keras") for k in (1, 2)]
    vocabulary = CharVocabulary(json.loads((result.run_dir / "vocabulary.json").read_text())["characters"])
    generator = CharGenerator(config, vocabulary)
    generator.copy_weights_from(members)
    assert generator.stream_loss(vocabulary.encode_text(TEXT[:200]))[0] > 0
    step = tf.saved_model.load(str(result.export_path)).signatures["step"]
    assert step(text=tf.constant(["RO"]), state=tf.zeros([1, generator.state_size]),
                temperature=tf.constant([1.0]))["state"].shape == (1, generator.state_size)

    printed.clear()
    again = task.train(dataclasses.replace(config, sample_length=5), print_function=printed.append)
    assert sum("reusing the finished model" in line for line in printed) == 2
    assert not any("--- member" in line for line in printed)
    assert again.metrics == result.metrics and again.epoch_seconds == result.epoch_seconds

    for changed in (dict(restart=True), dict(learning_rate=0.01)):  # a restart, or other settings: trained again
        printed.clear()
        task.train(dataclasses.replace(config, **changed), print_function=printed.append)
        assert sum("--- member" in line for line in printed) == 2, changed
    Path(config.text).write_text(TEXT.replace("ROMEO", "JULIET"), encoding="utf-8")  # the same path, another text
    printed.clear()
    task.train(dataclasses.replace(config, learning_rate=0.01), print_function=printed.append)
    assert sum("--- member" in line for line in printed) == 2


def test_an_interrupted_ensemble_keeps_its_finished_member_and_resumes_the_other(tmp_path, monkeypatch, capsys):
    config = small_config(tmp_path, ensemble=2, epochs=2, max_characters=1000)
    uninterrupted = task.train(dataclasses.replace(config, run_dir=str(tmp_path / "uninterrupted")),
                               print_function=lambda line: None)

    def stop_in_member_2(sampler, epoch, logs=None):  # after the epoch's checkpoint, as a kill there would
        if sampler.config.seed == config.seed + 1:
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(task.PrintSample, "on_epoch_end", stop_in_member_2)
        with pytest.raises(KeyboardInterrupt):
            task.train(config, print_function=lambda line: None)
    capsys.readouterr()

    printed = []
    resumed = task.train(config, print_function=printed.append)
    assert sum("reusing the finished model" in line for line in printed) == 1
    assert f"Resuming the interrupted run in {tmp_path / 'run' / 'member_2'} after epoch 1" in capsys.readouterr().out
    assert resumed.metrics == uninterrupted.metrics


def test_windows_mode_and_the_recipe_script(tmp_path):
    config = small_config(tmp_path)
    completed = subprocess.run(
        [sys.executable, str(RECIPES / "char_generation.py"), "--text", config.text, "--no-tbptt", "--cell", "gru",
         "--units", "8", "--layers", "1", "--embedding-dim", "4", "--sequence-length", "16", "--batch-size", "4",
         "--epochs", "1", "--sample-length", "10", "--recurrent-dropout", "0.2", "--run-dir", config.run_dir,
         "--export-root", config.export_root],
        capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "independent windows" in completed.stdout
    assert "test:" in completed.stdout and "Exported to" in completed.stdout
    assert "Ensemble of 2 models, seeds 1337 to 1338" in completed.stdout  # the default
    assert (Path(config.export_root) / task.MODEL_NAME / "1" / "saved_model.pb").exists()
    model = keras.saving.load_model(Path(config.run_dir) / "member_2" / "model.keras", safe_mode=True)
    assert model.get_layer("gru_1").cell.recurrent_dropout == 0.2


def test_recipe_rejects_bad_flags(capsys):
    from importlib import util

    spec = util.spec_from_file_location("char_generation_recipe", RECIPES / "char_generation.py")
    recipe = util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    with pytest.raises(SystemExit):
        recipe.main(["--temperature", "0"])
    assert "temperature" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        recipe.main(["--help"])
    assert "--tbptt" in capsys.readouterr().out
