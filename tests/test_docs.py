# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Docs checks: where the documentation shows the paper's figures (the
README, the configs' READMEs, docs/complexity.md) they are those of
paper_tables.PAPER_ROWS, the one source; where the READMEs show ours, they
are the metafiles'. They parse markdown, so they run with the e2e tier."""
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
    """(readme, recipe, cells) of every row of the README tables that set
    a recipe beside the paper."""
    results = []
    for readme in READMES:
        for table in markdown_tables(read(readme)):
            for cells in table:
                if 'Paper: table' not in cells:
                    continue
                link = CONFIG_LINK.match(cells['Config'])
                assert link, f'{readme}: {cells["Config"]} is not a config'
                results.append((readme, link[1], cells))
    return results


def test_readme_tables_show_the_papers_figures():
    results = readme_results()
    assert len(results) > 0
    for readme, recipe, cells in results:
        rows = [
            row for row in PAPER_ROWS
            if row.table == int(cells['Paper: table']) and recipe in row.top1
        ]
        assert len(rows) == 1, (readme, recipe, cells['Paper: table'])
        row = rows[0]
        assert (cells['Paper: params (M)'], cells['Paper: GMACs'],
                cells['Paper: top-1 (%)']) == (
                    f'{row.params_m:.2f}', f'{row.gmacs:.2f}',
                    f'{row.top1[recipe]:.2f}'), (readme, recipe)


def test_readme_tables_show_every_result_of_the_paper():
    shown = {(int(cells['Paper: table']), recipe)
             for _, recipe, cells in readme_results()}
    reported = {(row.table, recipe)
                for row in PAPER_ROWS
                for recipe in row.top1}
    assert shown == reported


def test_readme_tables_show_our_metafile_figures():
    models = {m["Name"]: m["Metadata"] for m in metafile_models()}
    for readme, recipe, cells in readme_results():
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


def readme_result_tables():
    """The tables of the top-level README's "Results" section."""
    text = read(osp.join(REPO_ROOT, 'README.md'))
    section = text.split('\n## Results')[1].split('\n## ')[0]
    return markdown_tables(section)


def numbers(cell):
    return [float(n) for n in re.findall(r'\d+\.\d+', cell)]


def test_main_readme_shows_the_papers_figures():
    """The README's summary tables quote the paper from PAPER_ROWS: every
    paper parameter count, MAC count and top-1 in them is that of a row of
    the table(s) the README row names."""
    complexity, accuracy = readme_result_tables()[:2]
    assert len(complexity) >= 10 and len(accuracy) >= 5
    for cells in complexity:
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
    every_top1 = {acc for r in PAPER_ROWS for acc in r.top1.values()}
    quoted = [
        n for cells in accuracy for column, cell in cells.items()
        if column.endswith(': paper') for n in numbers(cell)
    ]
    assert len(quoted) >= 7 and set(quoted) <= every_top1
