"""Every `python -m factor_cleanup …` command that is not the local stack itself."""
