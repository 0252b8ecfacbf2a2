"""bankml: default risk, customer segments and product recommendations for a (synthetic) bank."""

__version__ = "0.1.0"
