"""`python -m seqapps.tuning CONFIG.json`: one process of a search described by a `TuningConfig` JSON file.

`seqapps tune --workers N` writes the file and starts the chief and the
workers with this command; keras-tuner's environment variables give each its
role.
"""

import os
import sys
from pathlib import Path


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m seqapps.tuning CONFIG.json", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from seqapps import console
    from seqapps.tuning import search
    from seqapps.tuning.tuning_config import TuningConfig, TuningError

    console.configure()
    config = TuningConfig.from_json(Path(argv[0]).read_text())
    try:
        search.tune(config)
    except TuningError as error:
        print(f"seqapps tune: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
