"""Run every benchmark, each in its own process, and print their tables in order.

Each compares us with influxdb==5.3.2 (installed in ``.bench-venv``, created on first use)
and with a floor or ceiling measured in the same run.  ``make bench`` runs this.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: In the order of the workloads of issue 3, then the batching writer of issue 4.
SCRIPTS = ["bench_serialize.py", "bench_dataframe.py", "bench_query.py", "bench_json.py",
           "bench_write.py",
           "bench_writer.py"]


def main() -> int:
    failed = []
    for script in SCRIPTS:
        print(f"\n##### {script}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / script)], cwd=HERE.parent)
        if done.returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
