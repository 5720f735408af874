"""The runnable recipes: one module per recipe, each a `main(argv)` over its task's config.

`recipes/<name>.py` in the repository and `seqapps train <name>` (for a user
who installed only the package) both run `seqapps.recipes.<name>.main` with the
same flags and `--help`. `RECIPES` lists them.
"""

RECIPES = (
    "char_generation",
    "imdb_sentiment",
    "seq2seq_translation",
    "sequence_sum",
    "text_classification",
    "timeseries_forecasting",
)
