"""``make bench``: the city-scale benchmark of issue #5 (not part of the test suite). See bench/README.md."""
