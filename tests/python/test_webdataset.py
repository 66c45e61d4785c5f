"""WebDataset shards, indexed access: shards written by Python's tarfile (not by imgbatch) read back as
the same batches as the folder or COCO dataset they were made from; captions reach the batch; a shard
that is cut short or corrupt is named with its member."""
import io
import json
import tarfile

import numpy as np
import pytest
from PIL import Image

import imgbatch

PER_SHARD = 5


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_700_000_000
    tar.addfile(info, io.BytesIO(data))


def write_shards(out, samples, fmt_of=lambda k: tarfile.PAX_FORMAT):
    """samples: [(key, {ext: bytes})] in order, PER_SHARD to a shard; returns the brace pattern."""
    out.mkdir(parents=True, exist_ok=True)
    shards = [samples[i:i + PER_SHARD] for i in range(0, len(samples), PER_SHARD)]
    for k, part in enumerate(shards):
        with tarfile.open(out / f"shard-{k:06d}.tar", "w", format=fmt_of(k)) as tar:
            for key, members in part:
                for ext, data in members.items():
                    add(tar, f"{key}.{ext}", data)
    return f"shard-{{000000..{len(shards) - 1:06d}}}.tar", len(shards)


def captions(n):
    return [f"a photo number {i}, with ünïcödé" for i in range(n)]


@pytest.fixture(scope="module")
def seg_shards(sample, tmp_path_factory):
    """sample/seg as shards: NNNNNN.jpg, .seg.png, .depth.png, .txt; shards alternate tar formats
    (pax, GNU, ustar), keys in the folder's order."""
    root = tmp_path_factory.mktemp("seg_shards")
    images = sorted((sample / "seg" / "images").iterdir())
    texts = captions(len(images))
    samples = []
    for i, img in enumerate(images):
        key = img.stem
        samples.append((key, {
            "jpg": img.read_bytes(),
            "seg.png": (sample / "seg" / "masks" / f"{key}.png").read_bytes(),
            "depth.png": (sample / "seg" / "depth" / f"{key}.png").read_bytes(),
            "txt": texts[i].encode(),
        }))
    formats = [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT]
    pattern, count = write_shards(root, samples, lambda k: formats[k % 3])
    return root, pattern, count


def batches(loader, epoch=0):
    loader.set_epoch(epoch)
    return [({k: v.copy() for k, v in b.to_numpy().items()}, [s.text for s in b.samples]) for b in loader]


def assert_same_batches(a, b):
    assert len(a) == len(b) > 0
    for (ta, _), (tb, _) in zip(a, b):
        assert sorted(ta) == sorted(tb)
        for name in ta:
            assert ta[name].dtype == tb[name].dtype, name
            np.testing.assert_array_equal(ta[name], tb[name], err_msg=name)


def shard_spec(folder_spec, root, pattern):
    spec = json.loads(json.dumps(folder_spec))
    spec["dataset"] = {"format": "webdataset", "root": str(root), "urls": pattern}
    return spec


@pytest.mark.parametrize("spec_name", ["seg.json", "depth.json"])
def test_shards_give_the_folders_batches(sample, seg_shards, spec_name):
    # The same samples in the same order: every tensor of every batch is byte-identical, over two epochs
    # of a shuffled sampler, with 1 and 2 threads.
    root, pattern, _ = seg_shards
    with open(sample / spec_name) as f:
        folder = json.load(f)
    shards = shard_spec(folder, root, pattern)
    for threads in (1, 2):
        folder["loader"]["threads"] = shards["loader"]["threads"] = threads
        for epoch in (0, 1):
            want = batches(imgbatch.Loader(folder, base_dir=sample), epoch)
            got = batches(imgbatch.Loader(shards), epoch)
            assert_same_batches(want, got)
            # Each caption with its own sample, whichever thread read it.
            texts = captions(32)
            loader = imgbatch.Loader(shards)
            loader.set_epoch(epoch)
            for b in loader:
                for smp in b.samples:
                    key = smp.image_path.rsplit("#", 1)[1].split(".")[0]
                    assert smp.text == texts[int(key)], smp.image_path


