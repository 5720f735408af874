"""Scoring and reporting: error metrics, the improvement over the best baseline, tables and the forecast plot."""

import numpy as np

from seqapps.diagnostics import plotting

PLOTTED_WINDOWS = 4


def error_metrics(forecast, truth, target_std):
    """MAE and MSE in file units and standardized: averaged, per horizon step, and per target (file units).

    `forecast` and `truth` are [windows, horizon, targets]; `target_std` is one value per target.
    """
    error = np.asarray(forecast, np.float64) - np.asarray(truth, np.float64)
    scaled = error / np.asarray(target_std, np.float64)
    metrics = {}
    for prefix, values in (("", error), ("normalized_", scaled)):
        metrics[f"{prefix}mae"] = float(np.mean(np.abs(values)))
        metrics[f"{prefix}mse"] = float(np.mean(np.square(values)))
        metrics[f"{prefix}mae_per_step"] = np.mean(np.abs(values), axis=(0, 2)).tolist()
        metrics[f"{prefix}mse_per_step"] = np.mean(np.square(values), axis=(0, 2)).tolist()
    metrics["mae_per_target"] = np.mean(np.abs(error), axis=(0, 1)).tolist()
    metrics["mse_per_target"] = np.mean(np.square(error), axis=(0, 1)).tolist()
    return metrics


def improvement_percent(model_metrics, baseline_metrics):
    """How much lower the model's standardized MAE is than the baseline's, in percent."""
    return 100.0 * (1.0 - model_metrics["normalized_mae"] / baseline_metrics["normalized_mae"])


def metrics_table(metrics, best_baseline, units):
    """Markdown table of the averaged metrics of every forecaster on validation and test."""
    lines = [
        f"| forecaster | val MAE | test MAE ({units}) | test MSE | test MAE (std.) | test MSE (std.) "
        "| vs best baseline |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, test in metrics["test"].items():
        validation = metrics["validation"][name]
        delta = improvement_percent(test, metrics["test"][best_baseline])
        lines.append(
            f"| {name} | {validation['mae']:.4f} | {test['mae']:.4f} | {test['mse']:.4f} "
            f"| {test['normalized_mae']:.4f} | {test['normalized_mse']:.4f} | {delta:+.1f}% |"
        )
    return "\n".join(lines)


def per_step_table(test_metrics, horizon):
    """Markdown table of the test MAE (file units) per horizon step, a few steps shown."""
    shown = sorted({0, horizon // 4, horizon // 2, 3 * horizon // 4, horizon - 1})
    lines = [
        "| forecaster | " + " | ".join(f"step {step + 1}" for step in shown) + " |",
        "|---|" + "---:|" * len(shown),
    ]
    for name, values in test_metrics.items():
        lines.append(f"| {name} | " + " | ".join(f"{values['mae_per_step'][step]:.4f}" for step in shown) + " |")
    return "\n".join(lines)


def per_series_metrics(series, starts, forecasts, truth):
    """For a many-series file: each series' test MAE, worst first.

    Each entry: `series`, `windows`, `mae` (file units), `scaled_mae` (divided
    by the standard deviation of the series' own training targets, so series
    of different magnitudes compare), and `persistence_mae`.
    """
    owner = series.series_of_rows(starts)
    targets = list(series.target_indices)
    entries = []
    for index in np.unique(owner):
        chosen = owner == index
        start, train_end, *_ = series.series_borders[index]
        spread = series.values[start:train_end, targets].astype(np.float64).std(axis=0)
        spread[spread < 1e-12] = 1.0
        error = np.abs(np.asarray(forecasts["model"][chosen], np.float64) - truth[chosen])
        entries.append(
            {
                "series": series.series_names[index],
                "windows": int(chosen.sum()),
                "mae": float(error.mean()),
                "scaled_mae": float((error / spread).mean()),
                "persistence_mae": float(np.abs(forecasts["persistence"][chosen] - truth[chosen]).mean()),
            }
        )
    return sorted(entries, key=lambda entry: -entry["scaled_mae"])


def per_series_table(entries):
    """Markdown table of `per_series_metrics` entries."""
    lines = [
        "| series | test windows | MAE | MAE / series' training spread | persistence MAE |",
        "|---|---:|---:|---:|---:|",
    ]
    for entry in entries:
        lines.append(
            f"| {entry['series']} | {entry['windows']:,} | {entry['mae']:.4f} | {entry['scaled_mae']:.4f} "
            f"| {entry['persistence_mae']:.4f} |"
        )
    return "\n".join(lines)


def plot_forecasts(series, starts, forecasts, config, path, interval=None):
    """Forecast plot of a few test windows (first target): history, truth, the model and the baselines.

    `interval`: optional (lower, upper) bounds of the model's forecasts, drawn as a band (labelled with
    `config.interval`, the method).
    """
    chosen = np.linspace(0, len(starts) - 1, min(PLOTTED_WINDOWS, len(starts))).round().astype(int)
    figure, axes = plotting.new_figure(rows=len(chosen), width=10.0, height_per_row=2.6)
    target = series.targets[:, 0]
    for axis, index in zip(axes[:, 0], chosen):
        start = int(starts[index])
        history = np.arange(start - config.input_steps, start)
        future = np.arange(start, start + config.horizon)
        axis.plot(series.timestamps[history], target[history], color="black", linewidth=1, label="history")
        axis.plot(series.timestamps[future], target[future], color="black", linestyle=":", linewidth=1.5, label="truth")
        if interval is not None:
            axis.fill_between(
                series.timestamps[future],
                interval[0][index, :, 0],
                interval[1][index, :, 0],
                alpha=0.25,
                label=f"model interval ({config.interval})",
            )
        for (name, forecast), style in zip(forecasts.items(), ("-", "--", "--", "--", "--")):
            axis.plot(
                series.timestamps[future],
                forecast[index, :, 0],
                linestyle=style,
                linewidth=2 if name == "model" else 1,
                label=name,
            )
        axis.set_ylabel(series.target_names[0])
        axis.grid(True, alpha=0.3)
    axes[0, 0].set_title(f"Test windows: {config.input_steps} steps in, {config.horizon} forecast")
    axes[0, 0].legend(loc="upper left", fontsize="small", ncol=3)
    return plotting.save(figure, path)
