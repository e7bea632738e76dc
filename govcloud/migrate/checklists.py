"""Each wave's cutover and rollback checklists, in English and Chinese.

Wave 0 prepares the platform (tenant, approvals, temporary migration link); every later wave
moves tiers whose dependencies have moved already. Data tiers get a copy strategy from the
data size, the migration link and the tolerated downtime.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from govcloud.migrate.waves import Cycle

if TYPE_CHECKING:
    from govcloud.migrate.plan import MigrationPlan, TierPlan, Wave

SAFETY = 0.5  # use half the tolerated window for copying: the rest is for checks and switch-over


def copy_minutes(data_gb: int, mbps: int) -> int:
    """Minutes to copy `data_gb` GiB over a `mbps` link at 80 % efficiency."""
    return math.ceil(data_gb * 1024 * 8 / (mbps * 0.8) / 60)


def _data_strategy(plan: MigrationPlan, tier: TierPlan) -> tuple[str, str]:
    size = max(h.disk_gb for h in tier.hosts)
    minutes = copy_minutes(size, plan.app.migration_link_mbps)
    budget = plan.app.downtime_minutes * SAFETY
    link = f"{plan.app.migration_link_mbps} Mbit/s"
    if minutes <= budget:
        return (
            f"Copy {tier.name}'s data offline inside the window: {size} GiB over {link} takes about {minutes} min, "
            f"within half of the tolerated {plan.app.downtime_minutes} min",
            f"在停机窗口内离线复制 {tier.name} 层数据：{size} GiB 经 {link} 约需 {minutes} 分钟，"
            f"不超过可容忍停机 {plan.app.downtime_minutes} 分钟的一半",
        )
    return (
        f"Replicate {tier.name}'s data ahead of the cutover (database replication or log shipping): a full copy of "
        f"{size} GiB over {link} takes about {minutes} min, more than half of the tolerated "
        f"{plan.app.downtime_minutes} min; at cutover copy only the delta",
        f"提前建立 {tier.name} 层数据同步（数据库复制或日志传送）：{size} GiB 全量复制经 {link} 约需 {minutes} 分钟，"
        f"超过可容忍停机 {plan.app.downtime_minutes} 分钟的一半；切换时只同步增量",
    )


def _prep(plan: MigrationPlan) -> Wave:
    from govcloud.migrate.plan import Wave

    slug = plan.slug
    app = plan.app
    wave = Wave(0, [], None)
    pending = ", ".join(f.name for f in plan.pending) or "none"
    wave.cutover_en = [
        f"Copy the generated tenant to catalog/tenants/{slug}.yaml; `govcloud validate` and `govcloud plan --out "
        "out/plan.json && govcloud check` pass",
        f"Obtain the approvals still missing (held-back flows: {pending}) and add them to the tenant file",
        "`pulumi up` creates the tenant's networks, security groups and hosts; harden them with playbooks/site.yml",
        f"Set up the temporary migration link between the {app.specialised_network} and the platform "
        f"({app.migration_link_mbps} Mbit/s), approved for the migration period only",
        "Record the legacy hosts' configuration, accounts, scheduled jobs and certificates; back up every data tier",
        f"Agree the cutover windows with {app.owner.department} ({app.owner.contact}): tolerated downtime "
        f"{app.downtime_minutes} min per wave",
    ]
    wave.cutover_zh = [
        f"将生成的租户文件复制到 catalog/tenants/{slug}.yaml，"
        "`govcloud validate`、`govcloud plan --out out/plan.json && "
        "govcloud check` 均通过",
        f"取得尚缺的审批（暂缓的业务流：{pending if plan.pending else '无'}）并补入租户文件",
        "`pulumi up` 创建租户网络、安全组与云主机，并用 playbooks/site.yml 完成加固",
        f"在{app.specialised_network}与平台之间建立迁移期临时链路（{app.migration_link_mbps} Mbit/s），"
        "仅在迁移期内审批使用",
        "记录原系统主机配置、账户、定时任务与证书；对所有数据层做全量备份",
        f"与{app.owner.department}（{app.owner.contact}）商定各批次切换窗口："
        f"每批可容忍停机 {app.downtime_minutes} 分钟",
    ]
    wave.rollback_en = [
        "Nothing has moved yet: `pulumi destroy` on the tenant's resources, or leave them idle",
        "Remove the temporary migration link if the migration is called off",
    ]
    wave.rollback_zh = [
        "尚未迁移任何业务：可对该租户资源执行 `pulumi destroy`，或保持闲置",
        "如迁移取消，撤除迁移期临时链路",
    ]
    return wave


def make_waves(plan: MigrationPlan, order: tuple[tuple[str, ...], ...]) -> list[Wave]:
    from govcloud.migrate.plan import Wave

    by_tier = {t.name: t for t in plan.tiers}
    cycle_of: dict[str, Cycle] = {m: c for c in plan.cycles for m in c.members}
    waves = [_prep(plan)]
    moved: set[str] = set()
    for number, names in enumerate(order, start=1):
        tiers = [by_tier[n] for n in names]
        cycle = next((cycle_of[n] for n in names if n in cycle_of), None)
        wave = Wave(number, list(names), cycle)
        flows = [f.name for f in plan.flows if not f.pending and (f.source in names or f.destination in names)]
        dependents = sorted(
            {f.source for f in plan.flows if f.destination in names and f.source in by_tier and f.source not in names}
            - moved
        )
        mapping_en = "; ".join(
            f"{t.name}: " + ", ".join(f"{old} -> {new}" for old, new in plan.addresses.get(t.name, [])) for t in tiers
        )
        tier_list = ", ".join(names)
        wave.cutover_en.append(f"Confirm the change window and that wave {number - 1} is accepted")
        wave.cutover_zh.append(f"确认变更窗口，且第 {number - 1} 批已验收")
        if cycle is not None:
            wave.cutover_en.append(f"These tiers depend on each other ({cycle}): switch them over together")
            wave.cutover_zh.append(f"以下各层相互依赖（{cycle}）：必须同时切换")
        for tier in tiers:
            if tier.holds_data or tier.data_gb:
                en, zh = _data_strategy(plan, tier)
                wave.cutover_en.append(en)
                wave.cutover_zh.append(zh)
        wave.cutover_en += [
            f"Freeze changes and stop the legacy service on {tier_list} ("
            + ", ".join(h.name for t in tiers for h in t.hosts)
            + ")",
            "Final data sync; compare row counts or checksums between the legacy and the new hosts",
            f"Deploy the application on the new hosts and switch names and client configuration to the new addresses "
            f"({mapping_en})",
            f"Flows opened for this wave: {', '.join(flows) or 'none'}; baseline flows (DNS, time, audit log, "
            "directory, bastion) are in place",
            "Smoke-test each function; check that logs reach the audit-log service and logins go through the bastion",
        ]
        wave.cutover_zh += [
            f"冻结变更，停止 {tier_list} 层的原有服务（" + "、".join(h.name for t in tiers for h in t.hosts) + "）",
            "最终数据同步；核对原主机与新主机的记录数或校验和",
            f"在新主机上部署应用，将域名与客户端配置切换到新地址（{mapping_en}）",
            f"本批开通的业务流：{', '.join(flows) or '无'}；平台基线业务流（DNS、时间、审计日志、目录、堡垒机）已就绪",
            "逐项冒烟测试；确认日志送达审计日志服务、运维登录经由堡垒机",
        ]
        if dependents:
            wave.cutover_en.append(
                f"Tiers still on the legacy side ({', '.join(dependents)}) reach the moved tiers over the temporary "
                "migration link until their own wave"
            )
            wave.cutover_zh.append(f"尚未迁移的层（{', '.join(dependents)}）在其批次前经迁移期临时链路访问已迁移的层")
        wave.rollback_en = [
            f"Roll back when a smoke test fails or the tolerated {plan.app.downtime_minutes} min would be exceeded; "
            "decide at the latest halfway through the window",
            "Point names and client configuration back to the legacy addresses; restart the legacy service "
            "(its hosts were stopped, not removed)",
        ]
        wave.rollback_zh = [
            f"冒烟测试失败或即将超过可容忍停机 {plan.app.downtime_minutes} 分钟时回退；最迟在窗口过半时作出决定",
            "将域名与客户端配置指回原地址；重新启动原有服务（原主机只停机未拆除）",
        ]
        if any(t.holds_data or t.data_gb for t in tiers):
            wave.rollback_en.append(
                "Copy back the writes made on the new hosts since the cutover (or run reverse replication) before "
                "reopening the legacy service"
            )
            wave.rollback_zh.append("重新开放原服务前，将切换后在新主机上产生的写入回写原系统（或启用反向同步）")
        wave.rollback_en += [
            "Close this wave's flows again and stop the new hosts; keep them for the next attempt",
            "Keep the legacy hosts intact until the wave has run 30 days without rollback; then decommission and "
            "wipe them",
        ]
        wave.rollback_zh += [
            "关闭本批开通的业务流并停止新主机，保留以备再次切换",
            "本批稳定运行 30 天无回退后方可下线原主机，并对其数据做安全擦除",
        ]
        moved.update(names)
        waves.append(wave)
    return waves