def test_group_by_aspect_reads_sizes_from_the_shards(sample, seg_shards):
    root, pattern, _ = seg_shards
    with open(sample / "seg.json") as f:
        folder = json.load(f)
    # The bins come from the image headers, read while indexing (through the shards' members here).
    sizes = {Image.open(p).size for p in (sample / "seg" / "images").iterdir()}
    assert len({w > h for w, h in sizes}) == 2, "the sample needs both portrait and landscape images"
    folder["sampler"]["group_by_aspect"] = 2
    folder["batch"]["size"] = 4
    shards = shard_spec(folder, root, pattern)
    want = batches(imgbatch.Loader(folder, base_dir=sample))
    assert_same_batches(want, batches(imgbatch.Loader(shards)))


def test_captions_reach_the_batch_from_shards_and_folders(sample, seg_shards, tmp_path):
    root, pattern, _ = seg_shards
    spec = {"dataset": {"format": "webdataset", "root": str(root), "urls": pattern},
            "sampler": {"shuffle": False}, "transforms": [{"op": "resize", "size": [32, 32]}],
            "batch": {"size": 4}}
    got = [s.text for b in imgbatch.Loader(spec) for s in b.samples]
    assert got == captions(32)
    # A folder dataset: x.txt beside x.jpg (here for every other image).
    images = tmp_path / "images"
    images.mkdir()
    for i, img in enumerate(sorted((sample / "seg" / "images").iterdir())[:8]):
        (images / img.name).write_bytes(img.read_bytes())
        if i % 2 == 0:
            (images / f"{img.stem}.txt").write_text(f"caption {i}", encoding="utf-8")
    spec["dataset"] = {"format": "folder", "root": str(tmp_path), "images": "images"}
    got = [s.text for b in imgbatch.Loader(spec) for s in b.samples]
    assert got == ["caption 0", "", "caption 2", "", "caption 4", "", "caption 6", ""]


def img2dataset_shard(path, n, start=0):
    """A shard in img2dataset's layout: key.jpg, key.txt, key.json (url, caption, width, height, ...)."""
    rng = np.random.default_rng(start)
    with tarfile.open(path, "w") as tar:
        for i in range(start, start + n):
            key = f"{i:09d}"
            w, h = 40 + 8 * (i % 3), 30 + 4 * (i % 2)
            img = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=90)
            add(tar, f"{key}.jpg", buf.getvalue())
            add(tar, f"{key}.txt", f"caption of {key}".encode())
            meta = {"url": f"http://example.com/{key}.jpg", "caption": f"caption of {key}", "key": key,
                    "status": "success", "width": w, "height": h, "original_width": 2 * w,
                    "original_height": 2 * h, "exif": "{}", "sha256": "0" * 64}
            add(tar, f"{key}.json", json.dumps(meta).encode())


def test_img2dataset_shards_read_with_captions_and_pillow_pixels(tmp_path):
    img2dataset_shard(tmp_path / "00000.tar", 6, 0)
    img2dataset_shard(tmp_path / "00001.tar", 5, 6)
    spec = {"dataset": {"format": "webdataset", "root": str(tmp_path), "urls": ["00000.tar", "00001.tar"]},
            "sampler": {"shuffle": False},
            "transforms": [{"op": "resize", "size": [24, 32]}],
            "batch": {"size": 11, "layout": "NHWC", "dtype": "uint8"}}
    loader = imgbatch.Loader(spec)
    assert loader.dataset_size == 11
    b = loader.next()
    assert [s.text for s in b.samples] == [f"caption of {i:09d}" for i in range(11)]
    # Pixels: Pillow's decode of the member's bytes, BILINEAR-resized (within 1 level, as for files).
    image = np.asarray(b["image"])
    for i in range(11):
        with tarfile.open(tmp_path / ("00000.tar" if i < 6 else "00001.tar")) as tar:
            data = tar.extractfile(f"{i:09d}.jpg").read()
        ref = np.asarray(Image.open(io.BytesIO(data)).convert("RGB").resize((32, 24), Image.BILINEAR))
        assert np.abs(image[i].astype(int) - ref.astype(int)).max() <= 1, i
        assert b.samples[i].image_path == str(tmp_path / ("00000.tar" if i < 6 else "00001.tar")) + f"#{i:09d}.jpg"


