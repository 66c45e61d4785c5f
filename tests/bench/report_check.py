"""imgbatch-bench --report writes a well-formed SVG and an HTML page whose figures are the run's own:
the throughput line spans the timed epochs inside its frame, and the images/s, ceiling and stage times
shown are those --json prints for the same run.
Usage: report_check.py IMGBATCH IMGBATCH_BENCH WORKDIR"""
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def main():
    cli, bench, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.run([cli, "make-sample", work, "--n", "64"], check=True, capture_output=True)
    spec = os.path.join(work, "seg.json")
    for ext in ("svg", "html"):
        out = os.path.join(work, "report." + ext)
        run = subprocess.run([bench, spec, "--epochs", "3", "--json", "--report", out], check=True, capture_output=True,
                             text=True)
        figures = json.loads(run.stdout)
        text = open(out, encoding="utf-8").read()
        if ext == "html":
            assert text.startswith("<!DOCTYPE html>") and "</html>" in text
            assert f"<td>images/s (median of epochs)</td><td>{figures['images_per_s']:.1f}</td>" in text
            text = text[text.index("<svg"):text.index("</svg>") + 6]
        root = ET.fromstring(text)  # well-formed XML
        assert root.tag == NS + "svg"
        words = " ".join("".join(t.itertext()) for t in root.iter(NS + "text"))
        assert f"{figures['images_per_s']:.1f} images/s (median of epochs)" in words, words
        assert f"{figures['decode_ceiling_images_per_s']:.1f} images/s" in words
        assert f"{figures['ratio_to_ceiling']:.3f} of the decode ceiling" in words
        stages = figures["stage_ms_per_image"]
        for stage in ("read", "decode", "augment"):
            assert f"{stages[stage]:.3f} ms" in words, stage
        assert f"{stages['collate']:.3f} ms" in words, "collate"
        frame = next(r for r in root.iter(NS + "rect") if r.get("class") == "frame")
        fx, fy, fw, fh = (float(frame.get(k)) for k in ("x", "y", "width", "height"))
        # The three timed epochs are marked inside the frame, in order, the first at its left edge.
        marks = [float(m.get("x1")) for m in root.iter(NS + "line") if m.get("class") == "epoch"]
        assert len(marks) == 3 and marks == sorted(marks) and abs(marks[0] - fx) < 1 and marks[-1] < fx + fw
        line = next(p for p in root.iter(NS + "polyline") if p.get("class") == "series")
        pts = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
        assert len(pts) >= 5
        # The windows span the timed epochs: the first centred in the first window, the last in the last.
        step = fw / len(pts)
        assert abs(pts[0][0] - (fx + step / 2)) < 1 and abs(pts[-1][0] - (fx + fw - step / 2)) < 1
        # On the chart's scale, the windows' mean is the run's overall rate: the images of all timed epochs
        # over their time, which the epochs' own rates give (3 / sum of 1/rate; the gaps between epochs,
        # not in those, are small). A window scaled wrongly or counting batches twice is far off.
        median = next(m for m in root.iter(NS + "line") if m.get("class") == "median")
        base = fy + fh
        rates = figures["epoch_images_per_s"]
        overall = len(rates) / sum(1 / r for r in rates)
        mean_rate = (base - sum(y for _, y in pts) / len(pts)) / (base - float(median.get("y1"))) * figures["images_per_s"]
        assert 0.8 < mean_rate / overall < 1.1, (mean_rate, overall)
        print(f"{ext}: {len(pts)} windows, {figures['images_per_s']} images/s")


if __name__ == "__main__":
    main()
