# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Docs checks: where the documentation shows the paper's figures (the
README's results table, docs/complexity.md) they are those of
paper_tables.PAPER_ROWS, the one source; where the configs' READMEs show
ours, they are the metafiles'. They parse markdown, so they run with the
e2e tier."""
import glob
import os.path as osp
import re

import pytest
from helpers import REPO_ROOT, metafile_models

from paper_tables import PAPER_ROWS

pytestmark = pytest.mark.e2e

READMES = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'README.md')))
# A link to a config of the same or a sibling folder: [text](./name.py).
CONFIG_LINK = re.compile(r'^\[[^\]]+\]\((?:\./|\.\./\w+/)([\w.-]+)\.py\)$')


def read(path):
    with open(path) as f:
        return f.read()


def markdown_tables(text):
    """Every table of a markdown text as a list of dicts, header -> cell."""
    tables, header = [], None
    for line in text.splitlines():
        if not line.startswith('|'):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
        if header is None:
            header = cells
            tables.append([])
        elif set(line) - set('|-: '):
            tables[-1].append(dict(zip(header, cells)))
    return tables


def readme_results():
    """(readme, recipe, cells) of every row of the configs' README tables
    that names a recipe."""
    results = []
    for readme in READMES:
        for table in markdown_tables(read(readme)):
            for cells in table:
                if 'Config' not in cells:
                    continue
                link = CONFIG_LINK.match(cells['Config'])
                assert link, f'{readme}: {cells["Config"]} is not a config'
                results.append((readme, link[1], cells))
    return results


def test_readme_tables_show_our_metafile_figures():
    results = readme_results()
    assert len(results) > 0
    models = {m["Name"]: m["Metadata"] for m in metafile_models()}
    for readme, recipe, cells in results:
        metadata = models[recipe]
        assert (cells['Dataset'], cells['Params (M)'], cells['FLOPs (G)']) == (
            metadata['Training Data'], f'{metadata["Parameters"] / 1e6:.2f}',
            f'{metadata["FLOPs"] / 1e9:.3f}'), (readme, recipe)


def test_complexity_doc_shows_the_papers_figures():
    """docs/complexity.md holds the output of get_flops.py --paper: its
    paper columns are PAPER_ROWS, row by row."""
    lines = [
        line for line in read(osp.join(REPO_ROOT, 'docs',
                                       'complexity.md')).split('\n')
        if re.match(r'^[4-7]  ', line)
    ]
    shown = [re.split(r'\s{2,}', line.strip()) for line in lines]
    assert [(int(cells[0]), cells[1], cells[5], cells[8]) for cells in shown
            ] == [(row.table, row.name, f'{row.params_m:.2f}',
                   '-' if row.gmacs is None else f'{row.gmacs:.2f}')
                  for row in PAPER_ROWS]


def readme_results_table():
    """The table of the top-level README's "Results" section."""
    text = read(osp.join(REPO_ROOT, 'README.md'))
    section = text.split('\n## Results')[1].split('\n## ')[0]
    tables = markdown_tables(section)
    assert len(tables) == 1
    return tables[0]


def numbers(cell):
    return [float(n) for n in re.findall(r'\d+\.\d+', cell)]


def test_main_readme_shows_the_papers_figures():
    """The README's results table quotes the paper from PAPER_ROWS: every
    paper parameter count, MAC count and top-1 in it is that of a row of
    the table(s) the README row names, and every top-1 the paper reports is
    there."""
    table = readme_results_table()
    assert len(table) >= 10
    quoted = set()
    for cells in table:
        rows = [
            row for row in PAPER_ROWS
            if str(row.table) in cells['table'].split(', ')
        ]
        assert float(cells['M params: paper']) in {r.params_m
                                                   for r in rows}, cells
        assert float(cells['GMACs: paper']) in {r.gmacs for r in rows}, cells
        top1 = {acc for r in rows for acc in r.top1.values()}
        assert numbers(cells['paper top-1 (%)']), cells
        assert set(numbers(cells['paper top-1 (%)'])) <= top1, cells
        quoted |= set(numbers(cells['paper top-1 (%)']))
    assert quoted == {acc for r in PAPER_ROWS for acc in r.top1.values()}