def test_coco_annotations_per_sample_give_the_coco_batches(sample, tmp_path):
    # det.json reads COCO (boxes, labels, instance masks from polygons and RLE); the same annotations
    # split into one JSON member per sample, with the categories in their own file, give equal batches.
    coco = json.loads((sample / "seg" / "annotations.json").read_text())
    by_image = {}
    for a in coco["annotations"]:
        by_image.setdefault(a["image_id"], []).append({k: v for k, v in a.items() if k != "image_id"})
    samples = []
    for im in coco["images"]:
        key = im["file_name"].rsplit(".", 1)[0]
        ann = {"width": im["width"], "height": im["height"], "annotations": by_image.get(im["id"], [])}
        samples.append((key, {"jpg": (sample / "seg" / "images" / im["file_name"]).read_bytes(),
                              "json": json.dumps(ann).encode()}))
    pattern, _ = write_shards(tmp_path, samples)
    (tmp_path / "categories.json").write_text(json.dumps({"categories": coco["categories"]}))
    with open(sample / "det.json") as f:
        folder = json.load(f)
    shards = shard_spec(folder, tmp_path, pattern)
    shards["dataset"]["categories"] = "categories.json"
    shards["targets"]["boxes"] = True
    want = batches(imgbatch.Loader(folder, base_dir=sample))
    got = batches(imgbatch.Loader(shards))
    assert_same_batches(want, got)
    assert any(t["boxes"].size for t, _ in got)


def test_a_truncated_shard_names_the_shard_and_the_member(seg_shards, tmp_path):
    root, pattern, count = seg_shards
    last = root / f"shard-{count - 1:06d}.tar"
    cut = tmp_path / "cut"
    cut.mkdir()
    for p in root.glob("*.tar"):
        (cut / p.name).write_bytes(p.read_bytes())
    with tarfile.open(last) as tar:
        member = [m for m in tar.getmembers() if m.name.endswith(".jpg")][-1]
    (cut / last.name).write_bytes(last.read_bytes()[:member.offset_data + 100])
    spec = {"dataset": {"format": "webdataset", "root": str(cut), "urls": pattern},
            "transforms": [{"op": "resize", "size": [32, 32]}], "batch": {"size": 4}}
    with pytest.raises(imgbatch.Error) as e:
        imgbatch.Loader(spec)
    assert str(cut / last.name) in str(e.value) and f"member {member.name}: truncated" in str(e.value)
    # Under on_error skip the samples before the cut load; the cut one is not a sample.
    spec["loader"] = {"on_error": "skip"}
    assert imgbatch.Loader(spec).dataset_size == 32 - 1


def test_a_corrupt_header_is_named_with_the_member_before_it(seg_shards, tmp_path):
    root, pattern, _ = seg_shards
    data = bytearray((root / "shard-000000.tar").read_bytes())
    with tarfile.open(root / "shard-000000.tar") as tar:
        members = tar.getmembers()
    bad = members[4]  # its header block is the 512 bytes before its data (pax or not)
    data[bad.offset_data - 512 + 10] ^= 0xFF  # a byte of the name: the checksum no longer matches
    (tmp_path / "shard-000000.tar").write_bytes(bytes(data))
    spec = {"dataset": {"format": "webdataset", "root": str(tmp_path), "urls": "shard-000000.tar"},
            "transforms": [{"op": "resize", "size": [32, 32]}], "batch": {"size": 1}}
    with pytest.raises(imgbatch.Error) as e:
        imgbatch.Loader(spec)
    msg = str(e.value)
    assert "shard-000000.tar" in msg and "corrupt header" in msg and f"after member {members[3].name}" in msg


