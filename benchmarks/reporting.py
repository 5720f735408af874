"""Shared by the benchmark scripts: machine description and BENCHMARKS.md sections.

Each benchmark owns one section of BENCHMARKS.md, headed `## <title>`, which
it replaces on every run (dated, with the machine it ran on), and writes its
raw numbers to `benchmarks/results/<name>.json`.
"""

import argparse
import dataclasses
import datetime
import json
import os
import platform
import re
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_FILE = ROOT / "BENCHMARKS.md"
RESULTS_DIR = ROOT / "benchmarks" / "results"
HEADER = (
    "# Benchmarks\n\nWritten by the scripts in `benchmarks/`; each section is replaced when its script runs again.\n"
)


def vector_extensions(cpuinfo):
    """The vector extensions named in the text of /proc/cpuinfo, as `"AVX2, AVX-512, AMX"` (whether XLA
    speeds up or slows down CPU training depends on them; the char recipe's `jit_compile` gives figures)."""
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, flags=re.MULTILINE)
    present = set(flags.group(1).split()) if flags else set()
    return ", ".join(
        name for flag, name in (("avx2", "AVX2"), ("avx512f", "AVX-512"), ("amx_tile", "AMX")) if flag in present
    )


def cpu_extensions():
    """`vector_extensions` of this machine's /proc/cpuinfo (`""` where there is none)."""
    cpuinfo = Path("/proc/cpuinfo")
    return vector_extensions(cpuinfo.read_text()) if cpuinfo.exists() else ""


def machine_description():
    """One line: CPU model and vector extensions, core count, memory, Python, TensorFlow and Keras versions."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), flags=re.MULTILINE)
        cpu = names[0] if names else cpu
    extensions = cpu_extensions()
    cpu += f" ({extensions})" if extensions else ""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text()).group(1))
        memory = f", {kilobytes / 2**20:.0f} GiB"
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def setting_parser(config_class, excluded=()):
    """An argparse `type` for `--set FIELD=VALUE`: a field of the recipe config class `config_class`
    (not one of `excluded`) -> `(field, value)`, the value converted to the field's type."""
    fields = {field.name: field for field in dataclasses.fields(config_class)}
    types = typing.get_type_hints(config_class)

    def parse(text):
        name, separator, value = text.partition("=")
        if not separator or name not in fields or name in excluded:
            raise argparse.ArgumentTypeError(
                f"expected FIELD=VALUE with a setting of {config_class.__name__}, got {text!r}"
            )
        if types[name] is bool:
            if value.lower() not in ("true", "false"):
                raise argparse.ArgumentTypeError(f"{text!r}: expected true or false")
            return name, value.lower() == "true"
        if types[name] not in (int, float, str):
            raise argparse.ArgumentTypeError(f"{text!r}: a {types[name].__name__} setting cannot be given with --set")
        try:
            return name, types[name](value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"{text!r}: {error}") from error

    return parse


def variant_flags(settings):
    """The recipe flags of a variant's settings, as its row shows them: `{"max_tokens": 600,
    "bag_of_words": False}` -> `"--max-tokens 600 --no-bag-of-words"`."""
    flags = []
    for name, value in settings.items():
        flag = name.replace("_", "-")
        if isinstance(value, bool):
            flags.append(f"--{flag}" if value else f"--no-{flag}")
        else:
            flags.append(f"--{flag} {value}")
    return " ".join(flags)


def run_folder(key):
    """A run folder name for a row key: `"etth1 --no-linear-component"` -> `"etth1_no-linear-component"`."""
    return key.replace(" --", "_").replace(" ", "_")


def today():
    return datetime.date.today().isoformat()


def previous_results(name):
    """The results a benchmark wrote last time (`{}` if none), so runs can accumulate."""
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def compact_json(value, level=0):
    """`value` as JSON, one key per line (indent 1) but each list of numbers or strings on one line.

    Per-step metrics of long horizons are lists of hundreds of numbers; one per line made the forecasting
    results several times larger than their figures.
    """
    if isinstance(value, dict) and value:
        inner = " " * (level + 1)
        items = [f"{inner}{json.dumps(str(key))}: {compact_json(item, level + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * level + "}"
    if isinstance(value, (list, tuple)) and any(isinstance(item, (dict, list, tuple)) for item in value):
        inner = " " * (level + 1)
        items = [inner + compact_json(item, level + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * level + "]"
    return json.dumps(value, default=str)


def write_section(name, title, body, results):
    """Replaces the `## title` section of BENCHMARKS.md and writes `results/<name>.json`."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.json").write_text(compact_json(results) + "\n")
    section = (
        f"## {title}\n\nRun {today()} on {machine_description()}. Command: `{results['command']}`.\n\n{body.strip()}\n"
    )
    existing = BENCHMARKS_FILE.read_text() if BENCHMARKS_FILE.exists() else HEADER
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", flags=re.MULTILINE | re.DOTALL)
    if pattern.search(existing):
        updated = pattern.sub(lambda _: section + "\n", existing)
    else:
        updated = existing.rstrip("\n") + "\n\n" + section
    BENCHMARKS_FILE.write_text(updated.rstrip("\n") + "\n")
