"""Fixtures for the Python module's tests: ctest runs them with PYTHONPATH at the build tree's module
and IMGBATCH_CLI at the `imgbatch` tool, which makes the sample data and the reference dumps."""
import json
import os
import shutil
import subprocess

import pytest


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory):
    """Shard indexes go to a folder of the test session, never to the user's ~/.cache."""
    path = tmp_path_factory.mktemp("imgbatch-cache")
    os.environ["IMGBATCH_CACHE_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("IMGBATCH_CLI")
    if not path:
        pytest.fail("IMGBATCH_CLI is not set: run these tests through ctest")
    return path


@pytest.fixture(scope="session")
def sample(tmp_path_factory, cli):
    """`imgbatch make-sample` data: 32 samples with masks, depth and COCO boxes, and its four specs."""
    root = tmp_path_factory.mktemp("sample")
    subprocess.run([cli, "make-sample", str(root), "--n", "32"], check=True, capture_output=True)
    return root


@pytest.fixture()
def seg_spec(sample):
    with open(sample / "seg.json") as f:
        return json.load(f)


@pytest.fixture()
def broken_sample(sample, tmp_path):
    """A copy of the segmentation data whose image 000005.jpg is cut off after 200 bytes."""
    root = tmp_path / "broken"
    shutil.copytree(sample / "seg", root / "seg")
    shutil.copy(sample / "seg.json", root / "seg.json")
    bad = root / "seg" / "images" / "000005.jpg"
    data = bad.read_bytes()
    bad.write_bytes(data[:200])
    return root, bad
