"""Shards over HTTP, from an nginx the test starts on 127.0.0.1: the same batches as the local shards,
an index made once (one streaming request per shard) and kept in io.cache_dir, members read by range
request; 404s, refused connections, 500s and dropped connections named by URL and member, retried where
a retry can help, and never a hang (every wait has io.timeout_s)."""
import json
import time

import pytest

import imgbatch
from servers import FaultProxy, nginx
from test_webdataset import assert_same_batches, batches, captions, seg_shards  # noqa: F401 (fixture)

FAST_IO = {"retries": 2, "timeout_s": 2, "backoff_s": 0.01}


@pytest.fixture(scope="module")
def server(seg_shards, tmp_path_factory):
    root, pattern, count = seg_shards
    with nginx(root, tmp_path_factory.mktemp("nginx")) as url:
        yield url, pattern, count


def http_spec(url, pattern, cache, **io):
    return {"dataset": {"format": "webdataset", "urls": f"{url}/{pattern}"},
            "targets": {"mask": {"num_classes": 21, "ignore_index": 255}},
            "sampler": {"shuffle": True, "seed": 5},
            "transforms": [{"op": "random_resized_crop", "size": [48, 48]}, {"op": "hflip", "p": 0.5}],
            "batch": {"size": 4}, "loader": {"threads": 2},
            "io": dict(FAST_IO, cache_dir=str(cache), **io)}


def test_http_shards_give_the_local_shards_batches(seg_shards, server, tmp_path):
    root, pattern, count = seg_shards
    url, _, _ = server
    spec = http_spec(url, pattern, tmp_path / "cache")
    local = json.loads(json.dumps(spec))
    local["dataset"] = {"format": "webdataset", "root": str(root), "urls": pattern}
    want = batches(imgbatch.Loader(local), 2)
    with FaultProxy(url) as proxy:
        spec["dataset"]["urls"] = f"{proxy.url}/{pattern}"
        got = batches(imgbatch.Loader(spec), 2)
        assert_same_batches(want, got)
        assert [t for _, t in got] == [t for _, t in want]
        # Indexing: a HEAD and one whole GET per shard; then one range request per member read.
        whole = [r for r in proxy.requests if r[0] == "GET" and r[2] is None]
        heads = [r for r in proxy.requests if r[0] == "HEAD"]
        assert len(whole) == count and len(heads) == count
        ranged = [r for r in proxy.requests if r[0] == "GET" and r[2] is not None]
        assert len(ranged) == 32  # one range per sample (its image, mask and caption): nothing read twice
        # A second loader takes the index from io.cache_dir: HEADs only, no shard read whole again.
        before = len(proxy.requests)
        again = imgbatch.Loader(spec)
        assert again.dataset_size == 32
        assert [r[0] for r in proxy.requests[before:]] == ["HEAD"] * count
        st = again.stats()
        assert st["index_cache_hits"] == count and st["requests"] == count and st["retries"] == 0


def test_a_missing_shard_is_a_404_named_by_url(server, tmp_path):
    url, _, _ = server
    spec = http_spec(url, "nothing-{0..1}.tar", tmp_path)
    with pytest.raises(imgbatch.Error, match=rf"{url}/nothing-0\.tar: HTTP 404 \(not found\)"):
        imgbatch.Loader(spec)


def test_a_refused_connection_is_named_and_does_not_hang(tmp_path):
    from servers import free_port
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(imgbatch.Error) as e:
        imgbatch.Loader(http_spec(url, "s.tar", tmp_path))
    assert str(e.value).startswith(f"{url}/s.tar: ") and "after 2 retries" in str(e.value)
    assert time.monotonic() - start < 10


def test_500s_are_retried_and_then_reported_by_url_and_member(seg_shards, server, tmp_path):
    root, pattern, count = seg_shards
    url, _, _ = server
    with FaultProxy(url) as proxy:
        spec = http_spec(proxy.url, pattern, tmp_path / "cache")
        proxy.fail(2, 500)  # the first request fails twice, then succeeds: within 2 retries
        loader = imgbatch.Loader(spec)
        assert loader.dataset_size == 32
        assert loader.stats()["retries"] == 2
        # Every request for shard 3 now fails: its samples fail after their retries, naming member and URL.
        proxy.break_path("/shard-000003.tar", 503)
        loader.set_epoch(0)
        with pytest.raises(imgbatch.SampleError) as e:
            for _ in loader:
                pass
        assert e.value.file.startswith(f"{proxy.url}/shard-000003.tar#") and e.value.stage == "read"
        assert f"{proxy.url}/shard-000003.tar: HTTP 503 (after 2 retries)" in e.value.reason
        # Under on_error skip the epoch goes on without them: the 5 samples of shard 3 are left out.
        spec["loader"]["on_error"] = "skip"
        skipping = imgbatch.Loader(spec)
        skipping.set_epoch(0)
        assert sum(b.size for b in skipping) == 32 - 5
        bad = skipping.stats()["bad_files"]
        assert len(bad) == 5 and {f["stage"] for f in bad} == {"read"}
        assert all(f["file"].startswith(f"{proxy.url}/shard-000003.tar#") for f in bad)


def test_a_dropped_connection_while_indexing_resumes_where_it_stopped(seg_shards, server, tmp_path):
    root, pattern, count = seg_shards
    url, _, _ = server
    with FaultProxy(url) as proxy:
        spec = http_spec(proxy.url, "shard-000000.tar", tmp_path / "cache")
        proxy.requests.clear()
        # The HEAD passes; the shard's GET is cut after half its bytes and resumed by a range request.
        proxy.failures += [None, "drop"]
        loader = imgbatch.Loader(spec)
        assert loader.dataset_size == 5
        gets = [r for r in proxy.requests if r[0] == "GET"]
        assert gets[0][2] is None and gets[1][2] is not None and gets[1][2].startswith("bytes=")
        spec["sampler"]["shuffle"] = False
        texts = [s.text for b in imgbatch.Loader(spec) for s in b.samples]
        assert texts == captions(32)[:5]
