"""bench/profile_step.py on two leads: every phase runs (the lead created, its step, the user
task completed through the API and the process completed) and is reported. No timing asserted."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.profile_step import PHASES
from tests.support.databases import backend

ROOT = Path(__file__).resolve().parents[3]


def test_profile_step_runs_every_phase_to_the_completed_process():
    command = [sys.executable, "-m", "bench.profile_step", "--db", backend(), "--leads", "2"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for phase in PHASES:
        assert f"  {phase}" in done.stdout, phase
    assert "complete task" in PHASES[4]
