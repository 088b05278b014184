import json
import os
import shutil

import numpy as np
import pytest

from alpr_jax.data import annotations as ann

# Read off the photographs by eye and checked against the README's tables.
EXPECTED_TEXT = {
    "003748802682": "苏CFY773", "004504310344827586": "皖AD11166", "004636015325670498": "皖AD22939",
    "00622964559386": "皖AYL375", "00723180076628": "皖AY766D", "0089224137931": "皖AY6B59",
    "01": "皖A5M877", "020466954023": "皖A158Y2", "0206178160919": "皖AZ576J", "025": "皖AD12777",
    "0285464559386": "皖AJ002E", "0298192049809": "皖A1A346", "304": "皖AD03877",
}


def test_every_shared_ccpd_file(ccpd_dir):
    records = ann.read_annotations(ccpd_dir)
    assert len(records) == 13
    assert sum(len(r.plates[0].text) == 8 for r in records) == 4
    for r in records:
        name = os.path.basename(r.path)
        fields = name[:-4].split("-")
        (plate,) = r.plates
        assert plate.text == EXPECTED_TEXT[fields[0]], name
        x1y1, x2y2 = fields[2].split("_")
        np.testing.assert_array_equal(plate.bbox, [float(v) for v in x1y1.split("&") + x2y2.split("&")])
        br, bl, tl, tr = [[float(v) for v in p.split("&")] for p in fields[3].split("_")]
        np.testing.assert_array_equal(plate.corners, [tl, tr, br, bl])
        c = plate.corners   # clockwise from top-left in image coordinates
        assert c[0, 0] < c[1, 0] and c[3, 0] < c[2, 0] and c[0, 1] < c[3, 1] and c[1, 1] < c[2, 1]
        assert r.meta["brightness"] == int(fields[5]) and r.meta["blurriness"] == int(fields[6])


def test_readme_example_name():
    r = ann.parse_ccpd_name("025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg")
    assert r.plates[0].text == "皖AY339S"
    np.testing.assert_array_equal(r.plates[0].bbox, [154, 383, 386, 473])
    np.testing.assert_array_equal(r.plates[0].corners, [[154, 383], [363, 402], [386, 473], [177, 454]])
    assert r.meta["tilt"] == (95, 113)
    assert r.plates[0].colour == "blue"        # CCPD2019's plates; 8 characters: CCPD-Green


def test_ccpd_name_writer_round_trip():
    corners = np.array([[10, 20], [110, 22], [111, 55], [9, 52]], np.float32)
    name = ann.ccpd_name(corners, "沪BD12345", (720, 1160))
    r = ann.parse_ccpd_name(name)
    assert r.plates[0].text == "沪BD12345" and r.plates[0].colour == "green"
    np.testing.assert_array_equal(r.plates[0].corners, corners)


GOOD = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"


@pytest.mark.parametrize("name, fragment", [
    ("025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37.jpg", "7 fields"),
    ("025-95-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg", "field 2 \\(tilt\\)"),
    ("025-95_113-154&383-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg", "field 3 \\(bbox\\)"),
    ("025-95_113-154&383_386&473-386&473_177&454_154&383-0_0_22_27_27_33_16-37-15.jpg", "field 4 \\(corners\\)"),
    ("025-95_113-154&383_386&473-386&473_177&454_154&383_36x&402-0_0_22_27_27_33_16-37-15.jpg", "field 4 \\(corners\\)"),
    ("025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_99_16-37-15.jpg", "field 5 \\(characters\\)"),
    ("025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22-37-15.jpg", "field 5 \\(characters\\)"),
    ("025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-bright-15.jpg", "field 6 \\(brightness\\)"),
    ("025-95_113-386&473_154&383-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg", "field 3 \\(bbox\\)"),
    # corners listed counter-clockwise
    ("025-95_113-154&383_386&473-363&402_154&383_177&454_386&473-0_0_22_27_27_33_16-37-15.jpg", "clockwise"),
])
def test_malformed_ccpd_names_name_file_and_field(name, fragment):
    with pytest.raises(ann.AnnotationError, match=fragment) as e:
        ann.parse_ccpd_name("/data/" + name)
    assert name in str(e.value)


