"""What the character-generation tests share: a small text, a small config and a generator for it."""

from pathlib import Path

from seqapps.layers.char_vocabulary import CharVocabulary
from seqapps.tasks import char_generation as task
from seqapps.tasks.char_generation import CharGenerationConfig, CharGenerator

RECIPES = Path(__file__).resolve().parents[3] / "recipes"

TEXT = "".join(f"ROMEO {index}: O, ça — she doth teach the torches to burn bright!\n" for index in range(150))


def small_config(tmp_path=None, **overrides):
    arguments = dict(
        cell="gru",
        units=8,
        layers=1,
        embedding_dim=4,
        sequence_length=16,
        batch_size=4,
        epochs=1,
        dropout=0.0,
        sample_length=20,
        verbose=0,
        ensemble=1,
    )
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
