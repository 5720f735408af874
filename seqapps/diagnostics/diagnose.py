"""What `seqapps diagnose` does: find a trained model, get example inputs, write the plots."""

import csv
import json
import os

import keras
import numpy as np
from keras import ops

from seqapps import configs, saving
from seqapps.diagnostics import recurrent_trace
from seqapps.diagnostics.gradient_flow import gradient_flow, plot_gradient_flow
from seqapps.diagnostics.hidden_states import input_labels, plot_hidden_states
from seqapps.diagnostics.jacobian_spectrum import jacobian_spectrum, plot_jacobian_spectrum

RUNS_DIR = "runs"
MODEL_FILE = "model.keras"
# The recurrent Jacobian is computed on this many examples (it costs one
# Jacobian of the full state per step and example).
JACOBIAN_EXAMPLES = 4


def resolve_model_path(target, runs_dir=RUNS_DIR):
    """`target` if it is a file, else the saved model of the recipe named `target`.

    Recipes write their outputs under `runs/<recipe>/`, the trained model as
    `runs/<recipe>/model.keras`, or, for an ensemble, each member's as
    `runs/<recipe>/member_<k>/model.keras` (the first member's is used). When
    the run's saved settings (`runs/<recipe>/config.json`) say it trained an
    ensemble, its first member comes first, before a `model.keras` an
    earlier single-model run may have left there.

    Raises:
        FileNotFoundError: none of these exists.
    """
    target = os.fspath(target)
    if os.path.isfile(target):
        return target
    candidates = [os.path.join(runs_dir, target, MODEL_FILE), os.path.join(runs_dir, target, "member_1", MODEL_FILE)]
    if _saved_ensemble_size(os.path.join(runs_dir, target)) > 1:
        candidates.reverse()
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        f"{target!r} is neither a saved Keras model file nor a recipe with a trained model "
        f"(neither {candidates[0]} nor {candidates[1]} exists). Pass the path of a .keras file, or run the recipe "
        "first."
    )


def _saved_ensemble_size(run_dir):
    """The `ensemble` setting the run in `run_dir` saved in its `config.json`; 1 if it saved none."""
    try:
        with open(os.path.join(run_dir, configs.CONFIG_FILENAME), encoding="utf-8") as file:
            ensemble = json.load(file).get("ensemble", 1)
    except (OSError, ValueError, AttributeError):
        return 1
    return ensemble if isinstance(ensemble, int) else 1


def load_model(path):
    """`keras.saving.load_model(path, safe_mode=True)` with every seqapps serializable registered."""
    return saving.load_model(path)


def _single_input(model):
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1:
        count = "an unknown number of" if not inputs else str(len(inputs))
        raise ValueError(
            f"Model {model.name!r} has {count} inputs; diagnose needs a model with one input "
            "(a subclassed or multi-input model can be inspected from Python with "
            "seqapps.diagnostics.gradient_flow / hidden_states)."
        )
    return inputs[0]


def load_inputs(model, path, max_examples=16):
    """Reads example inputs: a `.npy` array, or a text file with one example per line.

    Text examples are shaped like the model's string input (`(n,)` or
    `(n, 1)`); at most `max_examples` are kept.

    Raises:
        ValueError: an empty file.
    """
    path = os.fspath(path)
    if path.endswith(".npy"):
        examples = np.load(path, allow_pickle=False)
    else:
        with open(path, encoding="utf-8") as file:
            lines = [line.rstrip("\r\n") for line in file if line.strip()]
        examples = np.array(lines)
        if len(_single_input(model).shape) == 2:
            examples = examples.reshape(-1, 1)
    if examples.ndim == 0 or len(examples) == 0:
        raise ValueError(f"{path}: no examples found; pass a .npy array or one example per line.")
    return examples[:max_examples]


def random_inputs(model, batch_size=8, timesteps=50, seed=0):
    """A random batch shaped like the model's numeric input.

    Unknown (None) time dimensions get `timesteps`; integer inputs (token
    ids) are drawn below the smallest `Embedding` vocabulary of the model,
    float inputs from a standard normal.

    Raises:
        ValueError: string inputs, integer inputs without an `Embedding`,
            several inputs, or an unknown non-time dimension.
    """
    spec = _single_input(model)
    dtype = str(spec.dtype)
    if "string" in dtype:
        raise ValueError(f"Model {model.name!r} takes strings; pass --inputs FILE with one example per line.")
    shape = [batch_size]
    for axis, size in enumerate(spec.shape[1:], start=1):
        if size is None and axis != 1:
            raise ValueError(
                f"Model {model.name!r} has an input of shape {spec.shape} with an unknown size on "
                f"axis {axis}; pass --inputs FILE.npy."
            )
        shape.append(timesteps if size is None else size)
    generator = np.random.default_rng(seed)
    if "int" in dtype:
        vocabularies = [
            layer.input_dim
            for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, keras.layers.Embedding)
        ]
        if not vocabularies:
            raise ValueError(
                f"Model {model.name!r} takes integers but has no Embedding layer to tell their "
                "range; pass --inputs FILE.npy."
            )
        return generator.integers(1, max(2, min(vocabularies)), size=shape).astype(dtype)
    return generator.standard_normal(shape).astype(dtype)


def projection_loss(seed=0):
    """A loss that needs no targets: the outputs projected on a fixed random direction.

    `dL/dh_t` then measures how much each hidden state can still move the
    outputs (unlike the sum of the outputs, it is not constant for softmax).
    """

    def loss(targets, predictions):
        generator = np.random.default_rng(seed)
        total = 0.0
        for prediction in keras.tree.flatten(predictions):
            direction = generator.standard_normal(tuple(prediction.shape))
            total = total + ops.sum(ops.cast(direction, prediction.dtype) * prediction)
        return total

    return loss


def diagnose_model(model, inputs, out_dir):
    """Writes the diagnostic plots of `model` on `inputs` into `out_dir`.

    Files: `gradient_flow.png` and `gradient_flow.csv` (`||dL/dh_t||` per
    layer and step, for `projection_loss`), `hidden_states.png` (first
    example, tokens as labels when they can be known) and
    `jacobian_spectrum.png` (each recurrent layer's cell along its actual
    inputs). Nothing is written outside `out_dir`.

    Returns:
        The list of written paths.
    """
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    written = []

    flow = gradient_flow(model, (inputs, None), projection_loss())
    written.append(
        plot_gradient_flow(
            flow,
            os.path.join(out_dir, "gradient_flow.png"),
            title="||dL/dh_t|| per time step (L: random projection of the outputs)",
        )
    )
    csv_path = os.path.join(out_dir, "gradient_flow.csv")
    with open(csv_path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["layer", "step", "gradient_norm"])
        for layer, norms in flow.items():
            for step, norm in enumerate(norms):
                writer.writerow([layer, step, f"{norm:.6e}"])
    written.append(csv_path)

    _, traces = recurrent_trace.trace(model, inputs)
    states = {trace.name: np.asarray(trace.hidden) for trace in traces}
    labels = input_labels(model, inputs)
    aligned = labels is not None and all(hidden.shape[1] == len(labels[0]) for hidden in states.values())
    tokens = labels[0] if aligned else None
    written.append(plot_hidden_states(states, os.path.join(out_dir, "hidden_states.png"), tokens=tokens))

    spectra = {
        trace.name: jacobian_spectrum(trace.layer, np.asarray(trace.inputs)[:JACOBIAN_EXAMPLES]) for trace in traces
    }
    written.append(plot_jacobian_spectrum(spectra, os.path.join(out_dir, "jacobian_spectrum.png")))
    return written