def test_malformed_name_in_folder_is_reported(tmp_path, ccpd_dir):
    src = os.path.join(ccpd_dir, sorted(os.listdir(ccpd_dir))[0])
    shutil.copy(src, tmp_path / os.path.basename(src))
    bad = "025-95_113-154&383_386&473-0_0_22_27_27_33_16-37-15.jpg"
    shutil.copy(src, tmp_path / bad)
    with pytest.raises(ann.AnnotationError, match=bad):
        ann.read_annotations(str(tmp_path))


def test_crop_folder(crops_dir):
    records = ann.read_annotations(crops_dir)
    assert len(records) == 500
    assert all(r.is_crop and len(r.plates) == 1 and len(r.plates[0].text) == 7 for r in records)
    assert any(os.path.basename(r.path).startswith("京PL3N67") and r.plates[0].text == "京PL3N67"
               for r in records)


def test_crop_names(tmp_path):
    assert ann.parse_crop_name(str(tmp_path / "京PL3N67_3.jpg")).plates[0].text == "京PL3N67"
    (tmp_path / "京PL3N67.jpg").write_bytes(b"x")
    (tmp_path / "hello.jpg").write_bytes(b"x")
    with pytest.raises(ann.AnnotationError, match="hello.jpg.*not a plate text"):
        ann.read_annotations(str(tmp_path))


def test_labels_jsonl(tmp_path):
    lines = [
        {"path": "a.jpg", "corners": [[0, 0], [10, 0], [10, 4], [0, 4]], "text": "皖AY339S"},
        {"path": "a.jpg", "bbox": [20, 20, 40, 28], "text": "沪BD12345"},
        {"path": "b.jpg", "plates": []},
        {"path": "c.jpg", "text": "京PL3N67"},
        {"path": "d.jpg", "plates": [{"bbox": [1, 2, 3, 4]}]},
    ]
    f = tmp_path / "labels.jsonl"
    f.write_text("\n".join(json.dumps(l, ensure_ascii=False) for l in lines) + "\n", encoding="utf-8")
    records = {os.path.basename(r.path): r for r in ann.read_annotations(str(tmp_path))}
    assert len(records["a.jpg"].plates) == 2 and records["a.jpg"].plates[1].corners is None
    np.testing.assert_array_equal(records["a.jpg"].plates[0].box(), [0, 0, 10, 4])
    assert records["b.jpg"].plates == ()
    assert records["c.jpg"].is_crop and records["c.jpg"].plates[0].text == "京PL3N67"
    assert records["d.jpg"].plates[0].text is None


