"""kit.records: counts as platforms write them, storable text, CSV rows as a stream, folder listings."""

from __future__ import annotations

import csv
import io

import pytest

from kit.records import csv_records, storable, to_count, walk_folder


@pytest.mark.parametrize("value, expected", [
    pytest.param("1,204", 1204, id="thousands"), pytest.param("1_000", 1000, id="underscore"),
    pytest.param(7.0, 7, id="whole-float"), pytest.param("0", 0, id="zero"),
    pytest.param(-1, "'-1' is not a non-negative whole number", id="negative"),
    pytest.param("1.5", "'1.5' is not a non-negative whole number", id="fraction"),
    pytest.param("lots", "'lots' is not a non-negative whole number", id="text"),
    pytest.param(True, "a boolean is not a count", id="bool"),
    pytest.param(2**70, "is larger than any count can be", id="huge"),
])
def test_to_count(value, expected):
    if isinstance(expected, int):
        assert to_count(value) == expected
    else:
        with pytest.raises(ValueError, match=expected.replace("(", r"\(")):
            to_count(value)


def test_storable_replaces_lone_surrogates_and_refuses_depth():
    assert storable({"k\ud800": ["v\udfff"]}) == {"k\ufffd\ufffd\ufffd": ["v\ufffd\ufffd\ufffd"]}
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(RecursionError):
        storable(deep)


def test_csv_records_stream_with_line_numbers_and_errors():
    reader = csv.reader(io.StringIO('a,b\n1,2\n\n"x\n",y\n1,2,3\n4\n'))
    header = next(reader)
    assert list(csv_records(reader, header)) == [
        (2, {"a": "1", "b": "2"}), (4, {"a": "x\n", "b": "y"}), (6, {"__error__": "3 cells but 2 columns"}),
        (7, {"a": "4", "b": ""})]


def test_walk_folder_lists_files_and_names_linked_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jpg").write_bytes(b"x")
    (tmp_path / ".hidden").write_bytes(b"x")
    (tmp_path / "out").symlink_to("/", target_is_directory=True)
    assert walk_folder(tmp_path) == [("out", "a symbolic link to a folder: not followed"), ("sub/a.jpg", None)]
