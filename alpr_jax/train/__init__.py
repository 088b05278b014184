"""Training: state, optimiser schedules, losses, checkpoints, and the shared loop."""
