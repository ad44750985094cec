"""The domain core: pure functions over interchange-shaped records that every entry path uses.

No I/O, no database, no Textual. One module per job:

- :mod:`store.domain.records` – the record shapes (TypedDicts).
- :mod:`store.domain.keys` – the person-key scheme and key validity.
- :mod:`store.domain.people` – constructors (person, woman block, new member, new household), normalising.
- :mod:`store.domain.families` – householder, spouse links (both sides), a new child's relation, relations
  derived from the links after a change of householder or a divorce.
- :mod:`store.domain.households` – moving members between households (户间迁移, 分户, 并户).
- :mod:`store.domain.marriage` – the marital facts a newcomer (迁入, 流入) brings.
- :mod:`store.domain.surnames` – surnames (compound ones too), a new child's surname, a surname typed twice.
- :mod:`store.domain.names` – the length limit and the characters of a name.
- :mod:`store.domain.idcheck` – the one ID-number validator, taking the settings.
- :mod:`store.domain.change_kinds` – the table of the 13 change kinds.
"""
