"""What the translation tests share: a file of made-up pairs and a small translator."""

import itertools

import tensorflow as tf

from seqapps.tasks.seq2seq_translation import Translator

SUBJECTS = [
    ("Yo", "I"),
    ("Tú", "You"),
    ("Él", "He"),
    ("Ella", "She"),
    ("Tomás", "Tom"),
    ("María", "Mary"),
    ("Nosotros", "We"),
    ("Ellos", "They"),
]

VERBS = [
    ("veo", "see"),
    ("quiero", "want"),
    ("tengo", "have"),
    ("busco", "look for"),
    ("compro", "buy"),
    ("vendo", "sell"),
    ("pinto", "paint"),
    ("lavo", "wash"),
    ("rompo", "break"),
    ("llevo", "carry"),
    ("traigo", "bring"),
    ("encuentro", "find"),
]

OBJECTS = [
    ("la casa", "the house"),
    ("el perro", "the dog"),
    ("el coche", "the car"),
    ("la mesa", "the table"),
    ("el libro", "the book"),
    ("la silla", "the chair"),
    ("el árbol", "the tree"),
    ("la puerta", "the door"),
    ("el barco", "the boat"),
    ("la caja", "the box"),
    ("el reloj", "the clock"),
    ("la llave", "the key"),
]

WHEN = [("hoy", "today"), ("ahora", "now"), ("mañana", "tomorrow"), ("otra vez", "again")]


def write_pairs(path):
    """A `spa.txt` of 4,608 made-up `English<TAB>Spanish` pairs, one per distinct Spanish sentence."""
    lines = [
        f"{subject_en} {verb_en} {object_en} {when_en}.\t{subject_es} {verb_es} {object_es} {when_es}."
        for (subject_es, subject_en), (verb_es, verb_en), (object_es, object_en), (
            when_es,
            when_en,
        ) in itertools.product(SUBJECTS, VERBS, OBJECTS, WHEN)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def small_translator(cell="gru", attention="luong", units=8):
    source = ["", "[UNK]", ".", "¿", "?", "yo", "veo", "la", "casa", "el", "perro", "hoy"]
    target = ["", "[UNK]", "[start]", "[end]", ".", "i", "see", "the", "house", "dog", "today"]
    translator = Translator(source, target, cell=cell, units=units, embedding_dim=6, attention=attention, dropout=0.0)
    translator((tf.constant([[5, 6, 7, 8, 2]]), tf.constant([[2, 5, 6]])))
    return translator
