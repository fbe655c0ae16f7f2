"""A one-task module for bench/task_latency.py; loaded with ORION_EXTRA_MODULES=["bench_probe"].

It has no models, routes or migrations, so loading it changes nothing else in Orion.
"""

from orion.kernel.contract.modules import ModuleDefinition, Tier

definition = ModuleDefinition(
    code="bench_probe",
    name="Bench probe",
    version="1.0.0",
    tier=Tier.INTERNAL,
    description="Measures task latency for the benchmarks; not for production",
    tasks_path="bench_probe.tasks",
)
