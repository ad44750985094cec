"""Floating population (流动人口): inflow and outflow records against the county, their age and the
management attribute (FLW1–FLW4)."""

from __future__ import annotations

from checks.dates import fmt, months_before
from checks.model import T_FLOW, Env, PersonView
from checks.registry import hit, rule

_KIND = {"inflow": "流入", "outflow": "流出"}


@rule("FLW1", "E", "person", title="流动人口在本县内", fields=("flow.place_code",), needs=T_FLOW,
      message="{what}在本县（{county}）内，不属于流动人口。县内人户分离按户籍人口管理：请改正流动信息。",
      example={"what": "流入人员的户籍地 430426", "county": "430426"})  # fmt: skip
def flw1(p: PersonView, env: Env) -> object:
    """An inflow person registered in this county, or an outflow person whose destination is in this county
    (this county = the first 6 digits of the household code)."""
    flow = p.flow
    if not flow:
        return None
    county = p.household[:6]
    if flow.get("type") == "inflow":
        registered = (p.place or flow.get("place_code") or "")[:6]
        if registered == county:
            return hit(fields=["registered_place_code", "flow.place_code"], what=f"流入人员的户籍地 {registered}",
                       county=county)  # fmt: skip
    elif flow.get("type") == "outflow" and (flow.get("place_code") or "")[:6] == county:
        return hit(what=f"流出人员的去向 {flow['place_code']}", county=county)
    return None


@rule("FLW2", "W", "person", title="流动未满 3 个月", fields=("flow.since",), needs=T_FLOW,
      message="{kind}日期 {since} 距 {as_of} 不足 {months} 个月。不满 3 个月一般不按流动人口管理；有务工合同等可核实无误。",
      example={"kind": "流入", "since": "2026-10-01", "as_of": "2026-11-15", "months": 3})  # fmt: skip
def flw2(p: PersonView, env: Env) -> object:
    """An inflow or outflow that started less than 3 months before the reference date (managed as floating
    only with a work contract: confirm)."""
    flow = p.flow
    if not flow or flow.get("since") is None or flow.get("type") not in _KIND:
        return None
    months = env.cfg.flow_min_months
    if flow["since"] > months_before(env.as_of, months):
        return hit(kind=_KIND[flow["type"]], since=fmt(flow["since"]), as_of=fmt(env.as_of), months=months)
    return None


@rule("FLW3", "E", "person", title="流动信息不全", fields=("flow",), needs=T_FLOW,
      message="{kind}记录缺少{items}。请补录。", example={"kind": "流出", "items": "去向、流出日期"})  # fmt: skip
def flw3(p: PersonView, env: Env) -> object:
    """An outflow without destination or start date; an inflow without registered place or start date."""
    flow = p.flow
    if not flow or flow.get("type") not in _KIND:
        return None
    missing = []
    place = flow.get("place_code") or flow.get("place")
    if flow["type"] == "outflow" and not place:
        missing.append(("flow.place_code", "去向"))
    if flow["type"] == "inflow" and not (place or p.place):
        missing.append(("flow.place_code", "户籍地"))
    if flow.get("since") is None:
        missing.append(("flow.since", f"{_KIND[flow['type']]}日期"))
    if missing:
        return hit(fields=[k for k, _ in missing], kind=_KIND[flow["type"]], items="、".join(x for _, x in missing))
    return None


@rule("FLW4", "E", "person", title="管理属性与流动记录不符", fields=("mgmt", "flow"), needs=T_FLOW,
      message="{problem}。请改正管理属性或流动记录。", example={"problem": "管理属性为 02 流入人口，但没有流入记录"})  # fmt: skip
def flw4(p: PersonView, env: Env) -> object:
    """mgmt 02 without an inflow record, mgmt 03 without an outflow record, or a flow record on mgmt 01; or
    an inflow whose `flow.place_code` differs from the first 6 digits of `registered_place_code`."""
    flow = p.flow
    kind = flow.get("type") if flow else None
    mgmt = p.mgmt
    if mgmt == "02" and kind != "inflow":
        return hit(problem="管理属性为 02 流入人口，但没有流入记录")
    if mgmt == "03" and kind != "outflow":
        return hit(problem="管理属性为 03 流出人口，但没有流出记录")
    if mgmt == "01" and kind is not None:
        return hit(problem=f"管理属性为 01 户籍人口，却有{_KIND.get(kind, '')}记录")
    registered = p.place
    if kind == "inflow" and flow.get("place_code") and registered and flow["place_code"] != registered[:6]:
        return hit(fields=["flow.place_code", "registered_place_code"],
                   problem=f"流入记录的户籍地 {flow['place_code']} 与户籍地代码 {registered} 的前 6 位不同")  # fmt: skip
    return None
