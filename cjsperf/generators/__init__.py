"""Generators of the synthetic extracts that came after the first four (cjsperf.sample).

Each module here exposes:

- ``EXTRACTS``: the `cjsperf.extracts.Extract`s it writes;
- ``SEED_INDEX``: which child of the sample's seed it draws from (fixed, so adding a module never
  changes another's draws);
- ``generate(rng, fys, scale, text)``: yields ``(fy, extract, columns)``, one financial year of one
  extract at a time, ``columns`` as `cjsperf.sample._write_csv_gz` takes them (CSV-safe text in the
  order of ``extract.column_names``). ``text`` is the sample's day-number -> 'YYYY-MM-DD' table.

`cjsperf.sample.MORE` lists the modules; `python -m cjsperf sample` writes what they yield.
"""
