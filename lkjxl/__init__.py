"""lkjxl: SAKIP / Laporan Kinerja workbooks for KPU offices, generated, checked and consolidated.

Heavy engines (pandas, formulas) are imported lazily by the modules that need them,
so `lkjxl --help` starts fast.
"""

__version__ = "0.1.0"
