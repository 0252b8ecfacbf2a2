"""bankml: default risk, customer segments and product recommendations for a (synthetic) bank."""

import warnings

# With the `spark` extra installed, pandera imports pyspark.pandas, which warns once per process
# that pandas 3 is "not yet fully supported"; bankml's Spark path is tested on pandas 3
# (tests/spark), so the notice would only break the one-line stderr of every command.
warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)

__version__ = "0.1.0"
