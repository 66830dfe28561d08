"""The garbage collector's thresholds come from the configuration, in every process."""
from __future__ import annotations

import gc

import pytest

import app as app_module
import config


@pytest.fixture
def restore_thresholds():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_the_default_raises_the_youngest_generations_threshold(monkeypatch, restore_thresholds):
    monkeypatch.delenv("FLOWDESK_GC_THRESHOLD", raising=False)
    gc.set_threshold(700, 10, 10)
    app_module._gc_thresholds(config.Config().GC_THRESHOLD)
    assert gc.get_threshold() == (50000, 20, 20)


def test_the_setting_is_applied(monkeypatch, restore_thresholds):
    monkeypatch.setenv("FLOWDESK_GC_THRESHOLD", "700,10,10")
    app_module._gc_thresholds(config.Config().GC_THRESHOLD)
    assert gc.get_threshold() == (700, 10, 10)
