"""char_generation/model.py and generator.py: stepping, ensembles, reading prompts, sampling, generating."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf
from char_generation_helpers import TEXT, generator_for, small_config

from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.tasks import char_generation as task
from seqapps.tasks.char_generation import CharGenerator


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
    np.testing.assert_allclose(
        tf.nn.softmax(logits), np.mean([tf.nn.softmax(each) for each, _ in outputs], axis=0), rtol=1e-5, atol=1e-7
    )
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
        alone_logits, alone_state = generator.read(
            generator.vocabulary(tf.constant([prompt])), generator.initial_state(1)
        )
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
    np.testing.assert_array_equal(
        generator.sample(logits, temperature, seed), generator.sample(logits, temperature, seed)
    )


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
