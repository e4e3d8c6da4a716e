"""``python -m cobuild.analyst``: rewrite guide.html and style.grass from the cookbook and the model."""

from cobuild.analyst.kit import write

for path in write():
    print(f"wrote {path}")
