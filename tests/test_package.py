# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The installable package is the plugin: nothing in it imports the tools'
helper modules (they ship in .mim with the tools, beside the scripts)."""
import ast
import glob
import os.path as osp

import pytest
from helpers import REPO_ROOT

pytestmark = pytest.mark.unit


def imported_names(path):
    tree = ast.parse(open(path).read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split('.')[0]


def test_the_package_imports_no_tool():
    tools = {
        osp.splitext(osp.basename(path))[0]
        for path in glob.glob(
            osp.join(REPO_ROOT, 'tools', '**', '*.py'), recursive=True)
    }
    assert {'complexity', 'paper_tables', 'cpu_launch'} <= tools
    sources = glob.glob(
        osp.join(REPO_ROOT, 'mmconvnext_lstm', '**', '*.py'), recursive=True)
    assert sources
    for path in sources:
        assert not set(imported_names(path)) & tools, path
