"environment.yml (conda) and settings.ini (pip) must name the same packages."
import re, shlex
from configparser import ConfigParser
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {'pytorch': 'torch'}   # conda names that differ from the pip name
NOT_PACKAGES = {'python', 'pip'}

def name(spec:str) -> str:
    "The normalised distribution name of a requirement such as 'fastcore>=1.12.3,<2'."
    n = re.split(r'[<>=!~ ;\[]', spec.strip(), maxsplit=1)[0].lower().replace('_', '-')
    return CONDA_TO_PIP.get(n, n)

def settings_packages() -> set:
    cfg = ConfigParser(delimiters=['='])
    cfg.read(ROOT/'settings.ini')
    return {name(s) for k in ('requirements', 'dev_requirements') for s in shlex.split(cfg['DEFAULT'][k])}

def conda_packages() -> set:
    deps = yaml.safe_load((ROOT/'environment.yml').read_text())['dependencies']
    pip = next(d['pip'] for d in deps if isinstance(d, dict))
    return {name(d) for d in deps if isinstance(d, str)} - NOT_PACKAGES | {name(p) for p in pip}

def test_same_packages():
    s, c = settings_packages(), conda_packages()
    assert s == c, f'only in settings.ini: {sorted(s - c)}; only in environment.yml: {sorted(c - s)}'

def test_name_normalisation():
    assert name('fastcore>=1.12.3,<2') == 'fastcore' and name('pytorch') == 'torch' and name('SimpleITK') == 'simpleitk'

def test_pins_agree():
    "The nbdev 2 pins are the same in both files (nbdev 3 refuses settings.ini)."
    text = (ROOT/'environment.yml').read_text()
    cfg = ConfigParser(delimiters=['='])
    cfg.read(ROOT/'settings.ini')
    for pin in shlex.split(cfg['DEFAULT']['dev_requirements']):
        if any(op in pin for op in '<>='): assert pin in text, pin
