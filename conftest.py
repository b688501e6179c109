"""Root pytest configuration: modules that must not be imported by doctest collection."""

collect_ignore = ["kit/cli/__main__.py"]
