"""`python -m kg`: the kg command (used by the crash tests to run an import in its own process)."""

from kg.cli import app

if __name__ == "__main__":
    app()
