"""Configuration parsing (pure: no I/O but reading a named file, and checking that a CA
bundle exists).

* :mod:`~influxdb._config.dsn`: ``host``, ``port`` and ``timeout`` checked, DSNs and
  netlocs parsed (the constructor and ``from_dsn``);
* :mod:`~influxdb._config.values`: one converter per constructor parameter, from text or
  toml values;
* :mod:`~influxdb._config.sources`: the environment, ini / toml files and URLs turned into
  constructor kwargs (``from_env``, ``from_config_file``), imported on first use.
"""