def test_a_missing_shard_is_named(tmp_path):
    spec = {"dataset": {"format": "webdataset", "root": str(tmp_path), "urls": "s-{0..2}.tar"},
            "batch": {"size": 1}}
    with pytest.raises(imgbatch.Error, match=r"s-0\.tar: cannot open the shard"):
        imgbatch.Loader(spec)


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
def test_long_member_names_in_every_tar_format(tmp_path, fmt):
    # Names past ustar's 100 bytes: a pax `path` record, a GNU long name ('L' entry), or ustar's prefix
    # field (a folder part up to 155 bytes); keys keep their folders, as in WebDataset.
    folder = "d" * 90 + "/" + "e" * 40
    keys = [f"{folder}/{'k' * 80}{i}" for i in range(3)]
    rng = np.random.default_rng(1)
    with tarfile.open(tmp_path / "s.tar", "w", format=fmt) as tar:
        for i, key in enumerate(keys):
            buf = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(buf, format="PNG")
            add(tar, f"{key}.png", buf.getvalue())
            add(tar, f"{key}.txt", f"t{i}".encode())
    spec = {"dataset": {"format": "webdataset", "root": str(tmp_path), "urls": "s.tar"},
            "sampler": {"shuffle": False}, "batch": {"size": 3}}
    b = imgbatch.Loader(spec).next()
    assert [s.image_path for s in b.samples] == [f"{tmp_path / 's.tar'}#{k}.png" for k in keys]
    assert [s.text for s in b.samples] == ["t0", "t1", "t2"]


def pack(cli, spec_path, out, shard_bytes):
    import subprocess
    r = subprocess.run([cli, "pack", str(spec_path), "--out", str(out), "--shard-bytes", str(shard_bytes)],
                       check=True, capture_output=True, text=True)
    return json.loads("{" + r.stdout.splitlines()[-1] + "}")["dataset"]


@pytest.mark.parametrize("spec_name", ["seg.json", "depth.json", "det.json"])
def test_pack_reads_back_as_the_same_batches(cli, sample, tmp_path, spec_name):
    # `imgbatch pack` writes the dataset as shards of about 40 KB; read back through the dataset section
    # it prints, with the spec's targets and transforms, every batch equals the original's.
    section = pack(cli, sample / spec_name, tmp_path / "out", 40_000)
    shards = sorted((tmp_path / "out").glob("shard-*.tar"))
    assert len(shards) > 3
    assert section["urls"] == f"shard-{{000000..{len(shards) - 1:06d}}}.tar"
    # Python's tarfile reads them: the members are the original files' bytes.
    with tarfile.open(shards[0]) as tar:
        names = tar.getnames()
        first = tar.extractfile(names[0]).read()
    assert names[0] == "000000000.jpg"
    assert first == sorted((sample / "seg" / "images").iterdir())[0].read_bytes()
    with open(sample / spec_name) as f:
        spec = json.load(f)
    packed = json.loads(json.dumps(spec))
    packed["dataset"] = dict(section, **{k: v for k, v in spec["dataset"].items()
                                         if k in ("category_labels", "crowd")})
    if "boxes" not in packed["targets"] and spec["dataset"]["format"] == "coco":
        packed["targets"]["boxes"] = True
    assert_same_batches(batches(imgbatch.Loader(spec, base_dir=sample)), batches(imgbatch.Loader(packed)))


