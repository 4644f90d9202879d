"""Shared code of the CPS West Midlands performance dashboard."""

import pandas as pd

# Text columns keep pandas' "str" dtype (missing values NaN), held as Python strings rather than
# in Arrow: the dashboard's frames are small (tens of rows), and with Arrow every index lookup,
# list and new frame converted the strings back and forth (a quarter of the py-spy samples of a
# replica's page runs). An uncached run of every page took 6-8% less time this way. (Set for the
# whole process, so every frame it makes has the same dtype; the benchmark's pandas way keeps
# pandas' default.)
pd.set_option("mode.string_storage", "python")
