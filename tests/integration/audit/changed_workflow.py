"""A deliberately changed SwitchWorkflow: one extra activity call before the real run.

Replaying a committed history on it must fail; it stands for an unguarded code change.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    from workflows.messages import WORKFLOW_NAME, SwitchResult
    from workflows.switch import SwitchWorkflow


@workflow.defn(name=WORKFLOW_NAME)
class ChangedSwitchWorkflow(SwitchWorkflow):
    @workflow.run
    async def run(self, raw: RawValue) -> SwitchResult:
        await workflow.execute_activity(
            "look_up_tariff", "tariff", start_to_close_timeout=timedelta(seconds=5)
        )
        return await super().run(raw)
