"""`make artifact-check`: the built arm64 artifact, laid out as Lambda does, run under arm64 Python 3.13."""
