"""The runnable recipes: one module per recipe, each a `main(argv)` over its task's config.

`recipes/<name>.py` in the repository and `seqapps train <name>` (for a user
who installed only the package) both run `seqapps.recipes.<name>.main` with the
same flags and `--help`. `RECIPES` lists them. Their `main`s share
`runner.run_recipe`: the flags from the task's config, `--tune`, and the
data-parallel flags where the task's `train` takes a strategy.
"""

RECIPES = (
    "char_generation",
    "imdb_sentiment",
    "seq2seq_translation",
    "sequence_sum",
    "text_classification",
    "timeseries_forecasting",
)
