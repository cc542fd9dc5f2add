"""`python -m bench [name ...]` runs every benchmark module (or the named ones)."""

import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str]) -> int:
    available = sorted(
        module.name
        for module in pkgutil.iter_modules(bench.__path__)
        if not module.name.startswith("_")
    )
    chosen = argv or available
    unknown = set(chosen) - set(available)
    if unknown:
        print(
            f"未知的基准：{'、'.join(sorted(unknown))}；可选：{'、'.join(available)}",
            file=sys.stderr,
        )
        return 2
    for name in chosen:
        print(f"\n== bench.{name}")
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").run()
        print(f"(bench.{name}: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
