"""Mistake generators, one module per family: random valid keys of every registry kind,
broken the ways people break them, must come out as the right cause with a hint that names
the right thing (shared helpers in `kit`)."""
