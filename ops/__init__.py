"""Operations: heartbeats of workers and beat, health and readiness, metrics, the system status."""