@pytest.mark.parametrize("line, fragment", [
    ("{not json", "not valid JSON"),
    ('{"corners": [[0,0],[1,0],[1,1],[0,1]]}', "field 'path'"),
    ('{"path": "a.jpg", "corners": [[0,0],[1,0],[1,1]], "text": "皖AY339S"}', "field 'corners'.*shape"),
    ('{"path": "a.jpg", "corners": [[0,0],[0,1],[1,1],[1,0]], "text": "皖AY339S"}', "clockwise"),
    ('{"path": "a.jpg", "bbox": [5, 5, 1, 1]}', "field 'bbox'"),
    ('{"path": "a.jpg", "bbox": [0, 0, 5, 5], "text": "ABC"}', "field 'text'"),
    ('{"path": "a.jpg"}', "needs 'corners' or 'bbox'"),
    ('{"path": "a.jpg", "plates": {"bbox": [0, 0, 1, 1]}}', "field 'plates'"),
])
def test_malformed_jsonl_lines_name_file_line_and_field(tmp_path, line, fragment):
    f = tmp_path / "labels.jsonl"
    f.write_text('{"path": "ok.jpg", "plates": []}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ann.AnnotationError, match=fragment) as e:
        ann.read_annotations(str(f))
    assert f"{f}:2" in str(e.value)


def test_missing_and_empty_inputs(tmp_path):
    with pytest.raises(ann.AnnotationError, match="no such file"):
        ann.read_annotations(str(tmp_path / "nope"))
    with pytest.raises(ann.AnnotationError, match="no images"):
        ann.read_annotations(str(tmp_path))


EASYPR_XML = """<?xml version="1.0" encoding="UTF-8"?>
<tagset>
  <image><imageName>京CX8888</imageName><taggedRectangles>
    <taggedRectangle x="220" y="207" width="87" height="26" rotation="0" locateType="1">蓝牌:京CX8888</taggedRectangle>
  </taggedRectangles></image>
  <image><imageName>津KNG518</imageName><taggedRectangles>
    <taggedRectangle x="300" y="200" width="40" height="137" rotation="-90" locateType="1">蓝牌:津KNG518</taggedRectangle>
    <taggedRectangle x="100" y="100" width="60" height="20" rotation="0" locateType="0">黄牌:粤0A2160</taggedRectangle>
    <taggedRectangle x="200" y="100" width="60" height="20" rotation="0" locateType="0">蓝牌:京A1234</taggedRectangle>
  </taggedRectangles></image>
  <image><imageName>not_in_this_folder</imageName><taggedRectangles>
    <taggedRectangle x="1" y="1" width="5" height="5" rotation="0" locateType="0">蓝牌:京A12345</taggedRectangle>
  </taggedRectangles></image>
</tagset>
"""


def test_easypr_ground_truth(tmp_path, crops_dir):
    src = ann.list_images(crops_dir)[0]
    shutil.copy(src, tmp_path / "京CX8888.jpg")
    shutil.copy(src, tmp_path / "津KNG518.JPG")       # EasyPR's files use both cases
    (tmp_path / "GroundTruth.xml").write_text(EASYPR_XML, encoding="utf-8")
    records = ann.read_annotations(str(tmp_path))
    assert [os.path.basename(r.path) for r in records] == ["京CX8888.jpg", "津KNG518.JPG"]
    one, two = records
    assert not one.is_crop and one.plates[0].corners is None and one.plates[0].text == "京CX8888"
    np.testing.assert_allclose(one.plates[0].bbox, [176.5, 194, 263.5, 220])
    # near -90 degrees width and height swap: the plate is 137 px wide and 40 px high
    np.testing.assert_allclose(two.plates[0].bbox, [231.5, 180, 368.5, 220], atol=1e-3)
    # EasyPR writes the police letter O (粤O·A2160) as a digit: read as the letter
    assert [p.text for p in two.plates] == ["津KNG518", "粤OA2160", "京A1234"]
    assert two.meta["unreadable_texts"] == ["京A1234"]
    assert two.meta["colours"] == ["蓝牌", "黄牌", "蓝牌"]
    assert [p.colour for p in two.plates] == ["blue", "yellow", "blue"]
    # the file may be given itself; a broken file is named in the error
    assert len(ann.read_annotations(str(tmp_path / "GroundTruth.xml"))) == 2
    (tmp_path / "GroundTruth.xml").write_text(EASYPR_XML.replace('width="87"', 'width="wide"'),
                                              encoding="utf-8")
    with pytest.raises(ann.AnnotationError, match="京CX8888: rectangle 1"):
        ann.read_annotations(str(tmp_path))
    (tmp_path / "GroundTruth.xml").write_text(EASYPR_XML[:200], encoding="utf-8")
    with pytest.raises(ann.AnnotationError, match="not well-formed"):
        ann.read_annotations(str(tmp_path))


def test_shared_easypr_folder():
    from conftest import SHARED
    records = ann.read_annotations(os.path.join(SHARED, "easypr_dev"))
    assert len(records) == 82 and sum(len(r.plates) for r in records) == 94
    assert all(p.corners is None and p.bbox is not None and p.text for r in records for p in r.plates)
