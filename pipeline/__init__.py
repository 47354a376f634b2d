"""vjkg: a knowledge graph of Japan's digital transformation and Vietnam–Japan IT cooperation,
built from annotated sources (``kg`` is :func:`pipeline.cli.run`)."""

# First, so that its exit handler is registered before any other (see pipeline/ending.py).
from . import ending as ending
