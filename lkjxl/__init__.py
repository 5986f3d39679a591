"""lkjxl: SAKIP / Laporan Kinerja workbooks for KPU offices, generated, checked and consolidated.

Heavy engines (pandas, formulas) are imported lazily by the modules that need them,
so `lkjxl --help` starts fast.
"""

__version__ = "0.1.0"


def read_frames(paths, *, expected=None):
    """Tidy pandas DataFrames (indikator, anggaran, revisi, temuan) of satker, subbagian
    and consolidated workbooks; see `lkjxl.frames.read_frames`."""
    from .frames import read_frames as _read_frames

    return _read_frames(paths, expected=expected)
