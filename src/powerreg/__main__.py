"""``python -m powerreg``: the same as the ``powerreg`` command."""

from powerreg.cli import main

if __name__ == "__main__":
    main()
