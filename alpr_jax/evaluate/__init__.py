"""Evaluation: metrics and the evaluators behind eval.py (a registry by task name)."""
