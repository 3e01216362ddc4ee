import os
import stat

import pytest

from proofs.files import atomic_write


def test_atomic_write_gives_the_usual_mode(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_write(target) as f:
        f.write("x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
