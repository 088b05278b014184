"""Inference: the stages that turn photos and plates into readings."""
