"""The verification sample of `docs/spec/quality.md` (抽查), drawn by `checks.quality`: the one place the sample
export asks for it."""

from __future__ import annotations

from dataclasses import dataclass

from exports.request import Month


@dataclass(frozen=True)
class VillageDraw:
    """The women drawn in one village, with what the checklist says about the draw."""

    village: str
    keys: tuple[str, ...]
    married_wcba: int
    rate: float
    full_recheck: bool = False


async def draw_sample(month: Month) -> list[VillageDraw]:
    """The sample of `month` per village (villages with married WCBA), in village-code order."""
    from checks import quality

    config = quality.QualityConfig()
    units = await quality.compute_quality(month.last, month=month.text, config=config)
    out = []
    for unit in units:
        if unit.level != "village" or not unit.counts.married_wcba:
            continue
        keys = await quality.draw_sample(unit.unit_code, month.text, month.last, config)
        persons = unit.counts.persons
        pct = next(p for least, p in config.sample_rates if persons >= least)
        out.append(VillageDraw(unit.unit_code, tuple(keys), unit.counts.married_wcba, pct / 100, unit.full_recheck))
    out.sort(key=lambda d: d.village)
    return out
