"""storyfilm: a YAML storyboard in, one finished Seedance-generated film out."""

__version__ = "0.1.0"
