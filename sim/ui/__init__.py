"""The Solara browser UI (the only package that imports solara)."""
