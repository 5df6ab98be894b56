"""Runs the given scripts/gen_*.py fixture generators, each in its own forked process.

Importing torch, torchvision, torchaudio, scikit-learn, NLTK and gensim takes seconds of CPU, which
two dozen separate `python3 gen_x.py` runs paid again and again. This imports them once, then forks
a child per generator: each child starts from the same freshly imported state a new process would
have (seeds, default dtype and other globals a generator sets stay in its child), and runs the
script as `__main__`. Up to `--jobs` children run at once (NABLA_FIXTURE_JOBS, default 2). Exits 1
naming every generator that failed.

Usage: python3 scripts/run_generators.py [--jobs N] scripts/gen_a.py scripts/gen_b.py ...
"""
import importlib
import os
import runpy
import sys

# Imported once here, before the forks. One that is missing is left to fail in the generator that
# needs it, naming it, as it would in a separate run.
for name in ("numpy", "torch", "torchvision", "torchaudio", "sklearn", "nltk", "gensim"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass


def run_child(script):
    """In the forked child: run script as a program would run, then leave without the parent's cleanup."""
    status = 0
    try:
        sys.argv = [script]
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001  (report whatever the generator raised, then fail)
        import traceback
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv):
    jobs = int(os.environ.get("NABLA_FIXTURE_JOBS", "2"))
    if len(argv) >= 2 and argv[0] == "--jobs":
        jobs, argv = int(argv[1]), argv[2:]
    if jobs < 1 or not argv:
        sys.exit("usage: run_generators.py [--jobs N] gen_a.py ...")
    pending, running, failed = list(argv), {}, []
    sys.stdout.flush()
    sys.stderr.flush()
    while pending or running:
        while pending and len(running) < jobs:
            script = pending.pop(0)
            pid = os.fork()
            if pid == 0:
                run_child(script)
            running[pid] = script
        pid, status = os.wait()
        script = running.pop(pid)
        if os.waitstatus_to_exitcode(status) != 0:
            failed.append(f"{script} (exit {os.waitstatus_to_exitcode(status)})")
    if failed:
        sys.exit("fixture generators failed: " + ", ".join(failed))


if __name__ == "__main__":
    main(sys.argv[1:])
