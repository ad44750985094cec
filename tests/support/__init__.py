"""Helpers shared by the test modules: data files and demo databases, app factories, Pilot helpers and a
frozen clock. Test modules import from here (``from tests.support.… import …``), never from each other;
the fixtures built on these live in ``tests/conftest.py``."""
