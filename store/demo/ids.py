"""ID number allocation for clean records: unique per (region, birth date, sex), in township ranges."""

from __future__ import annotations

from datetime import date

from store.demo.names import COUNTY
from store.idnumber import make_id


class IdAllocator:
    """Unique ID numbers: per (region, birth date, sex) order codes, township ranges for this county.

    Local numbers of township t use order codes t*30+1 … t*30+30 (a county-wide overflow 601–900,
    practically never used); other regions 1–900; 901–999 is left to the fault catalogue, so planted IDs
    never collide.
    """

    def __init__(self) -> None:
        self.local: dict[tuple[int, str], int] = {}
        self.overflow: dict[tuple[int, str], int] = {}
        self.other: dict[tuple[str, int, str], int] = {}
        self.township = 0

    def new_township(self, index: int) -> None:
        self.local.clear()
        self.township = index

    def new(self, region: str, birth: date, sex: str) -> str:
        parity = 1 if sex == "1" else 2
        if region == COUNTY:
            key = (birth.toordinal(), sex)
            k = self.local.get(key, 0)
            self.local[key] = k + 1
            if k < 15:
                seq = self.township * 30 + 2 * k + parity
            else:
                j = self.overflow.get(key, 0)
                self.overflow[key] = j + 1
                seq = 600 + 2 * j + parity
        else:
            okey = (region, birth.toordinal(), sex)
            k = self.other.get(okey, 0)
            self.other[okey] = k + 1
            seq = 2 * k + parity
        return make_id(region, birth, seq)
