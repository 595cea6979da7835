"""The layout stays readable: no module over 400 lines (split by noun before that).

The layer contract itself (.importlinter) is checked by `lint-imports`, which `make test`
and `make lint` run before the suite."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 400


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "switchboard").rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > LIMIT
    }
    assert long == {}
