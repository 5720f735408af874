"""The decoding package as a whole: below the tasks, and its examples run."""

import doctest
import re
from pathlib import Path

from seqapps import decoding
from seqapps.decoding import greedy


def test_decoding_imports_nothing_from_the_tasks():
    sources = sorted(Path(decoding.__file__).parent.glob("*.py"))
    assert len(sources) == 5
    imports_tasks = re.compile(r"^\s*(from|import) seqapps\.tasks|^\s*from seqapps import [^\n]*\btasks\b", re.M)
    assert [path.name for path in sources if imports_tasks.search(path.read_text())] == []
    assert imports_tasks.search("from seqapps.tasks.char_generation import train")


def test_the_greedy_search_example():
    results = doctest.testmod(greedy, extraglobs={"tf": greedy.tf})
    assert results.attempted == 2 and results.failed == 0