def test_pack_refuses_a_folder_that_is_not_empty(cli, sample, tmp_path):
    import subprocess
    (tmp_path / "x").write_text("x")
    r = subprocess.run([cli, "pack", str(sample / "seg.json"), "--out", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and "not empty" in r.stderr


def test_check_names_members_and_lists_samples_left_out(cli, sample, tmp_path):
    import subprocess
    img = sorted((sample / "seg" / "images").iterdir())
    samples = [("a", {"jpg": img[0].read_bytes(), "txt": b"one"}),
               ("b", {"txt": b"no image"}),                                  # left out
               ("c", {"jpg": img[1].read_bytes()[:300]}),                     # cut: fails to decode
               ("d", {"jpg": img[2].read_bytes(), "jpeg": img[3].read_bytes()})]  # a second image: ignored
    write_shards(tmp_path, samples)
    spec = {"dataset": {"format": "webdataset", "root": str(tmp_path), "urls": "shard-000000.tar"},
            "transforms": [{"op": "resize", "size": [32, 32]}], "batch": {"size": 1},
            "loader": {"quarantine": str(tmp_path / "q.tsv")}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    r = subprocess.run([cli, "check", str(tmp_path / "spec.json"), "--quarantine", str(tmp_path / "q.tsv")],
                       capture_output=True, text=True)
    shard = str(tmp_path / "shard-000000.tar")
    lines = r.stdout.splitlines()
    assert r.returncode == 1
    assert f"{shard}: b: a sample without an image member (.jpg, .jpeg, .png, .webp): skipped (annotations)" in lines
    assert f"{shard}#d.jpeg: a second image member of sample d: ignored (annotations)" in lines
    assert any(line.startswith(f"{shard}#c.jpg: ") and line.endswith("(decode)") for line in lines), lines
    assert "3 problem(s), 3 sample(s) checked" in r.stdout
    listed = [line.split("\t")[0] for line in (tmp_path / "q.tsv").read_text().splitlines()]
    assert "shard-000000.tar#c.jpg" in listed
    # The loader skips the quarantined member's sample in its place, by the same identity.
    loader = imgbatch.Loader(dict(spec, loader={"quarantine": str(tmp_path / "q.tsv"), "on_error": "skip"}))
    assert loader.dataset_size == 3
    assert [s.text for b in loader for s in b.samples] == ["one", ""]



def png_bytes(seed, w=8, h=8):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def read_texts(spec):
    return [(s.image_path.rsplit("#", 1)[1], s.text) for b in imgbatch.Loader(spec) for s in b.samples]


def test_grouping_keys_as_webdataset(tmp_path):
    # Consecutive members with one key form a sample (a key seen again later starts another); the key
    # keeps its folders, even dotted ones, and ends at the base name's first dot; extensions compare in
    # lower case; `members` renames roles; a global pax header names no member.
    with tarfile.open(tmp_path / "s.tar", "w", format=tarfile.PAX_FORMAT,
                      pax_headers={"comment": "made by a test", "path": "zzz"}) as tar:
        add(tar, "a.png", png_bytes(0))
        add(tar, "b.png", png_bytes(1))
        add(tar, "a.txt", b"late")                 # not b's, and a sample of its own without an image
        add(tar, "v1.0/x.y.png", png_bytes(2))     # key v1.0/x, extension y.png: not an image
        add(tar, "v1.0/x.png", png_bytes(3))
        add(tar, "v1.0/x.CAPTION", b"dotted")
        add(tar, "p/0.PNG", png_bytes(4))
        add(tar, "q/0.png", png_bytes(5))
        add(tar, "q/0.caption", b"q zero")
    spec = {"dataset": {"format": "webdataset", "root": str(tmp_path), "urls": "s.tar",
                        "members": {"text": ["caption"]}},
            "sampler": {"shuffle": False}, "batch": {"size": 1}}
    assert read_texts(spec) == [("a.png", ""), ("b.png", ""), ("v1.0/x.png", "dotted"), ("p/0.PNG", ""),
                                ("q/0.png", "q zero")]


def test_a_resumed_epoch_on_shards_gives_the_rest_of_the_uninterrupted_one(seg_shards):
    root, pattern, _ = seg_shards
    spec = {"dataset": {"format": "webdataset", "root": str(root), "urls": pattern},
            "targets": {"mask": {"num_classes": 21, "ignore_index": 255}},
            "sampler": {"shuffle": True, "seed": 3},
            "transforms": [{"op": "random_resized_crop", "size": [32, 32]}, {"op": "hflip", "p": 0.5}],
            "batch": {"size": 4}}
    whole = batches(imgbatch.Loader(spec), 1)
    first = imgbatch.Loader(spec)
    first.set_epoch(1)
    it = iter(first)
    for _ in range(3):
        next(it)
    cursor = first.state()
    resumed = imgbatch.Loader(spec)
    resumed.restore(cursor)
    rest = [({k: v.copy() for k, v in b.to_numpy().items()}, [s.text for s in b.samples]) for b in resumed]
    assert_same_batches(whole[3:], rest)
    assert [t for _, t in whole[3:]] == [t for _, t in rest]


def test_webp_images_decode_as_pillow_decodes_them(tmp_path):
    # Lossy, lossless, with alpha (dropped as convert("RGB") drops it), from a folder and from shards.
    from PIL import features
    assert features.check("webp"), "Pillow without WebP support cannot be the reference"
    rng = np.random.default_rng(7)
    images = tmp_path / "images"
    images.mkdir()
    members = []
    for i, (mode, kw) in enumerate([("RGB", {"quality": 80}), ("RGB", {"lossless": True}),
                                    ("RGBA", {"quality": 70}), ("RGBA", {"lossless": True})]):
        pixels = rng.integers(0, 256, (20, 28, len(mode)), dtype=np.uint8)
        pixels[..., :3] = np.clip(pixels[..., :3].astype(int) // 4 * 4, 0, 255)  # some structure
        buf = io.BytesIO()
        Image.fromarray(pixels, mode).save(buf, format="WEBP", **kw)
        (images / f"{i}.webp").write_bytes(buf.getvalue())
        members.append((str(i), {"webp": buf.getvalue()}))
    write_shards(tmp_path / "shards", members)
    want = np.stack([np.asarray(Image.open(images / f"{i}.webp").convert("RGB")) for i in range(4)])
    for dataset in ({"format": "folder", "root": str(tmp_path), "images": "images"},
                    {"format": "webdataset", "root": str(tmp_path / "shards"), "urls": "shard-000000.tar"}):
        spec = {"dataset": dataset, "sampler": {"shuffle": False}, "batch": {"size": 4, "layout": "NHWC",
                                                                            "dtype": "uint8"}}
        got = np.asarray(imgbatch.Loader(spec).next()["image"])
        np.testing.assert_array_equal(got, want, err_msg=dataset["format"])


def test_pack_keeps_rle_and_crowd_objects(cli, tmp_path):
    # A COCO dataset with a polygon, an uncompressed RLE (counts column-major over [height, width]) and a
    # crowd region: packed and read back, its boxes, flags and instance masks equal the COCO reader's.
    rng = np.random.default_rng(3)
    images = tmp_path / "coco" / "images"
    images.mkdir(parents=True)
    h, w = 12, 16
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(images / f"{i}.png")
    rle = [h * 2 + 3, 5, h - 5, 5, h * w - (h * 2 + 3) - 5 - (h - 5) - 5]  # a 5x2 block, columns 2-3
    coco = {"images": [{"id": i + 1, "file_name": f"{i}.png", "width": w, "height": h} for i in range(2)],
            "categories": [{"id": 3, "name": "a"}, {"id": 7, "name": "b"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 3, "bbox": [1, 1, 6, 5], "iscrowd": 0,
                 "segmentation": [[1, 1, 7, 1, 7, 6, 1, 6]]},
                {"id": 2, "image_id": 1, "category_id": 7, "bbox": [2, 3, 2, 5], "iscrowd": 0,
                 "segmentation": {"size": [h, w], "counts": rle}},
                {"id": 3, "image_id": 2, "category_id": 7, "bbox": [0, 0, 8, 8], "iscrowd": 1,
                 "segmentation": {"size": [h, w], "counts": [0, 40, h * w - 40]}}]}
    (tmp_path / "coco" / "annotations.json").write_text(json.dumps(coco))
    spec = {"dataset": {"format": "coco", "root": "coco", "images": "images", "annotations": "annotations.json",
                        "category_labels": "contiguous"},
            "targets": {"instance_masks": True}, "sampler": {"shuffle": False}, "batch": {"size": 2}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    section = pack(cli, tmp_path / "spec.json", tmp_path / "out", 1 << 20)
    packed = json.loads(json.dumps(spec))
    packed["dataset"] = dict(section, category_labels="contiguous")
    packed["targets"]["boxes"] = True
    want = batches(imgbatch.Loader(spec, base_dir=tmp_path))
    got = batches(imgbatch.Loader(packed))
    assert_same_batches(want, got)
    t = want[0][0]
    assert t["box_flags"][1][0] == 1 and t["labels"].tolist() == [[0, 1], [1, -1]]  # crowd; ids 3, 7 -> 0, 1
    assert t["instance_masks"][0][1].sum() == 10  # the RLE's 5x2 block
