"""kmslab.staticstore: the production static storage answers WhiteNoise's URLs, remembered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from kmslab.staticstore import StaticStorage


def make(cls: type, root: Path) -> CompressedManifestStaticFilesStorage:
    (root / "staticfiles.json").write_text(json.dumps(
        {"paths": {"css/app.css": "css/app.0123456789ab.css"}, "version": "1.1", "hash": "x"}))
    return cls(location=str(root), base_url="/static/")  # type: ignore[no-any-return]


def test_urls_are_whitenoises_and_remembered(tmp_path: Path) -> None:
    ours, theirs = make(StaticStorage, tmp_path), make(CompressedManifestStaticFilesStorage, tmp_path)
    assert ours.url("css/app.css") == theirs.url("css/app.css") == "/static/css/app.0123456789ab.css"
    ours.hashed_files["css/app.css"] = "css/app.changed.css"  # the manifest cannot change under a running process
    assert ours.url("css/app.css") == "/static/css/app.0123456789ab.css"
    with pytest.raises(ValueError):  # a file missing from the manifest fails, every time, as WhiteNoise's
        ours.url("css/missing.css")
    with pytest.raises(ValueError):
        ours.url("css/missing.css")
