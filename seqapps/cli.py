"""The `seqapps` command line.

Each subcommand is a function `_add_<name>(subparsers)` that registers its
parser and sets `handler`; `main()` dispatches to it. Library code does the
work, this module only parses arguments and prints; what the library logs
(a search's progress) is shown through `seqapps.console`.
"""

import argparse
import os
import sys

from seqapps import console


def _add_cells(subparsers):
    parser = subparsers.add_parser(
        "cells",
        help="list the recurrent layer kinds seqapps.layers.recurrent accepts",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.set_defaults(handler=_run_cells)


def _run_cells(arguments):
    from seqapps import layers

    for kind in layers.KINDS:
        print(kind)
    return 0


def _add_serving_config(subparsers):
    parser = subparsers.add_parser(
        "serving-config",
        help="write a TF Serving models.config for the models under EXPORT_ROOT and print how to serve them",
        description="Writes a TF Serving model config (text protobuf) listing every model folder "
        "under EXPORT_ROOT that has integer version folders, plus models.docker.config with the "
        "paths as the tensorflow/serving container sees them, and prints the "
        "tensorflow_model_server, docker run and curl command lines.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("export_root", metavar="EXPORT_ROOT", help="folder holding one folder per model")
    parser.add_argument(
        "--output",
        metavar="FILE",
        default=None,
        help="config file to write, inside EXPORT_ROOT and outside its model folders "
        "(default: EXPORT_ROOT/models.config)",
    )
    parser.set_defaults(handler=_run_serving_config)


def _run_serving_config(arguments):
    from seqapps import serving

    try:
        config = serving.write_serving_config(arguments.export_root, arguments.output)
    except serving.ServingError as error:
        print(f"seqapps serving-config: {error}", file=sys.stderr)
        return 1
    names = ", ".join(model.name for model in config.models)
    print(f"Wrote {config.config_path} ({len(config.models)} model(s): {names})")
    print(f"Wrote {config.docker_config_path} (same models, paths inside the container)")
    print()
    print(config.commands())
    return 0


def _add_predict(subparsers):
    class IntermixedParser(argparse.ArgumentParser):
        """Accepts options between EXPORT_DIR and the INPUT values (`predict DIR --rest-json TEXT`)."""

        def parse_known_args(self, args=None, namespace=None):
            if getattr(self, "_intermixing", False):
                return super().parse_known_args(args, namespace)
            self._intermixing = True
            try:
                return self.parse_known_intermixed_args(args, namespace)
            finally:
                self._intermixing = False

    parser = subparsers.add_parser(
        "predict",
        help="run a signature of an exported SavedModel on raw inputs and print the outputs as JSON",
        description="Loads the SavedModel in EXPORT_DIR (a version folder, or a model folder meaning "
        "its latest version) with TensorFlow Text's ops registered, calls the signature and prints "
        '{"outputs": {name: values}}. With --rest-json, prints the TF Serving REST predict '
        "request body for the inputs instead (the model is not loaded).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.__class__ = IntermixedParser
    parser.add_argument("export_dir", metavar="EXPORT_DIR", help="version folder or model folder")
    parser.add_argument(
        "inputs",
        metavar="INPUT",
        nargs="*",
        help="one value per batch element of a single-input signature: raw text for string "
        "inputs, JSON numbers or nested lists for numeric ones",
    )
    parser.add_argument(
        "--json",
        dest="json_inputs",
        metavar="JSON",
        default=None,
        help='inputs as JSON instead of INPUT: {"name": [batch values], ...}, a list of '
        'instances, or a TF Serving REST body ({"instances": ...} or {"inputs": ...})',
    )
    parser.add_argument("--signature", default="serving_default", help="signature to call")
    parser.add_argument(
        "--rest-json", action="store_true", help="print the TF Serving REST request body instead of predicting"
    )
    parser.set_defaults(handler=_run_predict)


def _run_predict(arguments):
    import json

    from seqapps import serving

    try:
        version_dir, signature = serving.read_signature(arguments.export_dir, arguments.signature)
        inputs = serving.parse_inputs(signature, arguments.inputs, arguments.json_inputs)
        if arguments.rest_json:
            print(json.dumps(serving.rest_request_body(arguments.signature, inputs)))
            return 0
        outputs = serving.predict(version_dir, inputs, arguments.signature)
    except serving.ServingError as error:
        print(f"seqapps predict: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"outputs": {name: serving.to_json(value) for name, value in outputs.items()}}))
    return 0


def _add_check_export(subparsers):
    parser = subparsers.add_parser(
        "check-export",
        help="verify that TF Serving can load and serve an export; exit 1 listing the problems",
        description="Checks the version layout, the 'serve' tag set, serving_default, named "
        "signature tensors, variables and assets, that every op (graph and function library) is "
        "a core TensorFlow or TensorFlow Text op and no tf.py_function, that the warmup file "
        "parses as PredictionLog records matching the signature, and (unless --no-load) loads "
        "the model like TF Serving and replays the warmup requests.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("export_dir", metavar="EXPORT_DIR", help="version folder, or model folder (latest version)")
    parser.add_argument(
        "--no-load", action="store_true", help="skip loading the model and replaying the warmup requests"
    )
    parser.set_defaults(handler=_run_check_export)


def _run_check_export(arguments):
    from seqapps import serving

    report = serving.check_export(arguments.export_dir, load=not arguments.no_load)
    print(report.format())
    return 0 if report.ok else 1


def _comma_separated_positive_ints(text):
    try:
        values = [int(value) for value in text.split(",") if value.strip()]
    except ValueError:
        values = []
    if not values or any(value <= 0 for value in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got {text!r}")
    return values


def _comma_separated_names(text):
    return [name.strip() for name in text.split(",") if name.strip()]


def _add_diagnose(subparsers):
    parser = subparsers.add_parser(
        "diagnose",
        help="plot gradient flow, hidden states and recurrent Jacobians of a trained model, "
        "or run the compare-cells experiment",
        description="With RECIPE-OR-MODEL (a saved .keras file, or a recipe name meaning "
        "runs/RECIPE/model.keras): writes gradient_flow.png/.csv, hidden_states.png and "
        "jacobian_spectrum.png into --out. With --compare-cells: measures the gradient norm vs "
        "distance for --cells at default initialization on sequences of --lengths steps and "
        "writes compare_cells.png and compare_cells.csv into --out, printing a table.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "model",
        metavar="RECIPE-OR-MODEL",
        nargs="?",
        help="a saved Keras model (.keras) or the name of a recipe that saved runs/RECIPE/model.keras "
        "(or runs/RECIPE/member_1/model.keras, first when runs/RECIPE/config.json says it trained an ensemble)",
    )
    parser.add_argument(
        "--out", metavar="DIR", required=True, help="folder for the plots (nothing is written outside it)"
    )
    parser.add_argument(
        "--inputs",
        metavar="FILE",
        default=None,
        help="example inputs: a .npy array, or a text file with one example per line for string-input "
        "models (default: random inputs of the model's input shape, numeric inputs only)",
    )
    parser.add_argument("--examples", type=int, default=16, help="use at most this many examples")
    parser.add_argument(
        "--timesteps", type=int, default=50, help="length of random inputs when the model's time axis is unknown"
    )
    parser.add_argument("--compare-cells", action="store_true", help="run the gradient-vs-distance experiment instead")
    parser.add_argument(
        "--cells", type=_comma_separated_names, default="elman,lstm,gru", help="cells to compare (seqapps cell names)"
    )
    parser.add_argument(
        "--lengths", type=_comma_separated_positive_ints, default="10,50,100,200", help="sequence lengths to compare on"
    )
    parser.add_argument("--units", type=int, default=32, help="cell size for --compare-cells")
    parser.add_argument(
        "--input-dim", type=int, default=None, help="features per input step for --compare-cells (default: --units)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.set_defaults(handler=_run_diagnose)


def _run_diagnose(arguments):
    if arguments.compare_cells == (arguments.model is not None):
        print("seqapps diagnose: pass either RECIPE-OR-MODEL or --compare-cells (exactly one).", file=sys.stderr)
        return 2
    from seqapps import diagnostics
    from seqapps.diagnostics import diagnose

    try:
        if arguments.compare_cells:
            results = diagnostics.compare_cells(
                arguments.cells,
                arguments.lengths,
                units=arguments.units,
                input_dim=arguments.input_dim,
                seed=arguments.seed,
            )
            print("Gradient norm ||dL/dh_t|| at distance T - t = T (the initial state), L = v . h_T:")
            print(diagnostics.compare_cells_table(results))
            written = [
                diagnostics.plot_compare_cells(results, os.path.join(arguments.out, "compare_cells.png")),
                diagnostics.write_compare_cells_csv(results, os.path.join(arguments.out, "compare_cells.csv")),
            ]
        else:
            path = diagnose.resolve_model_path(arguments.model)
            model = diagnose.load_model(path)
            if arguments.inputs is not None:
                inputs = diagnose.load_inputs(model, arguments.inputs, max_examples=arguments.examples)
            else:
                inputs = diagnose.random_inputs(
                    model, batch_size=arguments.examples, timesteps=arguments.timesteps, seed=arguments.seed
                )
            written = diagnostics.diagnose_model(model, inputs, arguments.out)
    except (ValueError, OSError) as error:
        print(f"seqapps diagnose: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"Wrote {path}")
    return 0


def _add_tune(subparsers):
    from seqapps.tuning import RECIPES
    from seqapps.tuning import arguments as tuning_arguments

    parser = subparsers.add_parser(
        "tune",
        help="search a recipe's hyperparameters (the cell type included) with keras-tuner, locally or distributed",
        description="Runs a keras-tuner search over RECIPE's hyperparameters: the recurrent cell (seqapps "
        "cells and Keras built-ins), units, layers, dropout, learning rate, batch size and the recipe's own. "
        "Writes results.csv, results.md, TensorBoard HParams logs and best_hyperparameters.json into "
        "DIRECTORY/PROJECT_NAME, then retrains the best hyperparameters on train+validation, evaluates them "
        "on test and exports them (recipes that export). Rerunning the same command continues the search. "
        "With KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT set, the process is the "
        "chief (KERASTUNER_TUNER_ID=chief) or a worker of a distributed search.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("recipe", metavar="RECIPE", choices=RECIPES, help=f"one of {', '.join(RECIPES)}")
    tuning_arguments.add_tuning_arguments(parser)
    parser.add_argument(
        "--set",
        dest="recipe_options",
        action="append",
        type=tuning_arguments.key_value,
        metavar="FIELD=VALUE",
        default=[],
        help="a field of the recipe's config (data, limit, length, train_size, epochs, seed, verbose, ...); repeatable",
    )
    parser.add_argument(
        "--export-root", default=None, help="where the retrained best model is exported (recipes that export)"
    )
    parser.set_defaults(handler=_run_tune)


def _run_tune(arguments):
    from seqapps.tuning import arguments as tuning_arguments

    options = dict(arguments.recipe_options)
    if arguments.export_root is not None:
        options["export_root"] = arguments.export_root
    return tuning_arguments.run_tuning(arguments, arguments.recipe, options, "seqapps tune")


def _add_train(subparsers):
    from seqapps.recipes import RECIPES

    parser = subparsers.add_parser(
        "train",
        help="run a recipe (what recipes/RECIPE.py runs, with the same flags): seqapps train RECIPE --help",
        description="Runs the recipe RECIPE with the flags that follow, as `python recipes/RECIPE.py` does "
        "in the repository; `seqapps train RECIPE --help` lists its flags.",
    )
    parser.add_argument("recipe", metavar="RECIPE", choices=RECIPES, help=f"one of: {', '.join(RECIPES)}")
    parser.add_argument("recipe_flags", metavar="FLAGS", nargs=argparse.REMAINDER, help="the recipe's flags")
    parser.set_defaults(handler=_run_train)


def _run_train(arguments):
    import importlib

    recipe = importlib.import_module(f"seqapps.recipes.{arguments.recipe}")
    return recipe.main(arguments.recipe_flags, prog=f"seqapps train {arguments.recipe}")


def _add_backtest(subparsers):
    parser = subparsers.add_parser(
        "backtest",
        help="rolling-origin evaluation of a trained forecaster over its test period, with a CSV of every forecast",
        description="Forecasts from every STRIDE-th origin of the test period of a finished run of the "
        "forecasting recipe (its config.json and model.keras; nothing is refitted), and prints MAE and MSE of "
        "the model and of persistence per fold and overall, with the prediction interval's coverage. "
        "--stride 1 scores exactly the test windows the recipe and the benchmark score.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the --run-dir of a finished forecasting run")
    parser.add_argument("--stride", type=int, default=None, help="rows between origins (default: the horizon)")
    parser.add_argument("--folds", type=int, default=5, help="consecutive blocks of origins reported separately")
    parser.add_argument(
        "--output", metavar="CSV", default=None, help="CSV of every forecast (default: RUN_DIR/backtest.csv)"
    )
    parser.add_argument(
        "--data", default=None, help="the data file or folder, if it moved since training (default: the run's)"
    )
    parser.set_defaults(handler=_run_backtest)


def _run_backtest(arguments):
    import json

    from seqapps.tasks.timeseries_forecasting import backtest

    result = backtest.backtest(arguments.run_dir, stride=arguments.stride, folds=arguments.folds, data=arguments.data)
    print(backtest.folds_table(result))
    output = backtest.write_csv(result, arguments.output or os.path.join(arguments.run_dir, "backtest.csv"))
    summary = os.path.join(os.path.dirname(output), "backtest.json")
    with open(summary, "w") as file:
        json.dump({"folds": result.folds, "overall": result.overall}, file, indent=1)
    print(f"Wrote {output} (every forecast) and {summary} (the metrics)")
    return 0


SUBCOMMANDS = (
    _add_train,
    _add_cells,
    _add_backtest,
    _add_serving_config,
    _add_predict,
    _add_check_export,
    _add_diagnose,
    _add_tune,
)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="seqapps",
        description="Recurrent sequence models: recipes, export and serving tools.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add_subcommand in SUBCOMMANDS:
        add_subcommand(subparsers)
    for command_parser in (parser, *subparsers.choices.values()):
        command_parser.add_argument(console.DEBUG_FLAG, action="store_true", help=console.DEBUG_HELP)
    return parser


def _run_parsed(argv):
    console.configure()
    arguments = build_parser().parse_args(argv)
    return arguments.handler(arguments)


def main(argv=None):
    """Runs the command; a data or settings error is one `error:` line and exit status 2 (`--debug`: traceback)."""
    return console.run(_run_parsed, argv)


if __name__ == "__main__":
    sys.exit(main())
