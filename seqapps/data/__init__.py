"""Dataset loaders. Each module resolves its data the same way (see `paths`)."""
