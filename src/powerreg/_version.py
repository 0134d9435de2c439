"""powerreg's version: its one home (``pyproject.toml`` reads it from here, so the
installed metadata says the same), read without importlib.metadata (about 20 ms at
start-up, which a ``validate`` answered from a remembered verdict would spend on it).

Examples:
    >>> __version__.count(".") >= 2
    True
"""

__version__ = "0.1.0"
